package validator

// This file, fastpath.go and diagnose.go are the only ones that use santhosh-tekuri/jsonschema/v5,
// so that its version can change in one place: this one compiles the converted schemas and locates
// keywords in the spec files.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"net/url"
	"sort"
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
	dirs      []direction // the directions documents are converted for
	formats   map[string]func(any) bool
	compilers map[convKey]*jsonschema.Compiler
	resources map[convKey][]resourceData // what each compiler is given
	// uncompilable lists the schemas New could not compile, as findings.
	uncompilable []specs.Finding
	// ids locates the schema resources with an absolute $id, by $id, for locate.
	ids      map[string]idPlace
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
	formats := map[string]func(any) bool{}
	for name, f := range jsonschema.Formats {
		formats[name] = f
	}
	for name, f := range openAPIFormats {
		formats[name] = f
	}
	formats["regex"] = isECMARegex
	return &schemaSet{
		dirs:       append([]direction{toRequest, toResponse}, extra...),
		fast:       map[*jsonschema.Schema]*fastSchema{},
		fastc:      &fastCompiler{formats: formats, memo: map[*jsonschema.Schema]*fastSchema{}},
		formats:    formats,
		compilers:  map[convKey]*jsonschema.Compiler{},
		resources:  map[convKey][]resourceData{},
		ids:        map[string]idPlace{},
		convs:      map[convKey]*converter{},
		compiled:   map[string]*jsonschema.Schema{},
		byLocation: map[string]*jsonschema.Schema{},
		names:      map[*jsonschema.Schema]string{},
		enums:      map[*jsonschema.Schema]string{},
	}
}

// newCompiler returns the compiler of one converted copy of a Sources. Each copy (one per
// direction) has its own, because a schema's $id names it in every copy and must name the copy
// of its own direction.
func (s *schemaSet) newCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	c.LoadURL = func(s string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("%s is not part of the loaded specs", s)
	}
	c.Formats = s.formats
	c.RegisterExtension("specgate-access", accessMeta, accessCompiler{})
	c.RegisterExtension("specgate-pattern", patternMeta, patternCompiler{})
	c.RegisterExtension("specgate-enum", nil, emptyEnumCompiler{})
	return c
}

// idPlace is where in the spec files the schema resource with an absolute $id is.
type idPlace struct {
	src  *specs.Sources
	file string
	ptr  string
}

// addDocument converts a document (and the files it refers to) for every direction.
func (s *schemaSet) addDocument(doc *specs.Document) error {
	return s.addRoot(doc.Sources, doc.Path, schemasAre2020(doc.Spec.OpenAPI))
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

// addResources hands every converted file to the compilers. It is called once, after every
// document was added. A schema resource with an absolute $id inside a file is also handed over
// under its $id, so that a schema elsewhere can refer to it by that URI, as JSON Schema says:
// jsonschema/v5 knows the resources inside a file only once it compiled them.
func (s *schemaSet) addResources() error {
	for k, conv := range s.convs {
		var res []resourceData
		for p := range conv.out {
			data, err := json.Marshal(conv.resource(p))
			if err != nil {
				return fmt.Errorf("%s: %w", conv.src.DisplayName(p), err)
			}
			res = append(res, resourceData{resourceURL(k, p), conv.src.DisplayName(p), data})
		}
		for _, id := range conv.ids {
			s.ids[id.id] = idPlace{conv.src, id.file, id.ptr}
			if id.ptr == "" {
				continue // the file itself: jsonschema/v5 knows it by its $id too
			}
			v, _ := jsonptr.Lookup(conv.out[id.file], id.ptr)
			data, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("%s#%s: %w", conv.src.DisplayName(id.file), id.ptr, err)
			}
			res = append(res, resourceData{id.id, fmt.Sprintf("%s#%s: $id %q", conv.src.DisplayName(id.file), id.ptr, id.id), data})
		}
		s.resources[k] = res
		if err := s.loadCompiler(k); err != nil {
			return err
		}
	}
	return nil
}

// resourceData is one resource handed to a compiler.
type resourceData struct {
	url, name string
	data      []byte
}

// loadCompiler gives the converted copy k a fresh compiler holding its resources. A compile that
// fails leaves jsonschema/v5's compiler half-done (a later compile may panic on it or reuse a
// schema it never finished), so the compiler is replaced after each failure; the schemas
// compiled before stay valid.
func (s *schemaSet) loadCompiler(k convKey) error {
	c := s.newCompiler()
	for _, r := range s.resources[k] {
		if err := c.AddResource(r.url, bytes.NewReader(r.data)); err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
	}
	s.compilers[k] = c
	return nil
}

// compileError is a schema that could not be compiled.
type compileError struct {
	at  specs.Finding // where, and why, as a finding
	err error
}

func (e *compileError) Error() string { return e.err.Error() }

// resourceURL is the URL the compiler knows the converted file p by. The path is escaped as
// net/url escapes it, since the compiler resolves references with net/url: a file named
// orders_{orderId}.yaml must be found under the name a reference to it resolves to.
func resourceURL(k convKey, p string) string {
	return fmt.Sprintf("file:///s%d/%s", k.src, k.dir) + (&url.URL{Path: "/" + p}).EscapedPath()
}

