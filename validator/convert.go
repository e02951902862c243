package validator

import (
	"fmt"
	"github.com/specgate/specgate/internal/jsonptr"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/specgate/specgate/internal/schema"
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

// Keywords added by the conversion, which the schema engine checks. They never appear in a
// spec file.
const (
	kwForbidReadOnly  = schema.KeywordForbidReadOnly
	kwForbidWriteOnly = schema.KeywordForbidWriteOnly
	kwPattern         = schema.KeywordECMAPattern
)

// converter rewrites OpenAPI documents into JSON Schema 2020-12 resources, one copy per direction,
// keeping every schema at the same JSON pointer so that a keyword location reported by the JSON
// Schema validator is also the keyword's location in the spec file.
//
// specs.Walker walks the copies by the documents' structure (paths, operations, parameters,
// request bodies, responses, headers, media types, components), so that only Schema objects are
// converted and compiled: a Parameter's `required: true` is OpenAPI, not a broken JSON Schema
// keyword. References are followed as the kind of object their position holds.
type converter struct {
	src  *specs.Sources
	dir  direction
	walk *specs.Walker

	out      map[string]any      // converted files by path
	places   map[string][]string // by file: the pointers of the schemas reached from outside a schema
	asSchema map[string]bool     // files whose root was reached as a schema
	// refRoots holds, by file, the root fields under which a schema's $ref points: a file of
	// schemas, even if its fields are named like keywords. renamed holds the others that
	// resource() renamed.
	refRoots map[string]map[string]bool
	renamed  map[string]map[string]bool
	findings []specs.Finding
	ids      []schemaID
}

// schemaID is a schema with an absolute $id, at ptr of file.
type schemaID struct {
	id, file, ptr string
}

func newConverter(src *specs.Sources, dir direction) *converter {
	c := &converter{src: src, dir: dir, out: map[string]any{},
		places: map[string][]string{}, asSchema: map[string]bool{}, refRoots: map[string]map[string]bool{}, renamed: map[string]map[string]bool{}}
	// Compiled: the copies are compiled as 2020-12 whatever their version, so every keyword
	// the compiler reads as a subschema is converted, in a 3.0 document too.
	c.walk = &specs.Walker{Sources: src, Compiled: true, Read: c.file, Visit: c.visit}
	return c
}

// add converts the document rooted at file and every file it refers to.
func (c *converter) add(file string, openapi31 bool) error {
	c.walk.Dialect = specs.DialectOpenAPI30
	if openapi31 {
		c.walk.Dialect = specs.Dialect2020
	}
	return c.walk.Walk(specs.Place{File: file}, specs.KindDocument)
}

// file returns the converted copy of a file, copying it on first use.
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
	return v, nil
}

// resource returns what the JSON Schema compiler is given for the converted file p. The compiler
// compiles every resource's root as a schema before any of its fragments, and every subschema of
// what it compiles, so a file whose root is no schema (an OpenAPI document, a Parameter or
// Response object, a file of named schemas) is given as a skeleton: the schemas reached in it,
// at their pointers, and nothing else. A Parameter's boolean required never reads as a keyword,
// and a schema nobody uses never makes compiling fail.
func (c *converter) resource(p string) any {
	v := c.out[p]
	if c.asSchema[p] {
		return v
	}
	ptrs := slices.Clone(c.places[p])
	sort.Strings(ptrs)
	var kept [][]string
	for i, ptr := range ptrs {
		if i > 0 && (ptr == ptrs[i-1] || strings.HasPrefix(ptr, ptrs[i-1]+"/")) {
			ptrs[i] = ptrs[i-1] // inside a schema already kept
			continue
		}
		kept = append(kept, strings.Split(ptr, "/")[1:])
	}
	out := skeleton(v, kept)
	if m, ok := out.(map[string]any); ok {
		for k, e := range m {
			if schemaKeywords[k] && !c.refRoots[p][k] {
				delete(m, k)
				m[rootKeyPrefix+k] = e
				if c.renamed[p] == nil {
					c.renamed[p] = map[string]bool{}
				}
				c.renamed[p][k] = true
			}
		}
	}
	return out
}

// rootKeyPrefix renames the root fields of a file that is no schema whose names are JSON Schema
// keywords (DigitalOcean names a parameter "type" in a file of parameters): the compiler would
// read them as keywords of the root. Fields a schema's $ref points under keep their names (a
// schema file referred to by a fragment only, "Pet.yaml#/properties/id"). compiledPtr and
// schemaSet.place translate pointers.
const rootKeyPrefix = "x-specgate-root-"

