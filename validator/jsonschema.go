package validator

// This file and fastpath.go are the only ones that use santhosh-tekuri/jsonschema/v5, so that its
// version can change in one place: this one compiles the converted schemas and turns
// *jsonschema.ValidationError trees into failures with spec locations.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/specgate/specgate/internal/jsonptr"
	"io"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"

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
	// fast holds the fast-path form of each compiled root schema, nil when unsupported.
	fast  map[*jsonschema.Schema]*fastSchema
	fastc *fastCompiler
	// located caches locate's answers by absolute keyword location; it is the only state that
	// changes after New, hence a sync.Map.
	located sync.Map
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
	return sch, nil
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

// failure is one way an instance breaks a schema, located in the instance and in the spec.
type failure struct {
	instance string
	keyword  string
	schema   string // display file#pointer
	line     int
	message  string
	branches []Branch
}

// validate checks inst against sch. It returns nil when inst is valid.
func (s *schemaSet) validate(sch *jsonschema.Schema, inst any, label string) []failure {
	f := s.fast[sch]
	if f == nil {
		var out []failure
		s.diagnoseWith(sch, inst, "", label, &out)
		return out
	}
	if f.valid(inst, 0) {
		return nil
	}
	var out []failure
	s.diagnose(f, inst, "", label, 0, &out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].instance < out[j].instance })
	return out
}

// diagnose explains why v fails f. While f's own keywords hold and only its $ref or children
// fail, it descends to where v fails and runs jsonschema/v5 there only: a large body costs what
// its failing parts cost, and the failures are those jsonschema/v5 finds on the whole body,
// since a structural schema's failures are its children's.
func (s *schemaSet) diagnose(f *fastSchema, v any, base, label string, depth int, out *[]failure) {
	if depth < 128 && f.structural() && f.ownValid(v) {
		before := len(*out)
		if f.ref != nil && !f.ref.valid(v, 0) {
			s.diagnose(f.ref, v, base, label, depth+1, out)
		}
		switch t := v.(type) {
		case map[string]any:
			for k, pv := range t {
				if c := f.child(k); c != nil && !c.valid(pv, 0) {
					s.diagnose(c, pv, base+"/"+jsonptr.Escape(k), label, depth+1, out)
				}
			}
		case []any:
			for i, e := range t {
				if c := f.item(i); c != nil && !c.valid(e, 0) {
					s.diagnose(c, e, base+"/"+strconv.Itoa(i), label, depth+1, out)
				}
			}
		}
		if len(*out) > before {
			return
		}
	}
	s.diagnoseWith(f.src, v, base, label, out)
}

// diagnoseWith runs jsonschema/v5 on v, found at base of the body.
func (s *schemaSet) diagnoseWith(sch *jsonschema.Schema, v any, base, label string, out *[]failure) {
	err := sch.Validate(v)
	if err == nil {
		return
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		*out = append(*out, failure{instance: base, message: "the schema could not be evaluated: " + err.Error()})
		return
	}
	s.collect(ve, v, base, label, out)
}

// collect flattens a ValidationError tree into failures: one per leaf, and one per failed oneOf
// or anyOf, explained branch by branch. base prefixes instance locations.
func (s *schemaSet) collect(ve *jsonschema.ValidationError, root any, base, label string, out *[]failure) {
	kw := lastToken(ve.AbsoluteKeywordLocation)
	if kw == "oneOf" || kw == "anyOf" {
		*out = append(*out, s.explain(ve, kw, root, base, label))
		return
	}
	if len(ve.Causes) == 0 {
		*out = append(*out, s.leaf(ve, root, base, label))
		return
	}
	for _, c := range ve.Causes {
		s.collect(c, root, base, label, out)
	}
}

