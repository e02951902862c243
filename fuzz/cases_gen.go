package fuzz

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/specgate/specgate/internal/jsonptr"
)

// noBody marks an optional request body left out.
type noBody struct{}

// bodyChoice is one candidate body and the media type it is sent as.
type bodyChoice struct {
	mediaType string
	value     any
}

// positiveCases combines the candidates of every parameter and of the body pairwise: the
// fullest request first (every optional part present), then the required parts alone, then the
// rows that cover every pair of values.
func (g *generator) positiveCases(op *operation) []*testCase {
	var dims [][]any
	var keys []string
	for _, p := range op.params {
		g.parent = resource(op.path, p.name)
		vals := g.positives(p.schema, p.name, 0, bodyNodes)
		switch p.in {
		case "path":
			// An empty segment routes elsewhere, or nowhere; so does a slash, which many servers
			// and proxies decode from %2F before routing.
			vals = nonEmpty(noSlash(vals))
		case "header", "cookie":
			vals = asciiOnly(vals) // header text beyond ASCII is obsolete (RFC 9110, 5.5)
		}
		vals = readable(p, vals)
		if !p.required {
			vals = append(vals, absent{})
		}
		if len(vals) == 0 {
			return nil
		}
		dims = append(dims, vals)
		keys = append(keys, p.in+":"+p.name)
	}
	if op.body != nil {
		// Every documented JSON media type, each with values from its own schema.
		var vals []any
		g.parent = ""
		for _, b := range op.bodies {
			g.text = bodyKind(b.mediaType) != "json"
			for _, v := range g.positives(b.schema, "", 0, bodyNodes) {
				vals = append(vals, bodyChoice{b.mediaType, v})
			}
			g.text = false
		}
		if !op.bodyRequired {
			vals = append(vals, noBody{})
		}
		if len(vals) == 0 {
			return nil
		}
		dims = append(dims, vals)
		keys = append(keys, "body")
	}
	full, minimal := make([]int, len(dims)), make([]int, len(dims))
	for i, d := range dims {
		switch d[len(d)-1].(type) {
		case absent, noBody:
			minimal[i] = len(d) - 1
		}
	}
	rows := append([][]int{full, minimal}, pairwise(g.rnd, dims)...)
	var out []*testCase
	for _, r := range rows {
		tc := &testCase{op: op, positive: true, params: map[string]any{}}
		for i, k := range r {
			v := dims[i][k]
			if keys[i] == "body" {
				if b, ok := v.(bodyChoice); ok {
					tc.body, tc.hasBody, tc.media = b.value, true, b.mediaType
				}
				continue
			}
			if _, skip := v.(absent); !skip {
				tc.params[keys[i]] = v
			}
		}
		out = append(out, tc)
	}
	// One more: the fullest request with identifiers that name no record, which the target must
	// answer as the spec says (a documented refusal, a " FAIL"), not with a 5xx.
	if len(out) > 0 && hasUnknown(out[0].params) || len(out) > 0 && hasUnknown(out[0].body) {
		tc := out[0].shallow()
		tc.unknownIDs = true
		out = append(out, tc)
	}
	return out
}

