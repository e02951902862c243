package validator

// This file, fastpath.go and diagnose.go are the only ones that use santhosh-tekuri/jsonschema/v5,
// so that its version can change in one place: this one compiles the converted schemas and locates
// keywords in the spec files.

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
	"sync"
	"sync/atomic"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/specgate/specgate/internal/jsonptr"
	"github.com/specgate/specgate/specs"
)

// schemaSet compiles schemas found at locations of spec files. Compiling happens in New only;
// afterwards a schemaSet is read-only and its schemas are safe for concurrent use.
type schemaSet struct {
	dirs     []direction // the directions documents are converted for
	compiler *jsonschema.Compiler
	sources  []*specs.Sources
	convs    map[convKey]*converter
	compiled map[string]*jsonschema.Schema
	// byLocation indexes every compiled schema by its absolute location, so that a oneOf failure
	// can be explained branch by branch.
	byLocation map[string]*jsonschema.Schema
	// names and enums hold what failures say of a oneOf or anyOf branch and of an enum.
	names map[*jsonschema.Schema]string
	enums map[*jsonschema.Schema]string
	// fast holds the fast-path form of each compiled root schema, nil when unsupported.
	fast  map[*jsonschema.Schema]*fastSchema
	fastc *fastCompiler
	// located caches locate's answers by absolute keyword location; it is the only state that
	// changes after New, hence a sync.Map.
	located sync.Map
	// handedOver counts the diagnoses the fast path left to jsonschema/v5; tests read it.
	handedOver atomic.Int64
}

type location struct {
	schema string
	line   int
}

type convKey struct {
	src int
	dir direction
}

func newSchemaSet(extra ...direction) *schemaSet {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	c.LoadURL = func(s string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("%s is not part of the loaded specs", s)
	}
	for name, f := range openAPIFormats {
		c.Formats[name] = f
	}
	c.RegisterExtension("specgate-access", accessMeta, accessCompiler{})
	return &schemaSet{
		dirs:       append([]direction{toRequest, toResponse}, extra...),
		fast:       map[*jsonschema.Schema]*fastSchema{},
		fastc:      &fastCompiler{formats: c.Formats, memo: map[*jsonschema.Schema]*fastSchema{}},
		compiler:   c,
		convs:      map[convKey]*converter{},
		compiled:   map[string]*jsonschema.Schema{},
		byLocation: map[string]*jsonschema.Schema{},
		names:      map[*jsonschema.Schema]string{},
		enums:      map[*jsonschema.Schema]string{},
	}
}

// addDocument converts a document (and the files it refers to) for every direction.
func (s *schemaSet) addDocument(doc *specs.Document) error {
	return s.addRoot(doc.Sources, doc.Path, strings.HasPrefix(doc.Spec.OpenAPI, "3.1"))
}

// addRoot converts the document rooted at path of src for every direction.
func (s *schemaSet) addRoot(src *specs.Sources, path string, is31 bool) error {
	idx := -1
	for i, x := range s.sources {
		if x == src {
			idx = i
		}
	}
	if idx < 0 {
		idx = len(s.sources)
		s.sources = append(s.sources, src)
	}
	for _, dir := range s.dirs {
		k := convKey{idx, dir}
		conv, ok := s.convs[k]
		if !ok {
			conv = newConverter(src, dir)
			s.convs[k] = conv
		}
		if err := conv.add(path, is31); err != nil {
			return err
		}
	}
	return nil
}

// addResources hands every converted file to the compiler. It is called once, after every
// document was added.
func (s *schemaSet) addResources() error {
	for k, conv := range s.convs {
		for p, v := range conv.out {
			data, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("%s: %w", conv.src.DisplayName(p), err)
			}
			if err := s.compiler.AddResource(resourceURL(k, p), bytes.NewReader(data)); err != nil {
				return fmt.Errorf("%s: %w", conv.src.DisplayName(p), err)
			}
		}
	}
	return nil
}

func resourceURL(k convKey, p string) string {
	return fmt.Sprintf("file:///s%d/%s/%s", k.src, k.dir, p)
}

// compile compiles the schema at ptr of file, for one direction, once.
func (s *schemaSet) compile(src *specs.Sources, dir direction, file, ptr string) (*jsonschema.Schema, error) {
	idx := -1
	for i, x := range s.sources {
		if x == src {
			idx = i
		}
	}
	u := resourceURL(convKey{idx, dir}, file) + jsonptr.Fragment(ptr)
	if sch, ok := s.compiled[u]; ok {
		return sch, nil
	}
	sch, err := s.compiler.Compile(u)
	if err != nil {
		return nil, fmt.Errorf("%s#%s: cannot compile schema: %s", src.DisplayName(file), ptr, s.cleanURLs(err.Error()))
	}
	s.compiled[u] = sch
	s.index(sch)
	if f := s.fastc.build(sch); f.supported(map[*fastSchema]bool{}) {
		s.fast[sch] = f
	} else {
		s.fast[sch] = nil
	}
	for _, f := range s.fastc.fresh {
		f.at = map[string]location{}
		for _, kw := range f.keywords() {
			f.at[kw] = s.locateKeyword(f, kw)
		}
	}
	s.fastc.fresh = s.fastc.fresh[:0]
	return sch, nil
}

