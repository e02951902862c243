package schema

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync/atomic"

	jsonschema "github.com/specgate/specgate/internal/third_party/jsonschema"

	"github.com/specgate/specgate/internal/jsonptr"
)

// Keywords a converter adds to the schemas it hands the engine. They never appear in a spec
// file: the engine checks them, and reports them as the spec's keyword beside them
// (SpecKeyword).
const (
	// KeywordForbidReadOnly fails whenever the property it sits on is present: a readOnly
	// property in a request.
	KeywordForbidReadOnly = "x-specgate-forbid-readOnly"
	// KeywordForbidWriteOnly is the same for a writeOnly property in a response.
	KeywordForbidWriteOnly = "x-specgate-forbid-writeOnly"
	// KeywordECMAPattern holds a pattern RE2 cannot compile, for the ECMA-262 engine
	// (PatternEngine says which). Keyword locations still name the user's pattern.
	KeywordECMAPattern = "x-specgate-pattern"
)

// SpecKeyword is the keyword of the user's spec that a keyword a converter added stands for:
// readOnly for KeywordForbidReadOnly, writeOnly for KeywordForbidWriteOnly. Other keywords are
// their own.
func SpecKeyword(kw string) string {
	switch kw {
	case KeywordForbidReadOnly:
		return "readOnly"
	case KeywordForbidWriteOnly:
		return "writeOnly"
	}
	return kw
}

// Locator places the engine's absolute locations (a resource URL and a fragment) in the files a
// user knows. Its methods are called while compiling and, for failures that jsonschema/v5
// explains, while validating: they must be safe for concurrent use.
type Locator interface {
	// Locate returns "file#pointer" and the line of the absolute location abs.
	Locate(abs string) (schema string, line int)
	// Written reports whether the keyword at abs is written in the file (rather than implied).
	Written(abs string) bool
}

// Location is where a keyword is in the spec files.
type Location struct {
	Schema string // display file#pointer
	Line   int
}

// Compiler compiles the schemas of a set of JSON Schema 2020-12 resources, once each. It is not
// safe for concurrent use; the Schemas it returns are immutable and are.
type Compiler struct {
	e         *engine
	resources []resource
	c         *jsonschema.Compiler
}

type resource struct {
	url, name string
	data      []byte
	doc       any // the resource decoded, when it was given so (AddResourceValue)
}

// engine is what the Schemas of one Compiler share.
type engine struct {
	loc Locator
	// memo holds the node of each schema jsonschema/v5 compiled; byLocation the same by
	// absolute location, for explaining the failures jsonschema/v5 reports.
	memo       map[*jsonschema.Schema]*node
	byLocation map[string]*node
	// handedOver counts the diagnoses the walk left to jsonschema/v5.
	handedOver atomic.Int64
}

// NewCompiler returns a Compiler whose locations loc places in the spec files.
func NewCompiler(loc Locator) *Compiler {
	c := &Compiler{e: &engine{loc: loc, memo: map[*jsonschema.Schema]*node{}, byLocation: map[string]*node{}}}
	c.c = newReferenceCompiler()
	return c
}

// formats are the formats the engine asserts: JSON Schema's, OpenAPI's, and regex as ECMA-262.
var formats = func() map[string]func(any) bool {
	m := map[string]func(any) bool{}
	for name, f := range jsonschema.Formats {
		m[name] = f
	}
	for name, f := range openAPIFormats {
		m[name] = f
	}
	m["regex"] = isECMARegex
	return m
}()

func newReferenceCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	c.LoadURL = func(s string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("%s is not part of the loaded specs", s)
	}
	c.Formats = formats
	c.RegisterExtension("specgate-access", accessMeta, accessCompiler{})
	c.RegisterExtension("specgate-pattern", patternMeta, patternCompiler{})
	c.RegisterExtension("specgate-enum", nil, emptyEnumCompiler{})
	return c
}

