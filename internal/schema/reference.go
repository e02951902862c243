package schema

// jsonschema/v5 is the reference the walk is held to, and it evaluates what the walk does not:
// schemas with a keyword the table has no check for, false schemas and very deep nesting. Its
// error tree becomes Failures here, worded by the keyword table's messages, so that a failure
// reads the same whichever evaluated it.

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	jsonschema "github.com/specgate/specgate/internal/third_party/jsonschema"

	"github.com/specgate/specgate/internal/jsonptr"
)

// Reference returns what jsonschema/v5 alone makes of v, as Check would return it: the verdict
// and explanation the walk is tested against.
func (s *Schema) Reference(v any, label string) []Failure {
	var out []Failure
	s.e.reference(s.root.src, v, "", label, &out)
	sortByInstance(out)
	return out
}

// ReferenceValid is jsonschema/v5's verdict on v.
func (s *Schema) ReferenceValid(v any) bool { return s.root.src.Validate(v) == nil }

// reference runs jsonschema/v5 on v, found at base of the instance.
func (e *engine) reference(sch *jsonschema.Schema, v any, base, label string, out *[]Failure) {
	err := sch.Validate(v)
	if err == nil {
		return
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		*out = append(*out, Failure{Instance: base, Message: "the schema could not be evaluated: " + err.Error()})
		return
	}
	e.collect(ve, v, base, label, out)
}

// collect flattens a ValidationError tree into failures: one per leaf, and one per failed oneOf
// or anyOf, explained branch by branch. base prefixes instance locations.
func (e *engine) collect(ve *jsonschema.ValidationError, root any, base, label string, out *[]Failure) {
	kw := lastToken(ve.AbsoluteKeywordLocation)
	if kw == "oneOf" || kw == "anyOf" {
		*out = append(*out, e.explain(ve, kw, root, base, label))
		return
	}
	// A failed contains is the array's failure: its causes are items that need not match.
	if len(ve.Causes) == 0 || kw == "minContains" || kw == "maxContains" || kw == "contains" {
		*out = append(*out, e.leaf(ve, root, base, label))
		return
	}
	for _, c := range ve.Causes {
		e.collect(c, root, base, label, out)
	}
}

// falseFailure is the failure of v, at inst, against the false schema at loc. It fails at its
// own location, a property name or an index, not a keyword; a keyword's when it is the
// keyword's value (items: false).
func (e *engine) falseFailure(loc string, v any, inst, label string) Failure {
	kw, parent := "false", e.byLocation[loc]
	if keywordOwnsSchema(loc) {
		kw = lastToken(loc)
		parent = e.byLocation[strings.TrimSuffix(loc, "/"+jsonptr.Escape(kw))]
	}
	schemaLoc, line := e.loc.Locate(loc)
	return Failure{Instance: inst, Keyword: kw, Schema: schemaLoc, Line: line,
		Message: describe(subject{inst, label}, kw, v, parent, "not allowed")}
}

func (e *engine) leaf(ve *jsonschema.ValidationError, root any, base, label string) Failure {
	rel := jsonptr.Unfragment(ve.InstanceLocation) // jsonschema/v5 percent-encodes each token
	inst := base + rel
	loc := ve.AbsoluteKeywordLocation
	kw := lastToken(loc)
	parent := e.byLocation[strings.TrimSuffix(loc, "/"+kw)]
	if n := e.byLocation[loc]; n != nil && n.always != nil && !*n.always {
		v, _ := jsonptr.Lookup(root, rel)
		return e.falseFailure(loc, v, inst, label)
	}
	if kw == "minContains" && !e.loc.Written(loc) {
		// jsonschema/v5 checks contains as minContains 1; the user wrote contains.
		loc = strings.TrimSuffix(loc, "minContains") + "contains"
		kw = "contains"
	}
	schemaLoc, line := e.loc.Locate(loc)
	if name, req, ok := e.dependency(loc); ok {
		return Failure{Instance: inst, Keyword: "dependentRequired", Schema: schemaLoc, Line: line,
			Message: dependentMessage(subject{inst, label}, name, req)}
	}
	v, _ := jsonptr.Lookup(root, rel)
	if namesProperty(ve.KeywordLocation) {
		v = lastToken(rel) // the instance is the property's name, not its value
	}
	return Failure{
		Instance: inst,
		Keyword:  kw,
		Schema:   schemaLoc,
		Line:     line,
		Message:  describe(subject{inst, label}, kw, v, parent, ve.Message),
	}
}