func (s *schemaSet) leaf(ve *jsonschema.ValidationError, root any, base, label string) failure {
	inst := base + ve.InstanceLocation
	kw := lastToken(ve.AbsoluteKeywordLocation)
	schemaLoc, line := s.locate(ve.AbsoluteKeywordLocation)
	v, _ := jsonptr.Lookup(root, ve.InstanceLocation)
	parent := s.byLocation[strings.TrimSuffix(ve.AbsoluteKeywordLocation, "/"+kw)]
	return failure{
		instance: inst,
		keyword:  kw,
		schema:   schemaLoc,
		line:     line,
		message:  describe(where(inst, label), kw, v, parent, ve.Message),
	}
}

// explain turns a failed oneOf or anyOf into one failure that names the deepest relevant
// instance and tells, for each branch, whether it matched and why not.
func (s *schemaSet) explain(ve *jsonschema.ValidationError, kw string, root any, base, label string) failure {
	schLoc := strings.TrimSuffix(ve.AbsoluteKeywordLocation, "/"+kw)
	parent := s.byLocation[schLoc]
	inst := base + ve.InstanceLocation
	sub, _ := jsonptr.Lookup(root, ve.InstanceLocation)
	schemaLoc, line := s.locate(ve.AbsoluteKeywordLocation)
	f := failure{instance: inst, keyword: kw, schema: schemaLoc, line: line}

	var branches []*jsonschema.Schema
	if parent != nil {
		branches = parent.OneOf
		if kw == "anyOf" {
			branches = parent.AnyOf
		}
	}
	// When no branch matched, jsonschema/v5 already gives each branch's failure as a cause of the
	// oneOf error; only when several matched (no causes) are the branches checked again.
	causes := map[int]*jsonschema.ValidationError{}
	for _, c := range ve.Causes {
		rest, ok := strings.CutPrefix(c.KeywordLocation, ve.KeywordLocation+"/")
		if !ok {
			continue
		}
		tok, _, _ := strings.Cut(rest, "/")
		if i, err := strconv.Atoi(tok); err == nil {
			causes[i] = c
		}
	}
	var matched []string
	best, bestDepth := -1, -1
	var bestFailure failure
	for i, b := range branches {
		br := Branch{Index: i, Name: s.branchName(b)}
		var bve *jsonschema.ValidationError
		froot, fbase := root, base // where bve's instance locations start
		if c, ok := causes[i]; ok {
			bve = c
		} else if len(causes) == 0 {
			if err := b.Validate(sub); err != nil {
				errors.As(err, &bve)
				froot, fbase = sub, inst
			}
		}
		if bve == nil {
			br.Matched = true
			matched = append(matched, br.Name)
		} else {
			var fs []failure
			s.collect(bve, froot, fbase, label, &fs)
			for _, x := range fs {
				br.Errors = append(br.Errors, BranchError{Instance: x.instance, Keyword: x.keyword, Schema: x.schema, Line: x.line, Message: x.message})
				if d := jsonptr.Depth(x.instance); d > bestDepth {
					best, bestDepth, bestFailure = i, d, x
				}
			}
		}
		f.branches = append(f.branches, br)
	}
	what := where(inst, label)
	switch {
	case len(matched) > 1:
		f.message = fmt.Sprintf("%s matches %d branches of %s (%s); exactly one must match", what, len(matched), kw, strings.Join(matched, ", "))
	case best >= 0:
		f.instance = bestFailure.instance
		f.message = fmt.Sprintf("%s matches no branch of %s; closest is %s: %s", what, kw, f.branches[best].Name, bestFailure.message)
	default:
		f.message = fmt.Sprintf("%s matches no branch of %s", what, kw)
	}
	return f
}