// compile compiles the schema at ptr of file, for one direction, once.
func (s *schemaSet) compile(src *specs.Sources, dir direction, file, ptr string) (*jsonschema.Schema, error) {
	idx := -1
	for i, x := range s.sources {
		if x == src {
			idx = i
		}
	}
	k := convKey{idx, dir}
	at := ptr
	if conv := s.convs[k]; conv != nil {
		at = conv.compiledPtr(file, ptr)
	}
	u := resourceURL(k, file) + jsonptr.Fragment(at)
	if sch, ok := s.compiled[u]; ok {
		return sch, nil
	}
	sch, err := s.compileGuarded(s.compilers[k], u)
	if err != nil {
		reason := s.cleanURLs(err.Error())
		if err := s.loadCompiler(k); err != nil {
			return nil, err
		}
		at := specs.Finding{Rule: RuleSpecSchemaUncompilable, Level: loadLevel(RuleSpecSchemaUncompilable), File: src.DisplayName(file), Pointer: ptr,
			Message: "the schema cannot be compiled (" + reason + "); what it describes is not checked"}
		if f, ferr := src.File(file); ferr == nil {
			at.File, at.Line = f.Name, f.Line(ptr)
		}
		return nil, &compileError{at: at, err: fmt.Errorf("%s#%s: cannot compile schema: %s", src.DisplayName(file), ptr, reason)}
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

// compileGuarded compiles the schema at u, turning a panic of jsonschema/v5 into an error: it
// panics on some schemas it does not expect (a pattern its regexp cannot compile, a keyword of
// the wrong type), and one schema must not take the whole program down.
func (s *schemaSet) compileGuarded(c *jsonschema.Compiler, u string) (sch *jsonschema.Schema, err error) {
	defer func() {
		if r := recover(); r != nil {
			sch, err = nil, fmt.Errorf("jsonschema/v5 failed on it: %v", r)
		}
	}()
	if c == nil {
		return nil, errors.New("the schema is in no loaded spec")
	}
	return c.Compile(u)
}

// findings lists what the conversion found it cannot check, once each, in file and line order.
func (s *schemaSet) findings() []specs.Finding {
	seen := map[string]bool{}
	var out []specs.Finding
	all := [][]specs.Finding{s.uncompilable}
	for _, conv := range s.convs {
		all = append(all, conv.findings)
	}
	for _, fs := range all {
		for _, f := range fs {
			k := f.File + "#" + f.Pointer + " " + f.Rule
			if !seen[k] {
				seen[k] = true
				out = append(out, f)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Pointer < out[j].Pointer
	})
	return out
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
		for p := range conv.out {
			msg = strings.ReplaceAll(msg, resourceURL(k, p), conv.src.DisplayName(p))
		}
		msg = strings.ReplaceAll(msg, rootKeyPrefix, "")
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
	src, file, ptr, ok := s.place(abs)
	if !ok {
		return abs, 0
	}
	f, err := src.File(file)
	if err != nil {
		return src.DisplayName(file) + "#" + ptr, 0
	}
	return f.Name + "#" + ptr, f.Line(ptr)
}

// place turns an absolute location of the compiler into the spec file and the pointer in it.
func (s *schemaSet) place(abs string) (src *specs.Sources, file, ptr string, ok bool) {
	u, frag, _ := strings.Cut(abs, "#")
	ptr = specPointer(jsonptr.Unfragment(frag))
	if at, ok := s.ids[u]; ok {
		return at.src, at.file, at.ptr + ptr, true
	}
	for k, conv := range s.convs {
		p, ok := strings.CutPrefix(u, resourceURL(k, ""))
		if !ok {
			continue
		}
		if unescaped, err := url.PathUnescape(p); err == nil {
			p = unescaped
		}
		if rest, ok := strings.CutPrefix(ptr, "/"+rootKeyPrefix); ok {
			ptr = "/" + rest
		}
		return conv.src, p, ptr, true
	}
	return nil, "", "", false
}

// written reports whether the keyword at the absolute location loc is in the spec file.
func (s *schemaSet) written(loc string) bool {
	src, file, ptr, ok := s.place(loc)
	if !ok {
		return false
	}
	f, err := src.File(file)
	if err != nil {
		return false
	}
	_, ok = jsonptr.Lookup(f.Value, ptr)
	return ok
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

// patternMeta validates the conversion's pattern keyword.
var patternMeta = jsonschema.MustCompileString("specgate-pattern.json", `{
	"properties": {"`+kwPattern+`": {"type": "string"}}
}`)

// patternCompiler compiles the patterns RE2 refuses (moved to kwPattern by the conversion) with
// the ECMA-262 engine. Failures are reported at the user's pattern keyword.
type patternCompiler struct{}

func (patternCompiler) Compile(_ jsonschema.CompilerContext, m map[string]any) (jsonschema.ExtSchema, error) {
	p, ok := m[kwPattern].(string)
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

// schema is a compiled schema; other files name it without importing jsonschema/v5.
type schema = jsonschema.Schema
