package validator

// Diagnosis: why an instance fails a compiled schema, as failures located in the instance and in
// the spec. The fast path (fastpath.go) diagnoses the schemas whose keywords it knows, in
// jsonschema/v5's own order and with its own results; jsonschema/v5 diagnoses the others.
// fastpath_test.go checks that the two give the same failures on every compiled schema.

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/specgate/specgate/internal/jsonptr"
)

// failure is one way an instance breaks a schema, located in the instance and in the spec.
type failure struct {
	instance string
	keyword  string
	schema   string // display file#pointer
	line     int
	message  string
	branches []Branch
}

// validate checks inst against sch. It returns nil when inst is valid, else its failures ordered
// by instance location.
func (s *schemaSet) validate(sch *jsonschema.Schema, inst any, label string) []failure {
	var out []failure
	if f := s.fast[sch]; f == nil {
		s.diagnoseWith(sch, inst, "", label, &out)
	} else if f.valid(inst, 0) {
		return nil
	} else {
		d := &diagnosis{s: s, label: label, out: make([]failure, 0, 4)}
		d.path = d.buf[:0]
		d.walk(f, inst, 0)
		out = d.out
	}
	sortByInstance(out)
	return out
}

func sortByInstance(fs []failure) {
	if len(fs) > 1 {
		slices.SortStableFunc(fs, func(a, b failure) int { return strings.Compare(a.instance, b.instance) })
	}
}

// diagnosis explains why an instance fails a schema of the fast path. It evaluates each schema's
// keywords in jsonschema/v5's order and reports the failures jsonschema/v5 reports, visiting each
// part of the instance once and allocating only for the failures it returns: the JSON pointer of
// the part being visited is kept as a stack of tokens and joined only for a failure. A schema
// whose verdict is not the fast path's own (a false schema) and very deep nesting are left to
// jsonschema/v5, on that part of the instance only.
type diagnosis struct {
	s     *schemaSet
	label string   // names the whole instance in messages: "the request body"
	path  []string // escaped JSON pointer tokens of the part being visited
	out   []failure
	buf   [16]string // path's first tokens
}

// at is the JSON pointer of the part being visited.
func (d *diagnosis) at() string {
	switch len(d.path) {
	case 0:
		return ""
	case 1:
		return "/" + d.path[0]
	}
	return "/" + strings.Join(d.path, "/")
}

// fail records that v, the part being visited, breaks f's keyword kw.
func (d *diagnosis) fail(f *fastSchema, kw string, v any, fallback string) {
	at := d.s.locateKeyword(f, kw)
	inst := d.at()
	d.out = append(d.out, failure{instance: inst, keyword: kw, schema: at.schema, line: at.line,
		message: d.s.describe(where(inst, d.label), kw, v, f.src, fallback)})
}

// walk records every way v, the part being visited, fails f.
func (d *diagnosis) walk(f *fastSchema, v any, depth int) {
	if f == nil {
		return
	}
	if f.always != nil && *f.always {
		return
	}
	if depth >= 128 || !f.known || f.always != nil {
		d.s.handedOver.Add(1)
		d.s.diagnoseWith(f.src, v, d.at(), d.label, &d.out)
		return
	}
	if f.types != 0 && !f.typeOK(v) {
		d.fail(f, "type", v, "")
		return // jsonschema/v5 evaluates nothing else once the type is wrong
	}
	if f.hasEnum && !f.inEnum(v) {
		kw := "enum"
		if len(f.src.Constant) > 0 {
			kw = "const"
		}
		d.fail(f, kw, v, "")
	}
	if f.format != nil && !f.format(v) {
		d.fail(f, "format", v, "")
	}
	switch t := v.(type) {
	case map[string]any:
		if f.minProps >= 0 && len(t) < f.minProps {
			d.fail(f, "minProperties", v, "")
		}
		if f.maxProps >= 0 && len(t) > f.maxProps {
			d.fail(f, "maxProperties", v, "")
		}
		for _, r := range f.required {
			if _, ok := t[r]; !ok {
				d.fail(f, "required", v, "")
				break
			}
		}
		extra := false
		for k, pv := range t {
			p, ok := f.props[k]
			if !ok {
				extra = true
				p = f.addl
			}
			if p != nil {
				d.path = append(d.path, jsonptr.Escape(k))
				d.walk(p, pv, depth+1)
				d.path = d.path[:len(d.path)-1]
			}
		}
		if extra && f.addlBool != nil && !*f.addlBool {
			d.fail(f, "additionalProperties", v, "")
		}
	case []any:
		if f.minItems >= 0 && len(t) < f.minItems {
			d.fail(f, "minItems", v, "")
		}
		if f.maxItems >= 0 && len(t) > f.maxItems {
			d.fail(f, "maxItems", v, "")
		}
		for i, e := range t {
			if c := f.item(i); c != nil {
				d.path = append(d.path, strconv.Itoa(i))
				d.walk(c, e, depth+1)
				d.path = d.path[:len(d.path)-1]
			}
		}
	case string:
		if f.minLen >= 0 || f.maxLen >= 0 {
			n := utf8.RuneCountInString(t)
			if f.minLen >= 0 && n < f.minLen {
				d.fail(f, "minLength", v, "")
			}
			if f.maxLen >= 0 && n > f.maxLen {
				d.fail(f, "maxLength", v, "")
			}
		}
		if f.pattern != nil && !f.pattern.MatchString(t) {
			d.fail(f, "pattern", v, "")
		}
		if f.ecma != nil {
			if ok, err := f.ecma.match(t); err != nil {
				d.fail(f, "pattern", v, patternTimeoutMsg)
			} else if !ok {
				d.fail(f, "pattern", v, "")
			}
		}
	case json.Number:
		d.bounds(f, t)
	}
	d.walk(f.ref, v, depth+1)
	if f.not != nil && f.not.valid(v, 0) {
		d.fail(f, "not", v, "")
	}
	for _, x := range f.allOf {
		d.walk(x, v, depth+1)
	}
	d.choose(f, "anyOf", v, depth)
	d.choose(f, "oneOf", v, depth)
	if f.forbid {
		kw, _ := f.src.Extensions["specgate-access"].(forbid)
		d.fail(f, string(kw), v, "")
	}
}

