package lint

// This is the only file that uses santhosh-tekuri/jsonschema/v5, so that its version can change
// in one place. It does two things: it validates whole documents against the official OpenAPI
// JSON Schemas (embedded from schemas/), and it compiles the schemas inside a spec (converted
// from OpenAPI 3.0's dialect to JSON Schema 2020-12 where they differ) to check examples and
// search oneOf witnesses.

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/specgate/specgate/specs"
)

// The official OpenAPI document schemas: 3.0 (id https://spec.openapis.org/oas/3.0/schema/2024-10-18,
// the revision that followed 2021-09-28) and 3.1 (https://spec.openapis.org/oas/3.1/schema/2025-11-23,
// the revision that followed 2022-10-07). schemas/README.md tells where they come from.
var (
	//go:embed schemas/openapi-3.0.json
	oas30 []byte
	//go:embed schemas/openapi-3.1.json
	oas31 []byte
)

type metaSchemas struct {
	v30, v31 *jsonschema.Schema
	err      error
}

var (
	metaOnce sync.Once
	meta     metaSchemas
)

// compileMeta compiles the embedded document schemas once; they are immutable afterwards and
// safe for concurrent use.
func compileMeta() (metaSchemas, error) {
	metaOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.LoadURL = func(s string) (io.ReadCloser, error) {
			return nil, fmt.Errorf("%s is not embedded", s)
		}
		for _, s := range []struct {
			url  string
			data []byte
		}{{"https://specgate.invalid/oas-3.0.json", oas30}, {"https://specgate.invalid/oas-3.1.json", oas31}} {
			if err := c.AddResource(s.url, bytes.NewReader(s.data)); err != nil {
				meta.err = fmt.Errorf("embedded OpenAPI schema: %w", err)
				return
			}
		}
		if meta.v30, meta.err = c.Compile("https://specgate.invalid/oas-3.0.json"); meta.err != nil {
			return
		}
		meta.v31, meta.err = c.Compile("https://specgate.invalid/oas-3.1.json")
	})
	return meta, meta.err
}

// metaProblem is one way a document departs from the OpenAPI document schema.
type metaProblem struct {
	pointer string
	message string
}

var quoted = regexp.MustCompile(`'([^']*)'`)

// checkDocument validates a decoded document against the OpenAPI document schema of its version.
func checkDocument(doc any, v31 bool) ([]metaProblem, error) {
	ms, err := compileMeta()
	if err != nil {
		return nil, err
	}
	sch, version := ms.v30, "3.0"
	if v31 {
		sch, version = ms.v31, "3.1"
	}
	err = sch.Validate(doc)
	if err == nil {
		return nil, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, err
	}
	var out []metaProblem
	seen := map[string]bool{}
	for _, leaf := range bestLeaves(ve) {
		kw := lastToken(leaf.KeywordLocation)
		def := definition(leaf.AbsoluteKeywordLocation)
		inst := unfragment(leaf.InstanceLocation)
		ptrs := []string{inst}
		if kw == "additionalProperties" || kw == "unevaluatedProperties" {
			ptrs = ptrs[:0]
			for _, m := range quoted.FindAllStringSubmatch(leaf.Message, -1) {
				ptrs = append(ptrs, join(inst, m[1]))
			}
			if len(ptrs) == 0 {
				ptrs = []string{inst}
			}
		}
		for _, p := range ptrs {
			text := fmt.Sprintf("%s %s (OpenAPI %s document schema, %s)", showPointer(p), leaf.Message, version, def)
			if kw == "additionalProperties" || kw == "unevaluatedProperties" {
				text = fmt.Sprintf("%q is not a field the OpenAPI %s document schema allows in a %s object", lastToken(p), version, def)
			}
			if seen[p+"\x00"+text] {
				continue
			}
			seen[p+"\x00"+text] = true
			out = append(out, metaProblem{pointer: p, message: text})
		}
	}
	return out, nil
}

// bestLeaves flattens a validation error tree into its leaves, keeping at each failed oneOf or
// anyOf only the branch that got furthest into the instance: a schema object that breaks the
// Schema definition also fails the Reference branch ("missing $ref"), which says nothing useful.
func bestLeaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	kw := lastToken(ve.KeywordLocation)
	if kw == "oneOf" || kw == "anyOf" {
		var best []*jsonschema.ValidationError
		bestScore := [3]int{-1, -1, -1}
		for _, c := range ve.Causes {
			leaves := bestLeaves(c)
			score := branchScore(leaves)
			if score[0] > bestScore[0] || score[0] == bestScore[0] && (score[1] > bestScore[1] || score[1] == bestScore[1] && score[2] > bestScore[2]) {
				best, bestScore = leaves, score
			}
		}
		return best
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, bestLeaves(c)...)
	}
	return out
}

