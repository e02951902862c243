package validator

import (
	"fmt"
	"github.com/specgate/specgate/internal/jsonptr"
	"reflect"
	"strings"

	"github.com/specgate/specgate/specs"
)

// direction selects how readOnly and writeOnly are enforced: OpenAPI allows a readOnly property
// only in responses and a writeOnly property only in requests, and exempts both from required
// in the other direction.
type direction int

const (
	toRequest direction = iota
	toResponse
	toNeither // neither rule: for checking examples and witnesses outside an exchange
)

func (d direction) String() string {
	switch d {
	case toRequest:
		return "request"
	case toResponse:
		return "response"
	}
	return "neither"
}

// Keywords added by the conversion. They never appear in a spec file; the jsonschema adapter
// turns them into the readOnly and writeOnly rules.
const (
	kwForbidReadOnly  = "x-specgate-forbid-readOnly"
	kwForbidWriteOnly = "x-specgate-forbid-writeOnly"
)

// converter rewrites OpenAPI documents into JSON Schema 2020-12 resources, one copy per direction,
// keeping every schema at the same JSON pointer so that a keyword location reported by the JSON
// Schema validator is also the keyword's location in the spec file.
type converter struct {
	src *specs.Sources
	dir direction

	out     map[string]any // converted files by path
	is31    map[string]bool
	queue   []pending
	visited map[uintptr]bool
}

type pending struct {
	file   string
	ptr    string
	schema bool // the value at ptr is a schema (else: a part of an OpenAPI document)
}

func newConverter(src *specs.Sources, dir direction) *converter {
	return &converter{src: src, dir: dir, out: map[string]any{}, is31: map[string]bool{}, visited: map[uintptr]bool{}}
}

// add converts the document rooted at file and every file it refers to.
func (c *converter) add(file string, openapi31 bool) error {
	c.is31[file] = openapi31
	c.queue = append(c.queue, pending{file: file})
	for len(c.queue) > 0 {
		p := c.queue[0]
		c.queue = c.queue[1:]
		root, err := c.file(p.file)
		if err != nil {
			if p.file == file {
				return err
			}
			continue // a broken $ref: specs reports it, and compiling what uses it fails
		}
		v, ok := jsonptr.Lookup(root, p.ptr)
		if !ok {
			continue
		}
		if p.schema {
			c.schema(p.file, v)
		} else {
			c.document(p.file, v, p.ptr)
		}
	}
	return nil
}

// file returns the converted copy of a file, copying it on first use. A file whose root is a
// schema is converted whole, whatever fragment of it was referred to: the JSON Schema compiler
// compiles a resource's root before any of its fragments.
func (c *converter) file(p string) (any, error) {
	if v, ok := c.out[p]; ok {
		return v, nil
	}
	f, err := c.src.File(p)
	if err != nil {
		return nil, err
	}
	v := deepCopy(f.Value)
	c.out[p] = v
	if m, ok := v.(map[string]any); ok && looksLikeSchema(m) {
		c.queue = append(c.queue, pending{file: p, schema: true})
	}
	return v, nil
}

