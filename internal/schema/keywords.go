package schema

// The keyword table: every keyword of JSON Schema 2020-12 (and of the drafts jsonschema/v5 also
// compiles), in jsonschema/v5's order of evaluation. An entry compiles its keyword from a schema
// into a check that answers "valid?" without allocating and, given a walker, explains; its
// message says why an instance fails it, whichever evaluated it. An entry without a check
// leaves the schemas that use it to jsonschema/v5, and builds their subschemas so that
// jsonschema/v5's failures inside them are worded from this table too.
//
// Adding a keyword is adding (or completing) its entry here, with its test in keywords_test.go.

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"math"
	"math/big"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	jsonschema "github.com/specgate/specgate/internal/third_party/jsonschema"

	"github.com/specgate/specgate/internal/jsonptr"
)

// keyword is one entry of the table.
type keyword struct {
	name string
	// compile returns the keyword's check for the schema s, nil when s does not have it.
	compile func(s *jsonschema.Schema, b *builder) *check
}

// keywords is the table. It is filled in init because its entries build subschemas, through the
// builder, which reads the table.
var keywords []keyword

func init() {
	keywords = []keyword{
		{"type", func(s *jsonschema.Schema, _ *builder) *check {
			if len(s.Types) == 0 {
				return nil
			}
			var bits uint8
			for _, t := range s.Types {
				bits |= typeBits[t]
			}
			types := strings.Join(s.Types, " or ")
			return &check{stop: true, // jsonschema/v5 evaluates nothing else once the type is wrong
				valid: func(_ *check, v any, _ *walker, _ int) bool { return typeOK(bits, v) },
				why:   func(v any, at subject) string { return at.String() + " must be " + types + ", got " + jsonTypeOf(v) }}
		}},
		{"const", func(s *jsonschema.Schema, _ *builder) *check {
			if len(s.Constant) == 0 {
				return nil
			}
			want := s.Constant[0]
			text, _ := json.Marshal(want)
			return &check{valid: func(_ *check, v any, _ *walker, _ int) bool { return equal(v, want) },
				why: func(_ any, at subject) string { return at.String() + " must be " + string(text) }}
		}},
		{"enum", func(s *jsonschema.Schema, _ *builder) *check {
			enum := s.Enum
			if len(enum) == 0 {
				if s.Extensions["specgate-enum"] == nil {
					return nil
				}
				return &check{valid: func(*check, any, *walker, int) bool { return false },
					why: func(_ any, at subject) string { return at.String() + " is not allowed: the enum lists no value" }}
			}
			text := enumText(enum)
			return &check{valid: func(_ *check, v any, _ *walker, _ int) bool {
				for _, e := range enum {
					if equal(v, e) {
						return true
					}
				}
				return false
			}, why: func(_ any, at subject) string { return at.String() + " must be one of " + text }}
		}},
		{"format", func(s *jsonschema.Schema, _ *builder) *check {
			f := formats[s.Format]
			if s.Format == "" || f == nil {
				return nil // jsonschema/v5 ignores a format it does not know
			}
			name := s.Format
			return &check{valid: func(_ *check, v any, _ *walker, _ int) bool { return f(v) },
				why: func(_ any, at subject) string { return at.String() + " must be a valid " + name }}
		}},
		{"minProperties", size(func(s *jsonschema.Schema) int { return s.MinProperties }, objectSize, true, "properties")},
		{"maxProperties", size(func(s *jsonschema.Schema) int { return s.MaxProperties }, objectSize, false, "properties")},
		{"required", func(s *jsonschema.Schema, _ *builder) *check {
			req := s.Required
			if len(req) == 0 {
				return nil
			}
			return &check{valid: func(_ *check, v any, _ *walker, _ int) bool {
				m, ok := v.(map[string]any)
				if !ok {
					return true
				}
				for _, r := range req {
					if _, ok := m[r]; !ok {
						return false
					}
				}
				return true
			}, why: func(v any, at subject) string {
				m, _ := v.(map[string]any)
				var missing []string
				for _, r := range req {
					if _, ok := m[r]; !ok {
						missing = append(missing, strconv.Quote(r))
					}
				}
				return at.String() + " is missing required property " + strings.Join(missing, ", ")
			}}
		}},
		{"properties", func(s *jsonschema.Schema, b *builder) *check {
			if len(s.Properties) == 0 {
				return nil
			}
			props := make(map[string]*node, len(s.Properties))
			for k, p := range s.Properties {
				props[k] = b.child(p)
			}
			return &check{valid: func(_ *check, v any, w *walker, depth int) bool {
				m, _ := v.(map[string]any)
				return evalProps(m, func(k string) *node { return props[k] }, w, depth)
			}}
		}},
		// The schema of every property name, located at the property. A name is boxed to be
		// evaluated, which allocates.
		{"propertyNames", func(s *jsonschema.Schema, b *builder) *check {
			if s.PropertyNames == nil {
				return nil
			}
			names := b.child(s.PropertyNames)
			return &check{valid: func(_ *check, v any, w *walker, depth int) bool {
				m, _ := v.(map[string]any)
				ok := true
				for k := range m {
					if w == nil {
						if !names.eval(k, nil, depth+1) {
							return false
						}
						continue
					}
					w.push(jsonptr.Escape(k))
					ok = names.eval(k, w, depth+1) && ok
					w.pop()
				}
				return ok
			}}
		}},
		// Each property is evaluated against the schema of every pattern its name matches.
		{"patternProperties", func(s *jsonschema.Schema, b *builder) *check {
			pats := sortedPatterns(s.PatternProperties)
			if len(pats) == 0 {
				return nil
			}
			subs := make([]*node, len(pats))
			for i, re := range pats {
				subs[i] = b.child(s.PatternProperties[re])
			}
			return &check{valid: func(_ *check, v any, w *walker, depth int) bool {
				m, _ := v.(map[string]any)
				ok := true
				for k, pv := range m {
					for i, re := range pats {
						if !re.MatchString(k) {
							continue
						}
						if w == nil {
							if !subs[i].eval(pv, nil, depth+1) {
								return false
							}
							continue
						}
						w.push(jsonptr.Escape(k))
						ok = subs[i].eval(pv, w, depth+1) && ok
						w.pop()
					}
				}
				return ok
			}}
		}},
		// The properties neither properties names nor a pattern of patternProperties matches.
		{"additionalProperties", func(s *jsonschema.Schema, b *builder) *check {
			props, pats := s.Properties, sortedPatterns(s.PatternProperties)
			named := func(k string) bool {
				if _, ok := props[k]; ok {
					return true
				}
				for _, re := range pats {
					if re.MatchString(k) {
						return true
					}
				}
				return false
			}
			switch a := s.AdditionalProperties.(type) {
			case bool:
				if a {
					return nil
				}
				return &check{valid: func(_ *check, v any, _ *walker, _ int) bool {
					m, _ := v.(map[string]any)
					for k := range m {
						if !named(k) {
							return false
						}
					}
					return true
				}, why: func(v any, at subject) string {
					m, _ := v.(map[string]any)
					var extra []string
					for k := range m {
						if !named(k) {
							extra = append(extra, strconv.Quote(k))
						}
					}
					sort.Strings(extra)
					return at.String() + " has properties the schema does not allow: " + strings.Join(extra, ", ")
				}}
			case *jsonschema.Schema:
				addl := b.child(a)
				return &check{valid: func(_ *check, v any, w *walker, depth int) bool {
					m, _ := v.(map[string]any)
					return evalProps(m, func(k string) *node {
						if named(k) {
							return nil
						}
						return addl
					}, w, depth)
				}}
			}
			return nil
		}},
		{"dependencies", func(s *jsonschema.Schema, b *builder) *check {
			if len(s.Dependencies) == 0 {
				return nil
			}
			for _, d := range s.Dependencies {
				if sub, ok := d.(*jsonschema.Schema); ok {
					b.child(sub)
				}
			}
			return &check{}
		}},
		// One failure per missing property, located at its entry in the list, as jsonschema/v5
		// reports them.
		{"dependentRequired", func(s *jsonschema.Schema, b *builder) *check {
			if len(s.DependentRequired) == 0 {
				return nil
			}
			names := make([]string, 0, len(s.DependentRequired))
			for name := range s.DependentRequired {
				names = append(names, name)
			}
			sort.Strings(names)
			// Located as jsonschema/v5 locates them, the name percent-encoded.
			at := make([][]Location, len(names))
			for i, name := range names {
				for j := range s.DependentRequired[name] {
					schema, line := b.e.loc.Locate(b.cur.loc + "/dependentRequired/" + url.PathEscape(jsonptr.Escape(name)) + "/" + strconv.Itoa(j))
					at[i] = append(at[i], Location{schema, line})
				}
			}
			deps := s.DependentRequired
			return &check{valid: func(_ *check, v any, w *walker, _ int) bool {
				m, _ := v.(map[string]any)
				ok := true
				for i, name := range names {
					if _, has := m[name]; !has {
						continue
					}
					for j, r := range deps[name] {
						if _, has := m[r]; has {
							continue
						}
						if w == nil {
							return false
						}
						ok = false
						inst := w.at()
						w.out = append(w.out, Failure{Instance: inst, Keyword: "dependentRequired", Schema: at[i][j].Schema, Line: at[i][j].Line,
							Message: dependentMessage(subject{inst, w.label}, name, r)})
					}
				}
				return ok
			}}
		}},
		// The schema of a property applies to the whole object when the property is present.
		{"dependentSchemas", func(s *jsonschema.Schema, b *builder) *check {
			if len(s.DependentSchemas) == 0 {
				return nil
			}
			names := make([]string, 0, len(s.DependentSchemas))
			for name := range s.DependentSchemas {
				names = append(names, name)
			}
			sort.Strings(names) // failures in one order, though they share the instance
			deps := make([]*node, len(names))
			for i, name := range names {
				deps[i] = b.child(s.DependentSchemas[name])
			}
			return &check{valid: func(_ *check, v any, w *walker, depth int) bool {
				m, ok := v.(map[string]any)
				return !ok || evalAll(len(deps), func(i int) *node {
					if _, has := m[names[i]]; has {
						return deps[i]
					}
					return nil
				}, v, w, depth)
			}}
		}},
		{"minItems", size(func(s *jsonschema.Schema) int { return s.MinItems }, arraySize, true, "items")},
		{"maxItems", size(func(s *jsonschema.Schema) int { return s.MaxItems }, arraySize, false, "items")},
		{"prefixItems", func(s *jsonschema.Schema, b *builder) *check {
			if len(s.PrefixItems) == 0 {
				return nil
			}
			prefix := b.children(s.PrefixItems)
			return &check{valid: func(_ *check, v any, w *walker, depth int) bool {
				a, _ := v.([]any)
				return evalItems(a[:min(len(a), len(prefix))], 0, func(i int) *node { return prefix[i] }, w, depth)
			}}
		}},
		{"items", func(s *jsonschema.Schema, b *builder) *check {
			if s.Items2020 == nil {
				return nil
			}
			items, skip := b.child(s.Items2020), len(s.PrefixItems)
			return &check{valid: func(_ *check, v any, w *walker, depth int) bool {
				a, _ := v.([]any)
				return evalItems(a, skip, func(int) *node { return items }, w, depth)
			}}
		}},
		// items and additionalItems as drafts before 2020-12 write them.
		{"items", func(s *jsonschema.Schema, b *builder) *check {
			switch t := s.Items.(type) {
			case *jsonschema.Schema:
				b.child(t)
			case []*jsonschema.Schema:
				b.children(t)
			default:
				return nil
			}
			return &check{}
		}},
		{"additionalItems", func(s *jsonschema.Schema, b *builder) *check {
			switch t := s.AdditionalItems.(type) {
			case *jsonschema.Schema:
				b.child(t)
			case bool:
			default:
				return nil
			}
			return &check{}
		}},
		// contains is minContains 1 unless minContains is written, as jsonschema/v5 has it: one
		// check, reported as the keyword the user wrote. The items are only asked for their
		// verdict: an item that does not match is no failure.
		{"contains", func(s *jsonschema.Schema, b *builder) *check {
			if s.Contains == nil {
				return nil
			}
			sub, least := b.child(s.Contains), s.MinContains
			c := &check{valid: func(_ *check, v any, _ *walker, depth int) bool {
				a, ok := v.([]any)
				return !ok || countMatches(a, sub, least, depth) >= least
			}, why: func(_ any, at subject) string {
				return at.String() + " must contain an item that matches the schema under contains"
			}}
			if b.e.loc.Written(b.cur.loc + "/minContains") {
				n := strconv.Itoa(least)
				c.kw, c.why = "minContains", func(_ any, at subject) string {
					return at.String() + " must contain at least " + n + " items that match the schema under contains"
				}
			}
			return c
		}},
		{"maxContains", func(s *jsonschema.Schema, b *builder) *check {
			if s.Contains == nil || s.MaxContains < 0 {
				return nil
			}
			sub, most := b.child(s.Contains), s.MaxContains
			n := strconv.Itoa(most)
			return &check{valid: func(_ *check, v any, _ *walker, depth int) bool {
				a, ok := v.([]any)
				return !ok || countMatches(a, sub, most+1, depth) <= most
			}, why: func(_ any, at subject) string {
				return at.String() + " must contain at most " + n + " items that match the schema under contains"
			}}
		}},
		{"uniqueItems", func(s *jsonschema.Schema, _ *builder) *check {
			if !s.UniqueItems {
				return nil
			}
			return &check{valid: func(_ *check, v any, _ *walker, _ int) bool {
				a, _ := v.([]any)
				_, j := duplicate(a)
				return j < 0
			}, why: func(v any, at subject) string {
				a, _ := v.([]any)
				i, j := duplicate(a)
				return at.String() + " must have unique items: items at index " + strconv.Itoa(i) + " and " + strconv.Itoa(j) + " are equal"
			}}
		}},
		{"minLength", func(s *jsonschema.Schema, _ *builder) *check {
			if s.MinLength < 0 {
				return nil
			}
			n := s.MinLength
			return &check{valid: func(_ *check, v any, _ *walker, _ int) bool {
				str, ok := v.(string)
				return !ok || len(str) >= n && utf8.RuneCountInString(str) >= n
			}, why: lengthWhy(s, "minLength")}
		}},
		{"maxLength", func(s *jsonschema.Schema, _ *builder) *check {
			if s.MaxLength < 0 {
				return nil
			}
			n := s.MaxLength
			return &check{valid: func(_ *check, v any, _ *walker, _ int) bool {
				str, ok := v.(string)
				return !ok || len(str) <= n || utf8.RuneCountInString(str) <= n
			}, why: lengthWhy(s, "maxLength")}
		}},
		{"pattern", func(s *jsonschema.Schema, _ *builder) *check {
			if s.Pattern == nil {
				return nil
			}
			re := s.Pattern
			msg := " must match the pattern " + re.String()
			return &check{valid: func(_ *check, v any, _ *walker, _ int) bool {
				str, ok := v.(string)
				return !ok || re.MatchString(str)
			}, why: func(_ any, at subject) string { return at.String() + msg }}
		}},
		// The patterns RE2 refuses, checked by the ECMA-262 engine and reported as pattern.
		{KeywordECMAPattern, func(s *jsonschema.Schema, _ *builder) *check {
			p, ok := s.Extensions["specgate-pattern"].(*ecmaPattern)
			if !ok {
				return nil
			}
			return &check{kw: "pattern", valid: func(_ *check, v any, _ *walker, _ int) bool {
				str, ok := v.(string)
				if !ok {
					return true
				}
				matched, err := p.match(str)
				return matched && err == nil
			}, why: func(v any, at subject) string {
				str, _ := v.(string)
				if _, err := p.match(str); err != nil {
					return at.String() + " could not be checked against the pattern " + p.src + " within " + patternTimeout.String()
				}
				return at.String() + " must match the pattern " + p.src
			}}
		}},
		{"contentEncoding", func(s *jsonschema.Schema, _ *builder) *check {
			if s.ContentEncoding == "" && s.ContentMediaType == "" && s.ContentSchema == nil {
				return nil
			}
			if s.Draft != jsonschema.Draft2020 && s.Draft != jsonschema.Draft2019 {
				return &check{} // asserted by earlier drafts: left to jsonschema/v5
			}
			// 2020-12 makes contentEncoding, contentMediaType and contentSchema annotations,
			// and jsonschema/v5 asserts none of them unless asked to.
			return &check{valid: func(*check, any, *walker, int) bool { return true }}
		}},
		{"minimum", bound(func(s *jsonschema.Schema) *big.Rat { return s.Minimum }, ">= ", func(c int) bool { return c >= 0 })},
		{"exclusiveMinimum", bound(func(s *jsonschema.Schema) *big.Rat { return s.ExclusiveMinimum }, "> ", func(c int) bool { return c > 0 })},
		{"maximum", bound(func(s *jsonschema.Schema) *big.Rat { return s.Maximum }, "<= ", func(c int) bool { return c <= 0 })},
		{"exclusiveMaximum", bound(func(s *jsonschema.Schema) *big.Rat { return s.ExclusiveMaximum }, "< ", func(c int) bool { return c < 0 })},
		{"multipleOf", func(s *jsonschema.Schema, _ *builder) *check {
			if s.MultipleOf == nil {
				return nil
			}
			r := s.MultipleOf
			f, _ := r.Float64()
			msg := " must be a multiple of " + fmt.Sprint(f)
			// An integer divisor of an integer instance is checked without big.Rat, which
			// allocates.
			var small int64
			if r.IsInt() && r.Num().IsInt64() {
				small = r.Num().Int64()
			}
			return &check{valid: func(_ *check, v any, _ *walker, _ int) bool {
				n, ok := v.(json.Number)
				if !ok {
					return true
				}
				if small != 0 {
					if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
						return i%small == 0
					}
				}
				x, ok := new(big.Rat).SetString(string(n))
				return ok && new(big.Rat).Quo(x, r).IsInt()
			}, why: func(_ any, at subject) string { return at.String() + msg }}
		}},
		{"$ref", func(s *jsonschema.Schema, b *builder) *check {
			if s.Ref == nil {
				return nil
			}
			ref := b.child(s.Ref)
			return &check{valid: func(_ *check, v any, w *walker, depth int) bool { return ref.eval(v, w, depth+1) }}
		}},
		{"$recursiveRef", applies(func(s *jsonschema.Schema) []*jsonschema.Schema { return []*jsonschema.Schema{s.RecursiveRef} })},
		{"$dynamicRef", applies(func(s *jsonschema.Schema) []*jsonschema.Schema { return []*jsonschema.Schema{s.DynamicRef} })},
		{"not", func(s *jsonschema.Schema, b *builder) *check {
			if s.Not == nil {
				return nil
			}
			not := b.child(s.Not)
			msg := " must not match the schema under not"
			if len(s.Not.Required) > 0 && len(s.Not.Properties) == 0 {
				q := make([]string, len(s.Not.Required))
				for i, r := range s.Not.Required {
					q[i] = strconv.Quote(r)
				}
				msg = " must not have property " + strings.Join(q, " together with ")
			}
			// The schema under not is only asked for its verdict: its failures are the success.
			return &check{valid: func(_ *check, v any, _ *walker, depth int) bool { return !not.eval(v, nil, depth+1) },
				why: func(_ any, at subject) string { return at.String() + msg }}
		}},
		{"allOf", func(s *jsonschema.Schema, b *builder) *check {
			if len(s.AllOf) == 0 {
				return nil
			}
			all := b.children(s.AllOf)
			return &check{valid: func(_ *check, v any, w *walker, depth int) bool {
				return evalAll(len(all), func(i int) *node { return all[i] }, v, w, depth)
			}}
		}},
		{"anyOf", func(s *jsonschema.Schema, b *builder) *check {
			if len(s.AnyOf) == 0 {
				return nil
			}
			return choice(b, s.AnyOf, false)
		}},
		{"oneOf", func(s *jsonschema.Schema, b *builder) *check {
			if len(s.OneOf) == 0 {
				return nil
			}
			return choice(b, s.OneOf, true)
		}},
		// if is only asked for its verdict; the failures are then's or else's.
		{"if", func(s *jsonschema.Schema, b *builder) *check {
			if s.If == nil {
				return nil
			}
			cond, then, els := b.child(s.If), b.child(s.Then), b.child(s.Else)
			return &check{valid: func(_ *check, v any, w *walker, depth int) bool {
				next := els
				if cond.eval(v, nil, depth+1) {
					next = then
				}
				return next == nil || next.eval(v, w, depth+1)
			}}
		}},
		// The readOnly and writeOnly rules: reached only when the property is present.
		{"readOnly/writeOnly", func(s *jsonschema.Schema, _ *builder) *check {
			kw, ok := s.Extensions["specgate-access"].(forbid)
			if !ok {
				return nil
			}
			msg := " is readOnly and must not be sent in a request"
			if kw == KeywordForbidWriteOnly {
				msg = " is writeOnly and must not be returned in a response"
			}
			return &check{kw: string(kw), valid: func(*check, any, *walker, int) bool { return false },
				why: func(_ any, at subject) string { return at.String() + msg }}
		}},
		// The items and properties no other keyword of the schema evaluated (evaluated.go).
		{"unevaluatedItems", func(s *jsonschema.Schema, b *builder) *check {
			if s.UnevaluatedItems == nil {
				return nil
			}
			sub, e := b.child(s.UnevaluatedItems), b.e
			return &check{valid: func(_ *check, v any, w *walker, depth int) bool {
				a, _ := v.([]any)
				ok := true
				for i := range a {
					if e.evaluated(s, &part{v: v, a: a, i: i}, true, depth) {
						continue
					}
					if w == nil {
						if !sub.eval(a[i], nil, depth+1) {
							return false
						}
						continue
					}
					w.push(strconv.Itoa(i))
					ok = sub.eval(a[i], w, depth+1) && ok
					w.pop()
				}
				return ok
			}}
		}},
		{"unevaluatedProperties", func(s *jsonschema.Schema, b *builder) *check {
			if s.UnevaluatedProperties == nil {
				return nil
			}
			sub, e := b.child(s.UnevaluatedProperties), b.e
			return &check{valid: func(_ *check, v any, w *walker, depth int) bool {
				m, _ := v.(map[string]any)
				return evalProps(m, func(k string) *node {
					if e.evaluated(s, &part{v: v, m: m, k: k}, true, depth) {
						return nil
					}
					return sub
				}, w, depth)
			}}
		}},
		{"regexProperties", func(s *jsonschema.Schema, _ *builder) *check {
			if !s.RegexProperties {
				return nil
			}
			return &check{}
		}},
	}
}