// AddResource gives the Compiler the JSON document data under url; name says which file it is
// in errors.
func (c *Compiler) AddResource(url, name string, data []byte) error {
	if err := c.c.AddResource(url, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	c.resources = append(c.resources, resource{url: url, name: name, data: data})
	return nil
}

// AddResourceValue gives the Compiler a JSON document already decoded, as AddResource would
// decode it (objects, arrays, strings, json.Number, bools, nil; see JSONValue); the Compiler
// keeps doc and never modifies it, nor may the caller.
func (c *Compiler) AddResourceValue(url, name string, doc any) error {
	if err := c.c.AddResourceValue(url, doc); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	c.resources = append(c.resources, resource{url: url, name: name, doc: doc})
	return nil
}

// add gives jsonschema/v5's compiler r again.
func (r resource) add(c *jsonschema.Compiler) error {
	if r.data == nil {
		return c.AddResourceValue(r.url, r.doc)
	}
	return c.AddResource(r.url, bytes.NewReader(r.data))
}

// Compile compiles the schema at url (a resource URL and a fragment). A compile that fails
// leaves jsonschema/v5's compiler half-done (a later compile may panic on it or reuse a schema it
// never finished), so the Compiler starts afresh after each failure; the Schemas compiled before
// stay valid.
func (c *Compiler) Compile(url string) (*Schema, error) {
	sch, err := c.compileGuarded(url)
	if err != nil {
		c.c = newReferenceCompiler()
		for _, r := range c.resources {
			if rerr := r.add(c.c); rerr != nil {
				return nil, fmt.Errorf("%s: %w", r.name, rerr)
			}
		}
		return nil, err
	}
	root := (&builder{e: c.e}).node(sch)
	return &Schema{e: c.e, root: root, walk: root.supported(map[*node]bool{})}, nil
}

// HandedOver counts the diagnoses of the Compiler's Schemas that the walk left to jsonschema/v5
// (a false schema, very deep nesting); tests read it.
func (c *Compiler) HandedOver() int64 { return c.e.handedOver.Load() }

// compileGuarded compiles the schema at u, turning a panic of jsonschema/v5 into an error: it
// panics on some schemas it does not expect (a pattern its regexp cannot compile, a keyword of
// the wrong type), and one schema must not take the whole program down.
func (c *Compiler) compileGuarded(u string) (sch *jsonschema.Schema, err error) {
	defer func() {
		if r := recover(); r != nil {
			sch, err = nil, fmt.Errorf("jsonschema/v5 failed on it: %v", r)
		}
	}()
	return c.c.Compile(u)
}

// builder turns compiled schemas into nodes, through the keyword table.
type builder struct {
	e   *engine
	cur *node // the node whose keywords are being compiled
}

// node returns the node of s, building it (and every schema it reaches) once.
func (b *builder) node(s *jsonschema.Schema) *node {
	if s == nil {
		return nil
	}
	if n, ok := b.e.memo[s]; ok {
		return n
	}
	n := &node{src: s, loc: s.Location, always: s.Always, known: true}
	b.e.memo[s] = n
	if _, ok := b.e.byLocation[s.Location]; !ok {
		b.e.byLocation[s.Location] = n
	}
	outer := b.cur
	b.cur = n
	for _, k := range keywords {
		c := k.compile(s, b)
		if c == nil {
			continue
		}
		if c.kw == "" {
			c.kw = k.name
		}
		if c.valid == nil {
			n.known = false // jsonschema/v5 evaluates the schema
		}
		if c.valid != nil && (c.why != nil || c.names != nil) {
			schema, line := b.e.loc.Locate(n.loc + "/" + c.kw)
			c.at = Location{schema, line}
		}
		n.checks = append(n.checks, *c)
	}
	b.cur = outer
	return n
}

// child builds the node of s, a subschema of the node being built.
func (b *builder) child(s *jsonschema.Schema) *node {
	n := b.node(s)
	if n != nil {
		b.cur.kids = append(b.cur.kids, n)
	}
	return n
}

// children builds the nodes of a list of subschemas.
func (b *builder) children(list []*jsonschema.Schema) []*node {
	out := make([]*node, len(list))
	for i, s := range list {
		out[i] = b.child(s)
	}
	return out
}

// branchName names a oneOf or anyOf branch by the component it refers to, else by its location.
func (e *engine) branchName(s *jsonschema.Schema) string {
	target := s
	if s.Ref != nil {
		target = s.Ref
	}
	_, frag, _ := strings.Cut(target.Location, "#")
	ptr := jsonptr.Unfragment(frag)
	if name, ok := strings.CutPrefix(ptr, "/components/schemas/"); ok && !strings.Contains(name, "/") {
		return jsonptr.Unescape(name)
	}
	loc, _ := e.loc.Locate(target.Location)
	return loc
}

// openAPIFormats asserts the formats OpenAPI adds to JSON Schema's. jsonschema/v5 already
// asserts uuid, email, date-time, uri and the others JSON Schema defines.
var openAPIFormats = map[string]func(any) bool{
	"int32":    intRange(math.MinInt32, math.MaxInt32),
	"int64":    intRange(math.MinInt64, math.MaxInt64),
	"float":    func(any) bool { return true },
	"double":   func(any) bool { return true },
	"byte":     isBase64,
	"binary":   func(any) bool { return true },
	"password": func(any) bool { return true },
}

func intRange(lo, hi int64) func(any) bool {
	blo, bhi := big.NewInt(lo), big.NewInt(hi)
	return func(v any) bool {
		n, ok := v.(json.Number)
		if !ok {
			return true
		}
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return i >= lo && i <= hi
		}
		r, ok := new(big.Rat).SetString(string(n))
		if !ok || !r.IsInt() {
			return true // integer-ness is the type keyword's business
		}
		return r.Num().Cmp(blo) >= 0 && r.Num().Cmp(bhi) <= 0
	}
}