// compiledPtr is the pointer in the compiler's copy of file of what is at ptr in the file.
func (c *converter) compiledPtr(file, ptr string) string {
	if ptr == "" {
		return ptr
	}
	tok, rest, _ := strings.Cut(ptr[1:], "/")
	if !c.renamed[file][jsonptr.Unescape(tok)] {
		return ptr
	}
	if rest != "" {
		rest = "/" + rest
	}
	return "/" + rootKeyPrefix + tok + rest
}

// skeleton copies of v the values at the token paths, and the objects and arrays on their way.
func skeleton(v any, paths [][]string) any {
	for _, p := range paths {
		if len(p) == 0 {
			return v
		}
	}
	switch t := v.(type) {
	case map[string]any:
		byKey := map[string][][]string{}
		for _, p := range paths {
			k := jsonptr.Unescape(p[0])
			byKey[k] = append(byKey[k], p[1:])
		}
		out := make(map[string]any, len(byKey))
		for k, rest := range byKey {
			if e, ok := t[k]; ok {
				out[k] = skeleton(e, rest)
			}
		}
		return out
	case []any:
		out := make([]any, len(t)) // unreached entries stay null, so indices do not move
		for i := range t {
			var rest [][]string
			for _, p := range paths {
				if p[0] == strconv.Itoa(i) {
					rest = append(rest, p[1:])
				}
			}
			if rest != nil {
				out[i] = skeleton(t[i], rest)
			}
		}
		return out
	}
	return nil
}

// schemaKeywords are the keywords of JSON Schema 2020-12 and of the drafts before it.
var schemaKeywords = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`$id $schema $ref $anchor $dynamicRef $dynamicAnchor $recursiveRef $recursiveAnchor
		$vocabulary $comment $defs definitions allOf anyOf oneOf not if then else dependentSchemas dependencies
		prefixItems items additionalItems contains properties patternProperties additionalProperties propertyNames
		unevaluatedItems unevaluatedProperties type enum const multipleOf maximum exclusiveMaximum minimum
		exclusiveMinimum maxLength minLength pattern maxItems minItems uniqueItems maxContains minContains
		maxProperties minProperties required dependentRequired format contentEncoding contentMediaType
		contentSchema title description default deprecated readOnly writeOnly examples id`) {
		schemaKeywords[k] = true
	}
}

// visit converts, in place, the schema the walk reached; it leaves other objects as they are.
func (c *converter) visit(n *specs.Node) bool {
	if n.Kind != specs.KindSchema {
		return true
	}
	file, ptr, m := n.Place.File, n.Place.Pointer, n.Value
	if n.Root {
		if ptr == "" {
			c.asSchema[file] = true
		}
		c.places[file] = append(c.places[file], ptr)
	}
	if m == nil {
		return true // a boolean schema
	}
	if n.HasTarget && n.Target.Pointer != "" {
		tok, _, _ := strings.Cut(n.Target.Pointer[1:], "/")
		if c.refRoots[n.Target.File] == nil {
			c.refRoots[n.Target.File] = map[string]bool{}
		}
		c.refRoots[n.Target.File][jsonptr.Unescape(tok)] = true
	}
	is31 := c.walk.Dialect == specs.Dialect2020
	if id, ok := m["$id"].(string); ok && is31 {
		if base, frag, _ := strings.Cut(id, "#"); frag == "" && (strings.Contains(base, "://") || strings.HasPrefix(base, "urn:")) {
			c.ids = append(c.ids, schemaID{base, file, ptr})
		}
	}
	if _, ok := m["$ref"].(string); ok && !is31 {
		// OpenAPI 3.0: siblings of $ref are ignored.
		for k := range m {
			if k != "$ref" {
				delete(m, k)
			}
		}
		return true
	}
	if !is31 {
		convert30(m)
	}
	if d, ok := m["$schema"].(string); ok && !knownDrafts[strings.TrimSuffix(d, "#")] {
		// OpenAPI's own dialect (https://spec.openapis.org/oas/3.1/dialect/base) or a custom
		// meta-schema: 2020-12 with annotations the validator does not need, checked as 2020-12
		// rather than refused for a meta-schema it would have to fetch.
		delete(m, "$schema")
	}
	c.patterns(file, m, ptr)
	if c.dir == toRequest && m["readOnly"] == true {
		m[kwForbidReadOnly] = true
	}
	if c.dir == toResponse && m["writeOnly"] == true {
		m[kwForbidWriteOnly] = true
	}
	c.propertiesRef(file, m, ptr)
	if props, ok := m["properties"].(map[string]any); ok {
		c.dropExempt(file, m, props)
	}
	return true
}