// hasUnknown reports whether v holds a stateRef with an unknown value.
func hasUnknown(v any) bool {
	switch x := v.(type) {
	case stateRef:
		return x.unknown != nil
	case map[string]any:
		for _, e := range x {
			if hasUnknown(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasUnknown(e) {
				return true
			}
		}
	}
	return false
}

// negativeCases changes base (a valid request) in one way at a time. They have a budget of
// steps of their own, budget, each costing the nodes of the body it copies: a change once the
// steps are spent is left out (and counted in trimmed), never the ones that need no body.
func (g *generator) negativeCases(base *testCase, budget int) []*testCase {
	op := base.op
	var out []*testCase
	if !g.stopped {
		g.left, g.spent = budget, false
	}
	cost := 1
	if base.hasBody {
		cost += nodes(base.body, bodyNodes*4)
	}
	add := func(what, ptr string, change func(tc *testCase)) {
		if ptr != "" && g.spent {
			g.trimmed++
			return
		}
		g.spend(cost)
		tc := base.shallow()
		tc.positive, tc.mutation, tc.mutPtr = false, what, ptr
		change(tc)
		out = append(out, tc)
	}
	for _, p := range op.params {
		key := p.in + ":" + p.name
		if p.required && p.in != "path" {
			add("missing required "+p.in+" parameter "+p.name, "", func(tc *testCase) { delete(tc.params, key); tc.mutParam = key })
		}
		if _, present := base.params[key]; !present {
			continue
		}
		for _, m := range g.valueMutations(p.schema, true) {
			m := m
			add(m.what+" in "+p.in+" parameter "+p.name, "", func(tc *testCase) { tc.params[key], tc.mutParam = m.value, key })
		}
	}
	schema := op.body
	for _, b := range op.bodies {
		if b.mediaType == base.media {
			schema = b.schema
		}
	}
	if op.body != nil && base.hasBody {
		kind := bodyKind(base.media)
		// A form's fields are text: only the wrong types text can show break it.
		g.text = kind != "json"
		g.bodyMutations(schema, base.body, "", 0, func(what, ptr string, fn func(any) (any, bool)) {
			add(what+" at "+pointerName(ptr), ptr, func(tc *testCase) { tc.body = edit(tc.body, ptr, fn) })
		})
		g.text = false
		malformed := map[string]string{"json": "malformed JSON", "form": "malformed form", "multipart": "malformed multipart body"}[kind]
		add(malformed, "", func(tc *testCase) { tc.malformed = true })
		add("wrong content type text/plain", "", func(tc *testCase) { tc.media = "text/plain" })
		if op.bodyRequired {
			add("missing required body", "", func(tc *testCase) { tc.body, tc.hasBody, tc.media = nil, false, "" })
		}
	}
	if op.secured {
		add("missing credentials", "", func(tc *testCase) { tc.noAuth = true })
		add("wrong credentials", "", func(tc *testCase) { tc.badAuth = authWrong })
		add("credentials of a scheme the operation does not accept", "", func(tc *testCase) { tc.badAuth = authOtherScheme })
	}
	return out
}

func pointerName(ptr string) string {
	if ptr == "" {
		return "the body"
	}
	return ptr
}

type valueMutation struct {
	what  string
	value any
}

// valueMutations returns values that break s in one way each. For a parameter (param true) a
// wrong type is only one that text can show: letters for a number or a boolean.
func (g *generator) valueMutations(s *openapi3.Schema, param bool) []valueMutation {
	if s == nil {
		return nil
	}
	if len(s.AllOf) > 0 {
		s = merged(s)
	}
	var out []valueMutation
	typ := typeOf(s)
	switch typ {
	case "string":
		if !param {
			out = append(out, valueMutation{"wrong type (number for string)", json.Number("12345")})
		}
	case "integer", "number":
		out = append(out, valueMutation{"wrong type (string for " + typ + ")", "not-a-number"})
		if typ == "integer" {
			out = append(out, valueMutation{"wrong type (fraction for integer)", json.Number("1.5")})
		}
	case "boolean":
		out = append(out, valueMutation{"wrong type (string for boolean)", "maybe"})
	case "object":
		if !param {
			out = append(out, valueMutation{"wrong type (string for object)", "not-an-object"})
		}
	case "array":
		if !param {
			out = append(out, valueMutation{"wrong type (string for array)", "not-an-array"})
		}
	}
	if str, ok := s.Const.(string); ok {
		out = append(out, valueMutation{"value other than the const", str + "_not_const"})
	}
	if len(s.Enum) > 0 {
		if str, ok := s.Enum[0].(string); ok {
			out = append(out, valueMutation{"value outside the enum", str + "_not_in_enum"})
		}
	}
	if typ == "string" {
		switch s.Format {
		case "uuid":
			out = append(out, valueMutation{"not a uuid", "not-a-uuid"})
		case "email":
			out = append(out, valueMutation{"not an email", "not-an-email"})
		case "date-time":
			out = append(out, valueMutation{"not a date-time", "yesterday"})
		case "date":
			out = append(out, valueMutation{"not a date", "2024-13-45"})
		}
		if s.Pattern != "" {
			hi := -1
			if s.MaxLength != nil {
				hi = int(*s.MaxLength)
			}
			if v, ok := patternViolation(s.Pattern, "", int(s.MinLength), hi); ok {
				out = append(out, valueMutation{"not matching the pattern", v})
			}
		}
		if s.MinLength > 0 {
			out = append(out, valueMutation{fmt.Sprintf("shorter than minLength %d", s.MinLength), g.word(int(s.MinLength) - 1)})
		}
		if s.MaxLength != nil {
			out = append(out, valueMutation{fmt.Sprintf("longer than maxLength %d", *s.MaxLength), g.word(int(*s.MaxLength) + 1)})
		}
	}
	if typ == "integer" || typ == "number" {
		if s.Min != nil {
			out = append(out, valueMutation{fmt.Sprintf("below minimum %g", *s.Min), json.Number(fmt.Sprintf("%d", int64(*s.Min)-1))})
		}
		if s.Max != nil {
			out = append(out, valueMutation{fmt.Sprintf("above maximum %g", *s.Max), json.Number(fmt.Sprintf("%d", int64(*s.Max)+1))})
		}
	}
	return out
}

// unlisted is the property a negative adds to an object whose schema allows no others.
const unlisted = "specgate_unlisted"

// forbidsOthers reports whether s allows no property but its own (additionalProperties: false,
// no patternProperties) and does not list unlisted itself.
func forbidsOthers(s *openapi3.Schema) bool {
	has := s.AdditionalProperties.Has
	return has != nil && !*has && len(s.PatternProperties) == 0 && s.Properties[unlisted] == nil
}

// bodyMutations walks the body v with its schema s and reports each one-place change that
// breaks it: a value mutation at every node, each required property removed, arrays outside
// their item bounds.
func (g *generator) bodyMutations(s *openapi3.Schema, v any, ptr string, depth int, add func(what, ptr string, fn func(any) (any, bool))) {
	if s == nil || depth > maxDepth || g.spent {
		return
	}
	if len(s.AllOf) > 0 {
		s = merged(s)
	}
	for _, m := range g.valueMutations(s, g.text) {
		m := m
		add(m.what, ptr, func(any) (any, bool) { return m.value, true })
	}
	switch x := v.(type) {
	case map[string]any:
		if forbidsOthers(s) {
			add("a property additionalProperties forbids ("+unlisted+")", ptr, func(old any) (any, bool) {
				m := deepCopy(old).(map[string]any)
				m[unlisted] = "x"
				return m, true
			})
		}
		for _, r := range s.Required {
			if _, present := x[r]; present {
				r := r
				add("missing required property "+r, jsonptr.Join(ptr, r), func(any) (any, bool) { return nil, false })
			}
		}
		names := make([]string, 0, len(x))
		for k := range x {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			if p := s.Properties[k]; p != nil && p.Value != nil {
				g.bodyMutations(p.Value, x[k], jsonptr.Join(ptr, k), depth+1, add)
			}
		}
	case []any:
		if s.MinItems > 0 && len(x) > 0 {
			add(fmt.Sprintf("fewer items than minItems %d", s.MinItems), ptr, func(old any) (any, bool) {
				return old.([]any)[:s.MinItems-1], true
			})
		}
		if s.MaxItems != nil && len(x) > 0 {
			add(fmt.Sprintf("more items than maxItems %d", *s.MaxItems), ptr, func(old any) (any, bool) {
				a := old.([]any)
				n := int(*s.MaxItems) + 1
				out := make([]any, n)
				for i := range out {
					out[i] = deepCopy(a[i%len(a)])
				}
				return out, true
			})
		}
		if s.Items != nil && s.Items.Value != nil && len(x) > 0 {
			g.bodyMutations(s.Items.Value, x[0], ptr+"/0", depth+1, add)
		}
	}
}

// readable drops the values a parameter's text cannot show for what they are: a list of
// several items, or an object, where the schema's own type is not array or object (a oneOf of a
// string and an array: "a,b" reads as the string).
func readable(p param, vals []any) []any {
	typ := typeOf(p.schema)
	out := vals[:0:0]
	for _, v := range vals {
		switch x := v.(type) {
		case []any:
			if typ != "array" && len(x) > 1 {
				continue
			}
		case map[string]any:
			if typ != "object" {
				continue
			}
		}
		out = append(out, v)
	}
	return out
}

// noSlash drops the values whose text has a slash.
func noSlash(vals []any) []any {
	out := vals[:0:0]
	for _, v := range vals {
		if _, ref := v.(stateRef); ref || !strings.Contains(strings.Join(paramStrings(v), ""), "/") {
			out = append(out, v)
		}
	}
	return out
}

// asciiOnly drops the values whose text has a byte outside ASCII.
func asciiOnly(vals []any) []any {
	out := vals[:0:0]
	for _, v := range vals {
		if _, ref := v.(stateRef); ref || isASCII(strings.Join(paramStrings(v), "")) {
			out = append(out, v)
		}
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// nonEmpty drops the values that a path would show as an empty segment: an empty string, an
// empty array, an array of empty strings.
func nonEmpty(vals []any) []any {
	out := vals[:0:0]
	for _, v := range vals {
		if _, ref := v.(stateRef); ref || strings.Join(paramStrings(v), "") != "" {
			out = append(out, v)
		}
	}
	return out
}