func isBase64(v any) bool {
	s, ok := v.(string)
	if !ok {
		return true
	}
	_, err := base64.StdEncoding.DecodeString(s)
	return err == nil
}

// accessMeta validates the converter's readOnly and writeOnly keywords.
var accessMeta = jsonschema.MustCompileString("specgate-access.json", `{
	"properties": {
		"`+KeywordForbidReadOnly+`": {"type": "boolean"},
		"`+KeywordForbidWriteOnly+`": {"type": "boolean"}
	}
}`)

type accessCompiler struct{}

func (accessCompiler) Compile(_ jsonschema.CompilerContext, m map[string]any) (jsonschema.ExtSchema, error) {
	if m[KeywordForbidReadOnly] == true {
		return forbid(KeywordForbidReadOnly), nil
	}
	if m[KeywordForbidWriteOnly] == true {
		return forbid(KeywordForbidWriteOnly), nil
	}
	return nil, nil
}

// forbid fails whenever the property it sits on is present: it is reached only then.
type forbid string

func (f forbid) Validate(ctx jsonschema.ValidationContext, _ any) error {
	return ctx.Error(string(f), "%s", f)
}

// patternMeta validates the converter's pattern keyword.
var patternMeta = jsonschema.MustCompileString("specgate-pattern.json", `{
	"properties": {"`+KeywordECMAPattern+`": {"type": "string"}}
}`)

// patternCompiler compiles the patterns RE2 refuses (moved to KeywordECMAPattern) with the
// ECMA-262 engine. Failures are reported at the user's pattern keyword.
type patternCompiler struct{}

func (patternCompiler) Compile(_ jsonschema.CompilerContext, m map[string]any) (jsonschema.ExtSchema, error) {
	p, ok := m[KeywordECMAPattern].(string)
	if !ok {
		return nil, nil
	}
	return compileECMA(p)
}

// Validate fails a string that does not match, or that the engine could not decide in time.
func (p *ecmaPattern) Validate(ctx jsonschema.ValidationContext, v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	matched, err := p.match(s)
	if err != nil {
		return ctx.Error("pattern", "%s", patternTimeoutMsg)
	}
	if !matched {
		return ctx.Error("pattern", "does not match pattern %q", p.src)
	}
	return nil
}

// emptyEnumCompiler makes an empty enum accept nothing, as JSON Schema says; jsonschema/v5
// ignores an enum without values.
type emptyEnumCompiler struct{}

func (emptyEnumCompiler) Compile(_ jsonschema.CompilerContext, m map[string]any) (jsonschema.ExtSchema, error) {
	if e, ok := m["enum"].([]any); ok && len(e) == 0 {
		return emptyEnum{}, nil
	}
	return nil, nil
}

type emptyEnum struct{}

func (emptyEnum) Validate(ctx jsonschema.ValidationContext, _ any) error {
	return ctx.Error("enum", "the enum lists no value")
}