// branchScore ranks a failed branch: deepest failure first, then failures that are not a
// missing property (the mark of a branch meant for another kind of object), then fewest failures.
func branchScore(leaves []*jsonschema.ValidationError) [3]int {
	deepest, notRequired := 0, 0
	for _, l := range leaves {
		if d := strings.Count(l.InstanceLocation, "/"); d > deepest {
			deepest = d
		}
		if lastToken(l.KeywordLocation) != "required" {
			notRequired = 1
		}
	}
	return [3]int{deepest, notRequired, -len(leaves)}
}

// definition names the part of the document schema a keyword location belongs to, such as
// "Schema.required" or "MediaType".
func definition(abs string) string {
	_, frag, _ := strings.Cut(abs, "#")
	toks := strings.Split(strings.TrimPrefix(unfragment(frag), "/"), "/")
	name := ""
	for i := 0; i < len(toks); i++ {
		if (toks[i] == "definitions" || toks[i] == "$defs") && i+1 < len(toks) {
			name = unescape(toks[i+1])
			i++
			if i+2 < len(toks) && toks[i+1] == "properties" {
				name += "." + unescape(toks[i+2])
			}
		}
	}
	if name == "" {
		return "document root"
	}
	return name
}

func lastToken(loc string) string {
	i := strings.LastIndexByte(loc, '/')
	if i < 0 {
		return loc
	}
	return unescape(loc[i+1:])
}

// showPointer names the value at a pointer in a message: its last token, or "the document".
func showPointer(p string) string {
	if p == "" {
		return "the document:"
	}
	return fmt.Sprintf("%q:", lastToken(p))
}

// direction selects how readOnly and writeOnly exempt properties from required: OpenAPI lets a
// request omit a required readOnly property and a response omit a required writeOnly one.
type direction int

const (
	dirNone direction = iota
	dirRequest
	dirResponse
)

// schemaSet compiles the schemas of the files of one specs.Sources, converted per direction.
// It is not safe for concurrent use.
type schemaSet struct {
	src      *specs.Sources
	compiler *jsonschema.Compiler
	compiled map[string]*jsonschema.Schema
}

const resourcePrefix = "file:///specgate-lint/"

func newSchemaSet(src *specs.Sources) *schemaSet {
	s := &schemaSet{src: src, compiled: map[string]*jsonschema.Schema{}}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	for name, f := range openAPIFormats {
		c.Formats[name] = f
	}
	c.LoadURL = s.load
	s.compiler = c
	return s
}

func resourceURL(dir direction, file string) string {
	return fmt.Sprintf("%sd%d/%s", resourcePrefix, dir, file)
}

// load hands the compiler the converted copy of a spec file.
func (s *schemaSet) load(u string) (io.ReadCloser, error) {
	rest, ok := strings.CutPrefix(u, resourcePrefix+"d")
	if !ok || len(rest) < 2 || rest[1] != '/' {
		return nil, fmt.Errorf("%s is not a spec file", u)
	}
	dir := direction(rest[0] - '0')
	file := rest[2:]
	f, err := s.src.File(file)
	if err != nil {
		return nil, err
	}
	v, err := toJSON(f.Value)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	// A file without an openapi field (a fragment a document refers to) is read as 3.0.
	is31 := false
	if root, ok := v.(map[string]any); ok {
		ver, _ := root["openapi"].(string)
		is31 = strings.HasPrefix(ver, "3.1")
	}
	c := &converter{src: s.src, dir: dir, is31: is31}
	c.walk(file, v)
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// compile compiles the schema at ptr of file for one direction, once.
func (s *schemaSet) compile(file, ptr string, dir direction) (*jsonschema.Schema, error) {
	u := resourceURL(dir, file) + fragment(ptr)
	if sch, ok := s.compiled[u]; ok {
		return sch, nil
	}
	sch, err := s.compiler.Compile(u)
	if err != nil {
		return nil, errors.New(s.cleanURLs(err.Error()))
	}
	s.compiled[u] = sch
	return sch, nil
}

// cleanURLs shows resource URLs in a message as spec file names.
func (s *schemaSet) cleanURLs(msg string) string {
	re := regexp.MustCompile(regexp.QuoteMeta(resourcePrefix) + `d\d/([^#\s'"]*)`)
	return re.ReplaceAllStringFunc(msg, func(m string) string {
		return s.src.DisplayName(re.FindStringSubmatch(m)[1])
	})
}

// problem is one way an instance breaks a schema.
type problem struct {
	instance string
	keyword  string
	// schema is the keyword's place in the spec: file (path in Sources) and pointer.
	file, ptr string
	message   string
}

// validate checks v against sch and returns every leaf failure; nil when v is valid.
func (s *schemaSet) validate(sch *jsonschema.Schema, v any) []problem {
	err := sch.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []problem{{message: "the schema could not be evaluated: " + s.cleanURLs(err.Error())}}
	}
	var out []problem
	for _, leaf := range bestLeaves(ve) {
		p := problem{instance: unfragment(leaf.InstanceLocation), keyword: lastToken(leaf.KeywordLocation), message: leaf.Message}
		u, frag, _ := strings.Cut(leaf.AbsoluteKeywordLocation, "#")
		if rest, ok := strings.CutPrefix(u, resourcePrefix+"d"); ok && len(rest) > 2 {
			p.file, p.ptr = rest[2:], unfragment(frag)
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].instance < out[j].instance })
	return out
}