// describe words the failure of the keyword kw of parent with the keyword table's message;
// fallback is jsonschema/v5's, for the keywords without one.
func describe(at subject, kw string, v any, parent *node, fallback string) string {
	if parent == nil {
		return at.String() + ": " + fallback
	}
	if kw == "false" {
		return at.String() + " is not allowed here"
	}
	if c := parent.find(kw); c != nil && c.why != nil {
		return c.why(v, at)
	}
	return at.String() + ": " + fallback
}

// explain explains a failed oneOf or anyOf that jsonschema/v5 reported.
func (e *engine) explain(ve *jsonschema.ValidationError, kw string, root any, base, label string) Failure {
	rel := jsonptr.Unfragment(ve.InstanceLocation)
	inst := base + rel
	sub, _ := jsonptr.Lookup(root, rel)
	var branches []*node
	var names []string
	if parent := e.byLocation[strings.TrimSuffix(ve.AbsoluteKeywordLocation, "/"+kw)]; parent != nil {
		if c := parent.find(kw); c != nil {
			branches, names = c.subs, c.names
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
			e.collect(c, root, base, label, &outcomes[i].failures)
		} else if len(causes) == 0 {
			e.reference(b.src, sub, inst, label, &outcomes[i].failures)
		}
		outcomes[i].matched = len(outcomes[i].failures) == 0
	}
	schema, line := e.loc.Locate(ve.AbsoluteKeywordLocation)
	return explanation(Location{schema, line}, kw, inst, label, names, outcomes)
}

// keywordOwnsSchema reports whether the schema at the location loc is the value of a keyword
// (items: false), rather than an entry of one (a property, an allOf branch).
func keywordOwnsSchema(loc string) bool {
	i := strings.LastIndexByte(loc, '/')
	if i < 0 || !schemaValued[jsonptr.Unescape(loc[i+1:])] {
		return false
	}
	switch lastToken(loc[:i]) {
	case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas":
		return false
	}
	return true
}

// schemaValued are the keywords whose value is one schema.
var schemaValued = map[string]bool{"items": true, "additionalItems": true, "additionalProperties": true, "not": true,
	"if": true, "then": true, "else": true, "contains": true, "propertyNames": true, "unevaluatedItems": true,
	"unevaluatedProperties": true, "contentSchema": true}

func lastToken(loc string) string {
	i := strings.LastIndexByte(loc, '/')
	if i < 0 {
		return ""
	}
	return jsonptr.Unescape(loc[i+1:])
}

// namesProperty reports whether the keyword at the relative keyword location loc is evaluated
// under propertyNames, where the instance is a property name: nothing below a name is another
// part of the instance.
func namesProperty(loc string) bool {
	toks := strings.Split(loc, "/")
	for i := 1; i < len(toks); i++ {
		if toks[i] != "propertyNames" {
			continue
		}
		switch toks[i-1] {
		case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas":
			continue // a property or definition that happens to be called propertyNames
		}
		return true
	}
	return false
}

// dependency reads the location of a failed dependentRequired, which jsonschema/v5 gives as
// the entry of the list, ".../dependentRequired/name/i": the property name and the property req
// it requires.
func (e *engine) dependency(loc string) (name, req string, ok bool) {
	rest, idx, _ := cutLast(loc)
	rest, esc, _ := cutLast(rest)
	rest, kw, _ := cutLast(rest)
	if kw != "dependentRequired" {
		return "", "", false
	}
	owner := e.byLocation[rest]
	i, err := strconv.Atoi(idx)
	if owner == nil || err != nil {
		return "", "", false
	}
	unesc, err := url.PathUnescape(esc) // jsonschema/v5 percent-encodes the token
	if err != nil {
		return "", "", false
	}
	name = jsonptr.Unescape(unesc)
	list := owner.src.DependentRequired[name]
	if i < 0 || i >= len(list) {
		return "", "", false
	}
	return name, list[i], true
}

// cutLast splits the pointer loc at its last token.
func cutLast(loc string) (before, last string, ok bool) {
	i := strings.LastIndexByte(loc, '/')
	if i < 0 {
		return loc, "", false
	}
	return loc[:i], loc[i+1:], true
}