// applies is the entry of an applicator the walk has no check for: it builds the subschemas
// subs returns (nil ones skipped) and leaves the schema to jsonschema/v5.
func applies(subs func(s *jsonschema.Schema) []*jsonschema.Schema) func(*jsonschema.Schema, *builder) *check {
	return func(s *jsonschema.Schema, b *builder) *check {
		present := false
		for _, x := range subs(s) {
			if x != nil {
				b.child(x)
				present = true
			}
		}
		if !present {
			return nil
		}
		return &check{}
	}
}

// The applicators' walks. Each evaluates subschemas that pick chooses (nil: none applies); with
// no walker the first failure decides, with one every subschema is explained, the walk
// following into the property or item it applies to.

// evalAll evaluates v against the subschemas pick gives for 0 <= i < n.
func evalAll(n int, pick func(i int) *node, v any, w *walker, depth int) bool {
	ok := true
	for i := range n {
		if sch := pick(i); sch != nil && !sch.eval(v, w, depth+1) {
			if w == nil {
				return false
			}
			ok = false
		}
	}
	return ok
}

// evalProps evaluates each property of m against the subschema pick gives for its name.
func evalProps(m map[string]any, pick func(k string) *node, w *walker, depth int) bool {
	ok := true
	for k, pv := range m {
		sch := pick(k)
		if sch == nil {
			continue
		}
		if w == nil {
			if !sch.eval(pv, nil, depth+1) {
				return false
			}
			continue
		}
		w.push(jsonptr.Escape(k))
		ok = sch.eval(pv, w, depth+1) && ok
		w.pop()
	}
	return ok
}

