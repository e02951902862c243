package validator

// The fast path answers one question, "is this instance valid?", for the compiled schemas whose
// keywords it knows, without allocating. Only when the answer is no does diagnose.go explain why,
// over the same fastSchemas; schemas with a keyword the fast path does not know go to
// jsonschema/v5. Its verdicts and diagnoses must equal jsonschema/v5's: fastpath_test.go compares
// them on tens of thousands of instances derived from the contracts' bodies, and on fuzzed input.

import (
	"encoding/json"
	"math/big"
	"strconv"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// fastSchema mirrors a *jsonschema.Schema for the keywords the fast path knows.
type fastSchema struct {
	src     *jsonschema.Schema
	loc     string // absolute location of the compiled schema
	known   bool   // false: some keyword is unknown to the fast path; ask jsonschema/v5
	always  *bool
	ref     *fastSchema
	types   uint8 // bit set of jsonTypes; 0 means any
	enum    []any
	hasEnum bool
	format  func(any) bool
	forbid  bool

	required []string
	props    map[string]*fastSchema
	addlBool *bool
	addl     *fastSchema
	minProps int
	maxProps int
	items    *fastSchema
	prefix   []*fastSchema
	minItems int
	maxItems int
	minLen   int
	maxLen   int
	pattern  interface{ MatchString(string) bool }
	ecma     *ecmaPattern // a pattern RE2 cannot compile
	min, max *big.Rat
	exMin    *big.Rat
	exMax    *big.Rat
	not      *fastSchema
	allOf    []*fastSchema
	anyOf    []*fastSchema
	oneOf    []*fastSchema
	// at locates each of the schema's own keywords in the spec, for diagnosis.
	at map[string]location
}

const (
	tNull uint8 = 1 << iota
	tBool
	tInteger
	tNumber
	tString
	tArray
	tObject
)

var typeBits = map[string]uint8{"null": tNull, "boolean": tBool, "integer": tInteger, "number": tNumber, "string": tString, "array": tArray, "object": tObject}

// fastCompiler builds fastSchemas once per compiled schema.
type fastCompiler struct {
	formats map[string]func(any) bool
	memo    map[*jsonschema.Schema]*fastSchema
	fresh   []*fastSchema // built since the last compile
}

func (fc *fastCompiler) build(s *jsonschema.Schema) *fastSchema {
	if s == nil {
		return nil
	}
	if f, ok := fc.memo[s]; ok {
		return f
	}
	f := &fastSchema{src: s, loc: s.Location, known: true, minProps: s.MinProperties, maxProps: s.MaxProperties, minItems: s.MinItems, maxItems: s.MaxItems, minLen: s.MinLength, maxLen: s.MaxLength}
	fc.memo[s] = f
	fc.fresh = append(fc.fresh, f)
	unknown := s.RecursiveRef != nil || s.DynamicRef != nil || s.If != nil || s.PropertyNames != nil ||
		len(s.PatternProperties) > 0 || len(s.Dependencies) > 0 || len(s.DependentRequired) > 0 || len(s.DependentSchemas) > 0 ||
		s.UnevaluatedProperties != nil || s.UnevaluatedItems != nil || s.UniqueItems || s.Items != nil || s.AdditionalItems != nil ||
		s.Contains != nil || s.MultipleOf != nil || s.ContentEncoding != "" || s.ContentMediaType != "" || s.ContentSchema != nil
	for name := range s.Extensions {
		if name != "specgate-access" && name != "specgate-pattern" && name != "specgate-enum" {
			unknown = true
		}
	}
	if unknown {
		f.known = false
		return f
	}
	f.always = s.Always
	f.ref = fc.build(s.Ref)
	for _, t := range s.Types {
		f.types |= typeBits[t]
	}
	if len(s.Constant) > 0 {
		f.enum, f.hasEnum = s.Constant[:1], true
	} else if len(s.Enum) > 0 {
		f.enum, f.hasEnum = s.Enum, true
	} else if s.Extensions["specgate-enum"] != nil {
		f.hasEnum = true // an empty enum: nothing is in it
	}
	if len(s.Constant) > 0 && len(s.Enum) > 0 {
		f.known = false // both keywords at once: rare, leave it to jsonschema/v5
	}
	if s.Format != "" {
		if fn, ok := fc.formats[s.Format]; ok {
			f.format = fn
		} else if fn, ok := jsonschema.Formats[s.Format]; ok {
			f.format = fn
		}
	}
	f.forbid = s.Extensions["specgate-access"] != nil
	f.required = s.Required
	if len(s.Properties) > 0 {
		f.props = make(map[string]*fastSchema, len(s.Properties))
		for k, p := range s.Properties {
			f.props[k] = fc.build(p)
		}
	}
	switch a := s.AdditionalProperties.(type) {
	case bool:
		f.addlBool = &a
	case *jsonschema.Schema:
		f.addl = fc.build(a)
	}
	f.items = fc.build(s.Items2020)
	for _, p := range s.PrefixItems {
		f.prefix = append(f.prefix, fc.build(p))
	}
	if s.Pattern != nil {
		f.pattern = s.Pattern
	}
	f.ecma, _ = s.Extensions["specgate-pattern"].(*ecmaPattern)
	f.min, f.max, f.exMin, f.exMax = s.Minimum, s.Maximum, s.ExclusiveMinimum, s.ExclusiveMaximum
	f.not = fc.build(s.Not)
	for _, x := range s.AllOf {
		f.allOf = append(f.allOf, fc.build(x))
	}
	for _, x := range s.AnyOf {
		f.anyOf = append(f.anyOf, fc.build(x))
	}
	for _, x := range s.OneOf {
		f.oneOf = append(f.oneOf, fc.build(x))
	}
	return f
}

// supported reports whether f and everything it reaches is known to the fast path.
func (f *fastSchema) supported(seen map[*fastSchema]bool) bool {
	if f == nil || seen[f] {
		return true
	}
	seen[f] = true
	if !f.known {
		return false
	}
	for _, c := range []*fastSchema{f.ref, f.addl, f.items, f.not} {
		if !c.supported(seen) {
			return false
		}
	}
	for _, list := range [][]*fastSchema{f.prefix, f.allOf, f.anyOf, f.oneOf} {
		for _, c := range list {
			if !c.supported(seen) {
				return false
			}
		}
	}
	for _, c := range f.props {
		if !c.supported(seen) {
			return false
		}
	}
	return true
}

// valid reports whether v is valid against f. depth guards against reference cycles that
// consume no input.
func (f *fastSchema) valid(v any, depth int) bool {
	if depth > 256 {
		return false // let jsonschema/v5 find the loop and say so
	}
	if f.always != nil {
		return *f.always
	}
	if f.forbid || !f.ownValid(v) {
		return false
	}
	if f.ref != nil && !f.ref.valid(v, depth+1) {
		return false
	}
	switch t := v.(type) {
	case map[string]any:
		for k, pv := range t {
			if c := f.child(k); c != nil && !c.valid(pv, depth+1) {
				return false
			}
		}
	case []any:
		for i, e := range t {
			if c := f.item(i); c != nil && !c.valid(e, depth+1) {
				return false
			}
		}
	}
	if f.not != nil && f.not.valid(v, depth+1) {
		return false
	}
	for _, s := range f.allOf {
		if !s.valid(v, depth+1) {
			return false
		}
	}
	if len(f.anyOf) > 0 {
		ok := false
		for _, s := range f.anyOf {
			if s.valid(v, depth+1) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(f.oneOf) > 0 {
		n := 0
		for _, s := range f.oneOf {
			if s.valid(v, depth+1) {
				n++
			}
		}
		if n != 1 {
			return false
		}
	}
	return true
}

// child is the schema of the object property k, nil when nothing constrains it.
func (f *fastSchema) child(k string) *fastSchema {
	if p, ok := f.props[k]; ok {
		return p
	}
	return f.addl
}

// item is the schema of array element i, nil when nothing constrains it.
func (f *fastSchema) item(i int) *fastSchema {
	if i < len(f.prefix) {
		return f.prefix[i]
	}
	return f.items
}

// ownValid checks the keywords that look at v itself, not at its properties or items and not
// through $ref or an applicator (allOf, anyOf, oneOf, not).
func (f *fastSchema) ownValid(v any) bool {
	if f.types != 0 && !f.typeOK(v) {
		return false
	}
	if f.hasEnum && !f.inEnum(v) {
		return false
	}
	if f.format != nil && !f.format(v) {
		return false
	}
	switch t := v.(type) {
	case map[string]any:
		if f.minProps >= 0 && len(t) < f.minProps || f.maxProps >= 0 && len(t) > f.maxProps {
			return false
		}
		for _, r := range f.required {
			if _, ok := t[r]; !ok {
				return false
			}
		}
		if f.addlBool != nil && !*f.addlBool {
			for k := range t {
				if _, ok := f.props[k]; !ok {
					return false
				}
			}
		}
	case []any:
		if f.minItems >= 0 && len(t) < f.minItems || f.maxItems >= 0 && len(t) > f.maxItems {
			return false
		}
	case string:
		if f.minLen >= 0 || f.maxLen >= 0 {
			n := utf8.RuneCountInString(t)
			if f.minLen >= 0 && n < f.minLen || f.maxLen >= 0 && n > f.maxLen {
				return false
			}
		}
		if f.pattern != nil && !f.pattern.MatchString(t) {
			return false
		}
		if f.ecma != nil {
			if ok, err := f.ecma.match(t); !ok || err != nil {
				return false
			}
		}
	case json.Number:
		if f.min != nil || f.max != nil || f.exMin != nil || f.exMax != nil {
			r, ok := new(big.Rat).SetString(string(t))
			if !ok {
				return false
			}
			if f.min != nil && r.Cmp(f.min) < 0 || f.max != nil && r.Cmp(f.max) > 0 ||
				f.exMin != nil && r.Cmp(f.exMin) <= 0 || f.exMax != nil && r.Cmp(f.exMax) >= 0 {
				return false
			}
		}
	}
	return true
}

// keywords lists the keywords of f that diagnosis may report as failed.
func (f *fastSchema) keywords() []string {
	s := f.src
	var kws []string
	for _, k := range []struct {
		kw      string
		present bool
	}{
		{"type", len(s.Types) > 0}, {"const", len(s.Constant) > 0}, {"enum", len(s.Enum) > 0 || s.Extensions["specgate-enum"] != nil}, {"format", s.Format != ""},
		{"minProperties", s.MinProperties >= 0}, {"maxProperties", s.MaxProperties >= 0}, {"required", len(s.Required) > 0},
		{"additionalProperties", s.AdditionalProperties == false},
		{"minItems", s.MinItems >= 0}, {"maxItems", s.MaxItems >= 0}, {"minLength", s.MinLength >= 0}, {"maxLength", s.MaxLength >= 0},
		{"pattern", s.Pattern != nil || s.Extensions["specgate-pattern"] != nil}, {"minimum", s.Minimum != nil}, {"exclusiveMinimum", s.ExclusiveMinimum != nil},
		{"maximum", s.Maximum != nil}, {"exclusiveMaximum", s.ExclusiveMaximum != nil},
		{"not", s.Not != nil}, {"anyOf", len(s.AnyOf) > 0}, {"oneOf", len(s.OneOf) > 0},
	} {
		if k.present {
			kws = append(kws, k.kw)
		}
	}
	if kw, ok := s.Extensions["specgate-access"].(forbid); ok {
		kws = append(kws, string(kw))
	}
	return kws
}

// inEnum reports whether v is one of f's enum (or const) values.
func (f *fastSchema) inEnum(v any) bool {
	for _, e := range f.enum {
		if equal(v, e) {
			return true
		}
	}
	return false
}

func (f *fastSchema) typeOK(v any) bool {
	switch t := v.(type) {
	case nil:
		return f.types&tNull != 0
	case bool:
		return f.types&tBool != 0
	case string:
		return f.types&tString != 0
	case []any:
		return f.types&tArray != 0
	case map[string]any:
		return f.types&tObject != 0
	case json.Number:
		if f.types&tNumber != 0 {
			return true
		}
		if f.types&tInteger == 0 {
			return false
		}
		if _, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return true
		}
		r, ok := new(big.Rat).SetString(string(t))
		return ok && r.IsInt()
	}
	return false
}

// equal is JSON equality as jsonschema/v5 defines it: numbers compare by value.
func equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		rx, ok1 := new(big.Rat).SetString(string(x))
		ry, ok2 := new(big.Rat).SetString(string(y))
		return ok1 && ok2 && rx.Cmp(ry) == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equal(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}

// observe walks a valid instance and reports, for every oneOf and anyOf it passes through, the
// branch the instance matched (the first, for anyOf). It is used only when observing coverage.
func (f *fastSchema) observe(v any, depth int, rec func(loc string, branch int)) {
	if f == nil || depth > 256 {
		return
	}
	f.ref.observe(v, depth+1, rec)
	switch t := v.(type) {
	case map[string]any:
		for k, pv := range t {
			if p, ok := f.props[k]; ok {
				p.observe(pv, depth+1, rec)
			} else {
				f.addl.observe(pv, depth+1, rec)
			}
		}
	case []any:
		for i, e := range t {
			if i < len(f.prefix) {
				f.prefix[i].observe(e, depth+1, rec)
			} else {
				f.items.observe(e, depth+1, rec)
			}
		}
	}
	for _, s := range f.allOf {
		s.observe(v, depth+1, rec)
	}
	for kw, list := range map[string][]*fastSchema{"oneOf": f.oneOf, "anyOf": f.anyOf} {
		for i, s := range list {
			if s.valid(v, depth+1) {
				rec(f.loc+"/"+kw, i)
				s.observe(v, depth+1, rec)
				break
			}
		}
	}
}