// locateKeyword locates the keyword kw of f in the spec.
func (s *schemaSet) locateKeyword(f *fastSchema, kw string) location {
	if at, ok := f.at[kw]; ok {
		return at
	}
	schema, line := s.locate(f.loc + "/" + kw)
	return location{schema, line}
}

// cleanURLs replaces internal resource URLs in a message with display names.
func (s *schemaSet) cleanURLs(msg string) string {
	for k, conv := range s.convs {
		prefix := resourceURL(k, "")
		for p := range conv.out {
			msg = strings.ReplaceAll(msg, prefix+p, conv.src.DisplayName(p))
		}
	}
	return msg
}

func (s *schemaSet) index(sch *jsonschema.Schema) {
	if sch == nil {
		return
	}
	if _, ok := s.byLocation[sch.Location]; ok {
		return
	}
	s.byLocation[sch.Location] = sch
	if len(sch.Enum) > 0 {
		s.enums[sch] = enumText(sch.Enum)
	}
	for _, b := range append(sch.OneOf[:len(sch.OneOf):len(sch.OneOf)], sch.AnyOf...) {
		s.names[b] = s.branchName(b)
	}
	for _, c := range []*jsonschema.Schema{sch.Ref, sch.Not, sch.If, sch.Then, sch.Else, sch.PropertyNames, sch.Contains, sch.Items2020, sch.UnevaluatedItems, sch.UnevaluatedProperties, sch.RecursiveRef, sch.DynamicRef} {
		s.index(c)
	}
	for _, list := range [][]*jsonschema.Schema{sch.AllOf, sch.AnyOf, sch.OneOf, sch.PrefixItems} {
		for _, c := range list {
			s.index(c)
		}
	}
	for _, c := range sch.Properties {
		s.index(c)
	}
	for _, c := range sch.PatternProperties {
		s.index(c)
	}
	for _, c := range sch.DependentSchemas {
		s.index(c)
	}
	for _, x := range []any{sch.AdditionalProperties, sch.Items, sch.AdditionalItems} {
		switch t := x.(type) {
		case *jsonschema.Schema:
			s.index(t)
		case []*jsonschema.Schema:
			for _, c := range t {
				s.index(c)
			}
		}
	}
}

// branches appends the oneOf and anyOf branches a valid instance matched.
func (s *schemaSet) branches(sch *jsonschema.Schema, inst any, part Part, out []BranchChoice) []BranchChoice {
	f := s.fast[sch]
	if f == nil {
		return out
	}
	f.observe(inst, 0, func(loc string, i int) {
		c := BranchChoice{Part: part, Index: i}
		c.Schema, c.Line = s.locate(loc)
		if parent := s.byLocation[loc[:strings.LastIndexByte(loc, '/')]]; parent != nil {
			list := parent.OneOf
			if strings.HasSuffix(loc, "/anyOf") {
				list = parent.AnyOf
			}
			if i < len(list) {
				c.Name = s.branchName(list[i])
			}
		}
		out = append(out, c)
	})
	return out
}

// locate turns an absolute keyword location into "file#pointer" as users know it, and its line.
func (s *schemaSet) locate(abs string) (string, int) {
	if l, ok := s.located.Load(abs); ok {
		return l.(location).schema, l.(location).line
	}
	schema, line := s.locateUncached(abs)
	s.located.Store(abs, location{schema, line})
	return schema, line
}

func (s *schemaSet) locateUncached(abs string) (string, int) {
	u, frag, _ := strings.Cut(abs, "#")
	ptr := specPointer(jsonptr.Unfragment(frag))
	for k, conv := range s.convs {
		p, ok := strings.CutPrefix(u, resourceURL(k, ""))
		if !ok {
			continue
		}
		f, err := conv.src.File(p)
		if err != nil {
			return conv.src.DisplayName(p) + "#" + ptr, 0
		}
		return f.Name + "#" + ptr, f.Line(ptr)
	}
	return abs, 0
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

// accessMeta validates the conversion's own keywords.
var accessMeta = jsonschema.MustCompileString("specgate-access.json", `{
	"properties": {
		"`+kwForbidReadOnly+`": {"type": "boolean"},
		"`+kwForbidWriteOnly+`": {"type": "boolean"}
	}
}`)

type accessCompiler struct{}

func (accessCompiler) Compile(_ jsonschema.CompilerContext, m map[string]any) (jsonschema.ExtSchema, error) {
	if m[kwForbidReadOnly] == true {
		return forbid(kwForbidReadOnly), nil
	}
	if m[kwForbidWriteOnly] == true {
		return forbid(kwForbidWriteOnly), nil
	}
	return nil, nil
}

// forbid fails whenever the property it sits on is present: it is reached only then.
type forbid string

func (f forbid) Validate(ctx jsonschema.ValidationContext, _ any) error {
	return ctx.Error(string(f), "%s", f)
}

// schema is a compiled schema; other files name it without importing jsonschema/v5.
type schema = jsonschema.Schema