// looksLikeSchema reports whether a file's root is a schema rather than an OpenAPI document or a
// file of named objects.
func looksLikeSchema(m map[string]any) bool {
	if _, ok := m["openapi"]; ok {
		return false
	}
	for _, k := range []string{"type", "properties", "items", "allOf", "anyOf", "oneOf", "$ref", "enum", "not", "additionalProperties", "format"} {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

// document walks a part of an OpenAPI document, converting every schema it holds.
func (c *converter) document(file string, v any, ptr string) {
	switch t := v.(type) {
	case map[string]any:
		if c.seen(t) {
			return
		}
		if ref, ok := t["$ref"].(string); ok {
			c.follow(file, ref, false)
		}
		for k, e := range t {
			child := ptr + "/" + jsonptr.Escape(k)
			switch {
			case k == "schema":
				c.schema(file, e)
			case ptr == "/components/schemas" || ptr == "/definitions":
				c.schema(file, e)
			case strings.HasPrefix(k, "x-") || k == "example" || k == "examples" && ptr != "/components":
				// Extensions and examples hold data, not spec objects.
			default:
				c.document(file, e, child)
			}
		}
	case []any:
		for i, e := range t {
			c.document(file, e, fmt.Sprintf("%s/%d", ptr, i))
		}
	}
}

// follow queues the target of a $ref found in file.
func (c *converter) follow(file, ref string, schema bool) {
	target, ptr, ok := jsonptr.SplitRef(file, ref)
	if !ok {
		return
	}
	if _, known := c.is31[target]; !known {
		c.is31[target] = c.is31[file]
	}
	c.queue = append(c.queue, pending{file: target, ptr: ptr, schema: schema})
}

// schema converts one OpenAPI schema object, and the schemas inside it, in place.
func (c *converter) schema(file string, v any) {
	m, ok := v.(map[string]any)
	if !ok || c.seen(m) {
		return
	}
	if ref, ok := m["$ref"].(string); ok {
		c.follow(file, ref, true)
		if !c.is31[file] {
			// OpenAPI 3.0: siblings of $ref are ignored.
			for k := range m {
				if k != "$ref" {
					delete(m, k)
				}
			}
		}
		return
	}
	if !c.is31[file] {
		convert30(m)
	}
	if c.dir == toRequest && m["readOnly"] == true {
		m[kwForbidReadOnly] = true
	}
	if c.dir == toResponse && m["writeOnly"] == true {
		m[kwForbidWriteOnly] = true
	}
	if props, ok := m["properties"].(map[string]any); ok {
		c.dropExempt(file, m, props)
		for _, p := range props {
			c.schema(file, p)
		}
	}
	for _, k := range []string{"items", "additionalProperties", "not", "propertyNames", "contains", "if", "then", "else", "unevaluatedProperties", "unevaluatedItems", "additionalItems"} {
		c.schema(file, m[k])
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf", "prefixItems"} {
		if list, ok := m[k].([]any); ok {
			for _, e := range list {
				c.schema(file, e)
			}
		}
	}
	for _, k := range []string{"patternProperties", "dependentSchemas", "$defs", "definitions"} {
		if mm, ok := m[k].(map[string]any); ok {
			for _, e := range mm {
				c.schema(file, e)
			}
		}
	}
}

// dropExempt removes from required the properties that OpenAPI exempts in this direction:
// readOnly ones in requests, writeOnly ones in responses.
func (c *converter) dropExempt(file string, m map[string]any, props map[string]any) {
	req, ok := m["required"].([]any)
	if !ok {
		return
	}
	exempt := "writeOnly"
	if c.dir == toRequest {
		exempt = "readOnly"
	}
	if c.dir == toNeither {
		return
	}
	kept := req[:0:0]
	for _, name := range req {
		s, _ := name.(string)
		if c.flag(file, props[s], exempt) {
			continue
		}
		kept = append(kept, name)
	}
	if len(kept) != len(req) {
		m["required"] = kept
	}
}

// flag reports whether the schema v, following $refs, has the boolean keyword kw set.
func (c *converter) flag(file string, v any, kw string) bool {
	for range 32 {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		ref, isRef := m["$ref"].(string)
		if !isRef {
			return m[kw] == true
		}
		target, ptr, ok := jsonptr.SplitRef(file, ref)
		if !ok {
			return false
		}
		f, err := c.src.File(target)
		if err != nil {
			return false
		}
		if v, ok = jsonptr.Lookup(f.Value, ptr); !ok {
			return false
		}
		file = target
	}
	return false
}

func (c *converter) seen(m map[string]any) bool {
	p := reflect.ValueOf(m).Pointer()
	if c.visited[p] {
		return true
	}
	c.visited[p] = true
	return false
}

// convert30 rewrites the OpenAPI 3.0 keywords that differ from JSON Schema 2020-12.
func convert30(m map[string]any) {
	if m["nullable"] == true {
		switch t := m["type"].(type) {
		case string:
			m["type"] = []any{t, "null"}
		}
		if enum, ok := m["enum"].([]any); ok {
			m["enum"] = append(enum, nil)
		}
	}
	delete(m, "nullable")
	for _, kw := range [][2]string{{"exclusiveMaximum", "maximum"}, {"exclusiveMinimum", "minimum"}} {
		if b, ok := m[kw[0]].(bool); ok {
			if b {
				m[kw[0]] = m[kw[1]]
				delete(m, kw[1])
			} else {
				delete(m, kw[0])
			}
		}
	}
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = deepCopy(e)
		}
		return s
	default:
		return v
	}
}