// branchName names a branch by the component it refers to, else by its location.
func (s *schemaSet) branchName(b *jsonschema.Schema) string {
	target := b
	if b.Ref != nil {
		target = b.Ref
	}
	_, frag, _ := strings.Cut(target.Location, "#")
	ptr := jsonptr.Unfragment(frag)
	if name, ok := strings.CutPrefix(ptr, "/components/schemas/"); ok && !strings.Contains(name, "/") {
		return jsonptr.Unescape(name)
	}
	loc, _ := s.locate(target.Location)
	return loc
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
	ptr := jsonptr.Unfragment(frag)
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

func lastToken(loc string) string {
	i := strings.LastIndexByte(loc, '/')
	if i < 0 {
		return ""
	}
	return jsonptr.Unescape(loc[i+1:])
}

// describe writes the sentence for one failed keyword. It names the instance and the expectation
// and never repeats the value itself, which may be a secret.
func describe(where, kw string, v any, sch *jsonschema.Schema, fallback string) string {
	if sch == nil {
		return where + ": " + fallback
	}
	switch kw {
	case "type":
		return fmt.Sprintf("%s must be %s, got %s", where, strings.Join(sch.Types, " or "), jsonTypeOf(v))
	case "required":
		m, _ := v.(map[string]any)
		var missing []string
		for _, r := range sch.Required {
			if _, ok := m[r]; !ok {
				missing = append(missing, strconv.Quote(r))
			}
		}
		return fmt.Sprintf("%s is missing required property %s", where, strings.Join(missing, ", "))
	case "minLength", "maxLength":
		n := 0
		if str, ok := v.(string); ok {
			n = utf8.RuneCountInString(str)
		}
		if sch.MinLength == sch.MaxLength {
			return fmt.Sprintf("%s must be exactly %d characters, got %d", where, sch.MaxLength, n)
		}
		if kw == "minLength" {
			return fmt.Sprintf("%s must be at least %d characters, got %d", where, sch.MinLength, n)
		}
		return fmt.Sprintf("%s must be at most %d characters, got %d", where, sch.MaxLength, n)
	case "enum":
		vals := make([]string, len(sch.Enum))
		for i, e := range sch.Enum {
			b, _ := json.Marshal(e)
			vals[i] = string(b)
		}
		return fmt.Sprintf("%s must be one of %s", where, strings.Join(vals, ", "))
	case "const":
		b, _ := json.Marshal(sch.Constant[0])
		return fmt.Sprintf("%s must be %s", where, b)
	case "format":
		return fmt.Sprintf("%s must be a valid %s", where, sch.Format)
	case "pattern":
		return fmt.Sprintf("%s must match the pattern %s", where, sch.Pattern)
	case "not":
		if sch.Not != nil && len(sch.Not.Required) > 0 && len(sch.Not.Properties) == 0 {
			return fmt.Sprintf("%s must not have property %s", where, strings.Join(quoteAll(sch.Not.Required), " together with "))
		}
		return fmt.Sprintf("%s must not match the schema under not", where)
	case "additionalProperties":
		m, _ := v.(map[string]any)
		var extra []string
		for k := range m {
			if _, ok := sch.Properties[k]; !ok {
				extra = append(extra, strconv.Quote(k))
			}
		}
		sort.Strings(extra)
		return fmt.Sprintf("%s has properties the schema does not allow: %s", where, strings.Join(extra, ", "))
	case "minItems":
		return fmt.Sprintf("%s must have at least %d items", where, sch.MinItems)
	case "maxItems":
		return fmt.Sprintf("%s must have at most %d items", where, sch.MaxItems)
	case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "uniqueItems", "minProperties", "maxProperties":
		return where + ": " + fallback
	case "false":
		return where + " is not allowed here"
	case kwForbidReadOnly:
		return where + " is readOnly and must not be sent in a request"
	case kwForbidWriteOnly:
		return where + " is writeOnly and must not be returned in a response"
	}
	return where + ": " + fallback
}

// where names an instance: its pointer, or label when it is the whole value.
func where(inst, label string) string {
	if inst == "" {
		return label
	}
	return "`" + inst + "`"
}

func quoteAll(s []string) []string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = strconv.Quote(x)
	}
	return q
}

func jsonTypeOf(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		if _, err := t.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case float64:
		if t == math.Trunc(t) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
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
	return func(v any) bool {
		n, ok := v.(json.Number)
		if !ok {
			return true
		}
		r, ok := new(big.Rat).SetString(string(n))
		if !ok || !r.IsInt() {
			return true // integer-ness is the type keyword's business
		}
		return r.Num().Cmp(big.NewInt(lo)) >= 0 && r.Num().Cmp(big.NewInt(hi)) <= 0
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