// bounds records the numeric bounds n breaks; describe words them.
func (d *diagnosis) bounds(f *fastSchema, n json.Number) {
	if f.min == nil && f.max == nil && f.exMin == nil && f.exMax == nil {
		return
	}
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		return
	}
	for _, b := range []struct {
		kw    string
		bound *big.Rat
		fails func(cmp int) bool
	}{
		{"minimum", f.min, func(c int) bool { return c < 0 }},
		{"exclusiveMinimum", f.exMin, func(c int) bool { return c <= 0 }},
		{"maximum", f.max, func(c int) bool { return c > 0 }},
		{"exclusiveMaximum", f.exMax, func(c int) bool { return c >= 0 }},
	} {
		if b.bound == nil || !b.fails(r.Cmp(b.bound)) {
			continue
		}
		d.fail(f, b.kw, n, "")
	}
}

// choose checks v, the part being visited, against f's oneOf or anyOf (kw), and when v fails it
// records why, branch by branch: which branches matched, and every failure of the others.
func (d *diagnosis) choose(f *fastSchema, kw string, v any, depth int) {
	list, src := f.oneOf, f.src.OneOf
	if kw == "anyOf" {
		list, src = f.anyOf, f.src.AnyOf
	}
	if len(list) == 0 {
		return
	}
	var buf [8]bool
	matched, n := buf[:0], 0
	for _, b := range list {
		ok := b.valid(v, 0)
		if ok {
			if kw == "anyOf" {
				return
			}
			n++
		}
		matched = append(matched, ok)
	}
	if n == 1 {
		return
	}
	outer := d.out
	outcomes := make([]branchOutcome, len(list))
	for i, b := range list {
		if outcomes[i].matched = matched[i]; !matched[i] {
			d.out = nil
			d.walk(b, v, depth+1)
			outcomes[i].failures = d.out
		}
	}
	d.out = outer
	d.out = append(d.out, d.s.explanation(d.s.locateKeyword(f, kw), kw, d.at(), d.label, src, outcomes))
}

// branchOutcome is what one branch of a oneOf or anyOf made of an instance.
type branchOutcome struct {
	matched  bool
	failures []failure
}