// evalItems evaluates the items of a from index from on against the subschema pick gives for
// their index.
func evalItems(a []any, from int, pick func(i int) *node, w *walker, depth int) bool {
	ok := true
	for i := from; i < len(a); i++ {
		if w == nil {
			if !pick(i).eval(a[i], nil, depth+1) {
				return false
			}
			continue
		}
		w.push(strconv.Itoa(i))
		ok = pick(i).eval(a[i], w, depth+1) && ok
		w.pop()
	}
	return ok
}

// sortedPatterns lists the patterns of patternProperties in one order, so that failures come
// in one order too.
func sortedPatterns(pp map[*regexp.Regexp]*jsonschema.Schema) []*regexp.Regexp {
	out := make([]*regexp.Regexp, 0, len(pp))
	for re := range pp {
		out = append(out, re)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// countMatches counts the items of a valid against sub, up to enough.
func countMatches(a []any, sub *node, enough, depth int) int {
	n := 0
	for _, x := range a {
		if n >= enough {
			break
		}
		if sub.eval(x, nil, depth+1) {
			n++
		}
	}
	return n
}

// size is the entry of minProperties, maxProperties, minItems or maxItems: get reads the bound
// from a schema (-1: none), of tells the size of an instance (false: not its business), least
// says whether the bound is a minimum, and noun what is counted.
func size(get func(*jsonschema.Schema) int, of func(v any) (int, bool), least bool, noun string) func(*jsonschema.Schema, *builder) *check {
	return func(s *jsonschema.Schema, _ *builder) *check {
		n := get(s)
		if n < 0 {
			return nil
		}
		msg := " must have at most " + strconv.Itoa(n) + " " + noun
		if least {
			msg = " must have at least " + strconv.Itoa(n) + " " + noun
		}
		return &check{valid: func(_ *check, v any, _ *walker, _ int) bool {
			l, ok := of(v)
			return !ok || least && l >= n || !least && l <= n
		}, why: func(_ any, at subject) string { return at.String() + msg }}
	}
}

func objectSize(v any) (int, bool) {
	m, ok := v.(map[string]any)
	return len(m), ok
}

func arraySize(v any) (int, bool) {
	a, ok := v.([]any)
	return len(a), ok
}

// lengthWhy words a failed minLength or maxLength of s.
func lengthWhy(s *jsonschema.Schema, kw string) func(v any, at subject) string {
	min, max := s.MinLength, s.MaxLength
	return func(v any, at subject) string {
		n := 0
		if str, ok := v.(string); ok {
			n = utf8.RuneCountInString(str)
		}
		switch {
		case min == max:
			return at.String() + " must be exactly " + strconv.Itoa(max) + " characters, got " + strconv.Itoa(n)
		case kw == "minLength":
			return at.String() + " must be at least " + strconv.Itoa(min) + " characters, got " + strconv.Itoa(n)
		}
		return at.String() + " must be at most " + strconv.Itoa(max) + " characters, got " + strconv.Itoa(n)
	}
}

// bound is the entry of a numeric bound: get reads it from a schema, and holds says whether a
// number's comparison with it passes. The message names the bound, never the number (which
// jsonschema/v5's does: "must be <= 10 but found 987654").
func bound(get func(*jsonschema.Schema) *big.Rat, op string, holds func(cmp int) bool) func(*jsonschema.Schema, *builder) *check {
	return func(s *jsonschema.Schema, _ *builder) *check {
		r := get(s)
		if r == nil {
			return nil
		}
		f, _ := r.Float64()
		msg := " must be " + op + fmt.Sprint(f)
		// An integer bound is compared with an integer instance without big.Rat, which
		// allocates.
		var small int64
		isSmall := r.IsInt() && r.Num().IsInt64()
		if isSmall {
			small = r.Num().Int64()
		}
		return &check{valid: func(_ *check, v any, _ *walker, _ int) bool {
			n, ok := v.(json.Number)
			if !ok {
				return true
			}
			if isSmall {
				if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
					return holds(cmpInt(i, small))
				}
			}
			x, ok := new(big.Rat).SetString(string(n))
			return ok && holds(x.Cmp(r))
		}, why: func(_ any, at subject) string { return at.String() + msg }}
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// choice is the check of a oneOf (one) or anyOf: when v fails it, the explanation tells branch
// by branch which matched and every failure of the others; observing, it follows the branch v
// matched.
func choice(b *builder, list []*jsonschema.Schema, one bool) *check {
	c := &check{subs: b.children(list)}
	for _, x := range list {
		c.names = append(c.names, b.e.branchName(x))
	}
	c.valid = func(c *check, v any, w *walker, depth int) bool {
		var buf [8]bool
		matched, n, first := buf[:0], 0, -1
		for i, x := range c.subs {
			ok := x.eval(v, nil, depth+1)
			if ok {
				n++
				if first < 0 {
					first = i
				}
				if !one {
					break
				}
			}
			matched = append(matched, ok)
		}
		if n == 1 || !one && n > 0 {
			if w != nil && w.choices != nil {
				*w.choices = append(*w.choices, Choice{Location: c.at, Index: first, Name: c.names[first]})
				c.subs[first].eval(v, w, depth+1)
			}
			return true
		}
		if w == nil || w.choices != nil {
			return false
		}
		outer := w.out
		outcomes := make([]branchOutcome, len(c.subs))
		for i, x := range c.subs {
			if outcomes[i].matched = matched[i]; !matched[i] {
				w.out = nil
				x.eval(v, w, depth+1)
				outcomes[i].failures = w.out
			}
		}
		w.out = append(outer, explanation(c.at, c.kw, w.at(), w.label, c.names, outcomes))
		return false
	}
	return c
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

// typeBits are the JSON types as bits of a set.
var typeBits = map[string]uint8{"null": tNull, "boolean": tBool, "integer": tInteger, "number": tNumber, "string": tString, "array": tArray, "object": tObject}

// typeOK reports whether v has one of the types of the set bits.
func typeOK(bits uint8, v any) bool {
	switch t := v.(type) {
	case nil:
		return bits&tNull != 0
	case bool:
		return bits&tBool != 0
	case string:
		return bits&tString != 0
	case []any:
		return bits&tArray != 0
	case map[string]any:
		return bits&tObject != 0
	case json.Number:
		if bits&tNumber != 0 {
			return true
		}
		if bits&tInteger == 0 {
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

// enumText lists the allowed values of an enum as JSON.
func enumText(enum []any) string {
	vals := make([]string, len(enum))
	for i, e := range enum {
		b, _ := json.Marshal(e)
		vals[i] = string(b)
	}
	return strings.Join(vals, ", ")
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

// duplicate returns the first pair i < j of equal items of a, by j and then i, as jsonschema/v5
// reports it; j is -1 when the items are unique. Short arrays are compared pairwise without
// allocating; longer ones through a hash of each item, so that the time stays linear.
func duplicate(a []any) (int, int) {
	if len(a) <= 20 {
		for j := 1; j < len(a); j++ {
			for i := range j {
				if equal(a[i], a[j]) {
					return i, j
				}
			}
		}
		return -1, -1
	}
	seen := make(map[uint64][]int, len(a))
	for j, x := range a {
		var h maphash.Hash
		h.SetSeed(hashSeed)
		hashValue(x, &h)
		k := h.Sum64()
		for _, i := range seen[k] {
			if equal(a[i], x) {
				return i, j
			}
		}
		seen[k] = append(seen[k], j)
	}
	return -1, -1
}

var hashSeed = maphash.MakeSeed()

// hashValue hashes v so that values equal as equal defines it hash alike: a number by its
// nearest float64, which equal numbers share; an object's members in any order.
func hashValue(v any, h *maphash.Hash) {
	switch t := v.(type) {
	case nil:
		h.WriteByte('n')
	case bool:
		if t {
			h.WriteByte('t')
		} else {
			h.WriteByte('f')
		}
	case string:
		h.WriteByte('s')
		h.WriteString(t)
	case json.Number:
		f, _ := strconv.ParseFloat(string(t), 64)
		h.WriteByte('d')
		var b [8]byte
		u := math.Float64bits(f + 0) // -0 and 0 alike
		for i := range b {
			b[i] = byte(u >> (8 * i))
		}
		h.Write(b[:])
	case []any:
		h.WriteByte('[')
		for _, x := range t {
			hashValue(x, h)
		}
		h.WriteByte(']')
	case map[string]any:
		var sum uint64
		for k, x := range t {
			var m maphash.Hash
			m.SetSeed(hashSeed)
			m.WriteString(k)
			hashValue(x, &m)
			sum += m.Sum64()
		}
		h.WriteByte('{')
		var b [8]byte
		for i := range b {
			b[i] = byte(sum >> (8 * i))
		}
		h.Write(b[:])
	}
}

// dependentMessage words the failure of dependentRequired: the instance at has the property
// name but not req.
func dependentMessage(at subject, name, req string) string {
	return at.String() + " is missing property " + strconv.Quote(req) + ", required when " + strconv.Quote(name) + " is present"
}