// accepts reports whether v is valid against sch.
func accepts(sch *jsonschema.Schema, v any) bool {
	return sch.Validate(v) == nil
}

// converter rewrites the OpenAPI 3.0 keywords that JSON Schema 2020-12 reads differently, in
// place, keeping every schema at its pointer so that keyword locations are spec locations.
type converter struct {
	src  *specs.Sources
	dir  direction
	is31 bool
}

// walk converts every schema-looking object under v. Examples, defaults, enums and extensions
// hold data, not schemas, and are left alone.
func (c *converter) walk(file string, v any) {
	switch t := v.(type) {
	case map[string]any:
		if !c.is31 {
			if _, ok := t["$ref"].(string); ok {
				// OpenAPI 3.0: the siblings of $ref are ignored.
				for k := range t {
					if k != "$ref" {
						delete(t, k)
					}
				}
				return
			}
			convert30(t)
		}
		if c.dir != dirNone {
			c.dropExempt(file, t)
		}
		for k, e := range t {
			if strings.HasPrefix(k, "x-") || k == "example" || k == "examples" || k == "default" || k == "enum" || k == "const" {
				continue
			}
			c.walk(file, e)
		}
	case []any:
		for _, e := range t {
			c.walk(file, e)
		}
	}
}

// convert30 rewrites nullable and the boolean exclusiveMinimum and exclusiveMaximum of OpenAPI 3.0.
func convert30(m map[string]any) {
	if m["nullable"] == true {
		if t, ok := m["type"].(string); ok {
			m["type"] = []any{t, "null"}
		}
		if enum, ok := m["enum"].([]any); ok {
			m["enum"] = append(enum, nil)
		}
	}
	if _, ok := m["nullable"].(bool); ok {
		delete(m, "nullable")
	}
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

// dropExempt removes from required the properties the direction exempts.
func (c *converter) dropExempt(file string, m map[string]any) {
	req, ok := m["required"].([]any)
	props, ok2 := m["properties"].(map[string]any)
	if !ok || !ok2 {
		return
	}
	exempt := "writeOnly"
	if c.dir == dirRequest {
		exempt = "readOnly"
	}
	kept := make([]any, 0, len(req))
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
		target, ptr, ok := splitRef(file, ref)
		if !ok {
			return false
		}
		f, err := c.src.File(target)
		if err != nil {
			return false
		}
		if v, ok = lookup(f.Value, ptr); !ok {
			return false
		}
		file = target
	}
	return false
}

// openAPIFormats asserts the formats OpenAPI adds to JSON Schema's; jsonschema/v5 asserts uuid,
// email, date-time, uri and the other JSON Schema formats itself.
var openAPIFormats = map[string]func(any) bool{
	"int32":    intRange(math.MinInt32, math.MaxInt32),
	"int64":    intRange(math.MinInt64, math.MaxInt64),
	"float":    func(any) bool { return true },
	"double":   func(any) bool { return true },
	"byte":     func(any) bool { return true },
	"binary":   func(any) bool { return true },
	"password": func(any) bool { return true },
}

func intRange(lo, hi int64) func(any) bool {
	return func(v any) bool {
		n, ok := v.(json.Number)
		if !ok {
			return true
		}
		r, ok := new(big.Rat).SetString(string(n))
		if !ok || !r.IsInt() {
			return true
		}
		return r.Num().Cmp(big.NewInt(lo)) >= 0 && r.Num().Cmp(big.NewInt(hi)) <= 0
	}
}

// schema is a compiled schema; other files name it without importing jsonschema/v5.
type schema = jsonschema.Schema