// explanation turns the outcomes of a failed oneOf or anyOf (located at at) into one failure that names the deepest relevant instance and tells, for each branch,
// whether it matched and why not.
func (s *schemaSet) explanation(at location, kw, inst, label string, branches []*jsonschema.Schema, outcomes []branchOutcome) failure {
	f := failure{instance: inst, keyword: kw, schema: at.schema, line: at.line}
	var matched []string
	best, bestDepth := -1, -1
	var bestFailure failure
	for i, b := range branches {
		br := Branch{Index: i, Name: s.branchName(b)}
		if o := outcomes[i]; o.matched {
			br.Matched = true
			matched = append(matched, br.Name)
		} else {
			sortByInstance(o.failures)
			for _, x := range o.failures {
				br.Errors = append(br.Errors, BranchError{Instance: x.instance, Keyword: specKeyword(x.keyword), Schema: x.schema, Line: x.line, Message: x.message})
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
		f.message = what + " matches " + strconv.Itoa(len(matched)) + " branches of " + kw + " (" + strings.Join(matched, ", ") + "); exactly one must match"
	case best >= 0:
		f.instance = bestFailure.instance
		f.message = what + " matches no branch of " + kw + "; closest is " + f.branches[best].Name + ": " + bestFailure.message
	default:
		f.message = what + " matches no branch of " + kw
	}
	return f
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
	// A failed contains is the array's failure: its causes are items that need not match.
	if len(ve.Causes) == 0 || kw == "minContains" || kw == "maxContains" || kw == "contains" {
		*out = append(*out, s.leaf(ve, root, base, label))
		return
	}
	for _, c := range ve.Causes {
		s.collect(c, root, base, label, out)
	}
}

func (s *schemaSet) leaf(ve *jsonschema.ValidationError, root any, base, label string) failure {
	inst := base + ve.InstanceLocation
	loc := ve.AbsoluteKeywordLocation
	kw := lastToken(loc)
	parent := s.byLocation[strings.TrimSuffix(loc, "/"+kw)]
	if sch := s.byLocation[loc]; sch != nil && sch.Always != nil && !*sch.Always && !keywordOwnsSchema(loc) {
		// A false schema fails at its own location, a property name or an index, not a keyword.
		kw, parent = "false", sch
	}
	if kw == "minContains" && !s.written(loc) {
		// jsonschema/v5 checks contains as minContains 1; the user wrote contains.
		loc = strings.TrimSuffix(loc, "minContains") + "contains"
		kw = "contains"
	}
	schemaLoc, line := s.locate(loc)
	v, _ := jsonptr.Lookup(root, ve.InstanceLocation)
	return failure{
		instance: inst,
		keyword:  kw,
		schema:   schemaLoc,
		line:     line,
		message:  s.describe(where(inst, label), kw, v, parent, ve.Message),
	}
}

// explain explains a failed oneOf or anyOf that jsonschema/v5 reported.
func (s *schemaSet) explain(ve *jsonschema.ValidationError, kw string, root any, base, label string) failure {
	parent := s.byLocation[strings.TrimSuffix(ve.AbsoluteKeywordLocation, "/"+kw)]
	inst := base + ve.InstanceLocation
	sub, _ := jsonptr.Lookup(root, ve.InstanceLocation)
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
	outcomes := make([]branchOutcome, len(branches))
	for i, b := range branches {
		if c, ok := causes[i]; ok {
			s.collect(c, root, base, label, &outcomes[i].failures)
		} else if len(causes) == 0 {
			s.diagnoseWith(b, sub, inst, label, &outcomes[i].failures)
		}
		outcomes[i].matched = len(outcomes[i].failures) == 0
	}
	schema, line := s.locate(ve.AbsoluteKeywordLocation)
	return s.explanation(location{schema, line}, kw, inst, label, branches, outcomes)
}

// branchName names a branch by the component it refers to, else by its location. The names of
// every branch of the compiled schemas are computed once, in New.
func (s *schemaSet) branchName(b *jsonschema.Schema) string {
	if name, ok := s.names[b]; ok {
		return name
	}
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

// keywordOwnsSchema reports whether the schema at the location loc is the value of a keyword
// (items: false), rather than an entry of one (a property, an allOf branch).
func keywordOwnsSchema(loc string) bool {
	i := strings.LastIndexByte(loc, '/')
	if i < 0 || !schemaKeywords[jsonptr.Unescape(loc[i+1:])] {
		return false
	}
	switch lastToken(loc[:i]) {
	case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas":
		return false
	}
	return true
}

func lastToken(loc string) string {
	i := strings.LastIndexByte(loc, '/')
	if i < 0 {
		return ""
	}
	return jsonptr.Unescape(loc[i+1:])
}

// describe writes the sentence for one failed keyword of sch. It names the instance and the
// expectation and never repeats the value itself, which may be a secret. fallback is
// jsonschema/v5's message, used for the keywords without a sentence of their own.
func (s *schemaSet) describe(where, kw string, v any, sch *jsonschema.Schema, fallback string) string {
	if sch == nil {
		return where + ": " + fallback
	}
	switch kw {
	case "type":
		return where + " must be " + strings.Join(sch.Types, " or ") + ", got " + jsonTypeOf(v)
	case "required":
		m, _ := v.(map[string]any)
		var missing []string
		for _, r := range sch.Required {
			if _, ok := m[r]; !ok {
				missing = append(missing, strconv.Quote(r))
			}
		}
		return where + " is missing required property " + strings.Join(missing, ", ")
	case "minLength", "maxLength":
		n := 0
		if str, ok := v.(string); ok {
			n = utf8.RuneCountInString(str)
		}
		switch {
		case sch.MinLength == sch.MaxLength:
			return where + " must be exactly " + strconv.Itoa(sch.MaxLength) + " characters, got " + strconv.Itoa(n)
		case kw == "minLength":
			return where + " must be at least " + strconv.Itoa(sch.MinLength) + " characters, got " + strconv.Itoa(n)
		}
		return where + " must be at most " + strconv.Itoa(sch.MaxLength) + " characters, got " + strconv.Itoa(n)
	case "enum":
		if len(sch.Enum) == 0 {
			return where + " is not allowed: the enum lists no value"
		}
		if text, ok := s.enums[sch]; ok {
			return where + " must be one of " + text
		}
		return where + " must be one of " + enumText(sch.Enum)
	case "const":
		b, _ := json.Marshal(sch.Constant[0])
		return where + " must be " + string(b)
	case "format":
		return where + " must be a valid " + sch.Format
	case "pattern":
		src := ""
		if sch.Pattern != nil {
			src = sch.Pattern.String()
		} else if p, ok := sch.Extensions["specgate-pattern"].(*ecmaPattern); ok {
			src = p.src
		}
		if fallback == patternTimeoutMsg {
			return where + " could not be checked against the pattern " + src + " within " + patternTimeout.String()
		}
		return where + " must match the pattern " + src
	case "not":
		if sch.Not != nil && len(sch.Not.Required) > 0 && len(sch.Not.Properties) == 0 {
			return where + " must not have property " + strings.Join(quoteAll(sch.Not.Required), " together with ")
		}
		return where + " must not match the schema under not"
	case "additionalProperties":
		m, _ := v.(map[string]any)
		var extra []string
		for k := range m {
			if _, ok := sch.Properties[k]; !ok {
				extra = append(extra, strconv.Quote(k))
			}
		}
		sort.Strings(extra)
		return where + " has properties the schema does not allow: " + strings.Join(extra, ", ")
	case "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "multipleOf":
		// jsonschema/v5 says "must be <= 10 but found 987654": the bound, never the number.
		op, bound := map[string]string{"minimum": ">= ", "exclusiveMinimum": "> ", "maximum": "<= ",
			"exclusiveMaximum": "< ", "multipleOf": "a multiple of "}[kw], map[string]*big.Rat{"minimum": sch.Minimum,
			"exclusiveMinimum": sch.ExclusiveMinimum, "maximum": sch.Maximum, "exclusiveMaximum": sch.ExclusiveMaximum, "multipleOf": sch.MultipleOf}[kw]
		if bound == nil {
			return where + " breaks " + kw
		}
		f, _ := bound.Float64()
		return where + " must be " + op + fmt.Sprint(f)
	case "minProperties":
		return where + " must have at least " + strconv.Itoa(sch.MinProperties) + " properties"
	case "maxProperties":
		return where + " must have at most " + strconv.Itoa(sch.MaxProperties) + " properties"
	case "contains":
		return where + " must contain an item that matches the schema under contains"
	case "minContains":
		return where + " must contain at least " + strconv.Itoa(sch.MinContains) + " items that match the schema under contains"
	case "maxContains":
		return where + " must contain at most " + strconv.Itoa(sch.MaxContains) + " items that match the schema under contains"
	case "minItems":
		return where + " must have at least " + strconv.Itoa(sch.MinItems) + " items"
	case "maxItems":
		return where + " must have at most " + strconv.Itoa(sch.MaxItems) + " items"
	case "false":
		return where + " is not allowed here"
	case kwForbidReadOnly:
		return where + " is readOnly and must not be sent in a request"
	case kwForbidWriteOnly:
		return where + " is writeOnly and must not be returned in a response"
	}
	return where + ": " + fallback
}

// enumText lists the allowed values of an enum as JSON.
func enumText(enum []any) string {
	vals := make([]string, len(enum))
	for i, e := range enum {
		b, _ := json.Marshal(e)
		vals[i] = string(b)
	}
	return strings.Join(vals, ", ")
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