// propertiesRef reads `properties: {$ref: x}` (Redocly resolves a $ref anywhere; JSON Schema
// knows no map of properties by reference) as the map of properties x holds, each property a
// $ref to its place in x, so that failures are located where the property is written. It is
// reported, being no valid OpenAPI.
func (c *converter) propertiesRef(file string, m map[string]any, ptr string) {
	props, ok := m["properties"].(map[string]any)
	if !ok || len(props) != 1 {
		return
	}
	ref, ok := props["$ref"].(string)
	if !ok {
		return
	}
	target, ok := specs.RefTarget(file, ref)
	if !ok {
		return
	}
	named, err := c.src.Value(target)
	nm, isMap := named.(map[string]any)
	if err != nil || !isMap {
		return // a broken $ref: specs reports it
	}
	tptr := target.Pointer
	loc, _, _ := strings.Cut(ref, "#")
	inlined := make(map[string]any, len(nm))
	for name := range nm {
		inlined[name] = map[string]any{"$ref": loc + jsonptr.Fragment(jsonptr.Join(tptr, name))}
	}
	m["properties"] = inlined
	c.finding(RuleSpecPropertiesRef, file, ptr+"/properties/$ref", fmt.Sprintf("properties is a $ref (%q) to a map of properties, which JSON Schema does not define; specgate reads the map as if written here", ref))
}

// patterns makes the schema m's patterns checkable: a pattern RE2 refuses moves to kwPattern,
// which an ECMA-262 engine checks; one that no engine compiles is dropped and reported, and so
// is a patternProperties entry RE2 refuses (with the keywords that depend on which properties
// it names, which would otherwise reject what the pattern allows).
func (c *converter) patterns(file string, m map[string]any, ptr string) {
	if p, ok := m["pattern"].(string); ok {
		switch engine, err := schema.PatternEngine(p); engine {
		case "ecma":
			delete(m, "pattern")
			m[kwPattern] = p
		case "":
			delete(m, "pattern")
			c.finding(RuleSpecPatternUnsupported, file, ptr+"/pattern", fmt.Sprintf("pattern %q compiles neither as ECMA-262 nor as RE2 (%v); it is not checked", p, err))
		}
	}
	pp, ok := m["patternProperties"].(map[string]any)
	if !ok {
		return
	}
	for key := range pp {
		if _, err := regexp.Compile(key); err == nil {
			continue
		}
		delete(pp, key)
		c.finding(RuleSpecPatternUnsupported, file, ptr+"/patternProperties/"+jsonptr.Escape(key), fmt.Sprintf("patternProperties key %q is no pattern Go's regexp compiles; the properties it names are not checked, nor are additionalProperties and unevaluatedProperties beside it", key))
		delete(m, "additionalProperties")
		delete(m, "unevaluatedProperties")
	}
}

// finding records a defect of the schema at ptr of file.
func (c *converter) finding(rule, file, ptr, msg string) {
	r := specs.Finding{Rule: rule, Level: loadLevel(rule), File: c.src.DisplayName(file), Pointer: ptr, Message: msg}
	if f, err := c.src.File(file); err == nil {
		r.File, r.Line = f.Name, f.Line(ptr)
	}
	c.findings = append(c.findings, r)
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
	m, ok := v.(map[string]any)
	if ref, isRef := m["$ref"].(string); ok && isRef {
		_, target, err := c.src.ResolveRef(file, ref)
		if err != nil {
			return false
		}
		m, ok = target.(map[string]any)
	}
	return ok && m[kw] == true
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

// knownDrafts are the meta-schemas the schema engine knows without fetching them.
var knownDrafts = map[string]bool{
	"http://json-schema.org/draft-04/schema":       true,
	"http://json-schema.org/draft-06/schema":       true,
	"http://json-schema.org/draft-07/schema":       true,
	"https://json-schema.org/draft/2019-09/schema": true,
	"https://json-schema.org/draft/2020-12/schema": true,
}

// schemasAre2020 reports whether the schemas of an OpenAPI document of this version are JSON
// Schema 2020-12 (3.1 and later), rather than OpenAPI 3.0's dialect.
func schemasAre2020(version string) bool {
	return specs.DialectOf(version) == specs.Dialect2020
}
