package schema

// The annotations unevaluatedProperties and unevaluatedItems read: which properties and items
// of an instance the schema's other keywords, and the subschemas it applies in place that the
// instance is valid against, evaluated. They are worked out when asked, for one property or
// item at a time, by the schema's own entries: a schema without unevaluated* pays nothing,
// and one with them allocates nothing either. The rules are jsonschema/v5's: a subschema's
// annotations count only when the instance is valid against it; all valid branches of anyOf
// count, those of oneOf up to the second that matches; if counts when valid, and then or else
// as chosen.

import jsonschema "github.com/specgate/specgate/internal/third_party/jsonschema"

// part is the property or item whose evaluation is asked: the property k of m, or the item
// i of a; v is m or a as the walk has it (boxing it again would allocate).
type part struct {
	v any
	m map[string]any
	k string
	a []any
	i int
}

// evaluated reports whether s evaluates the part p; self says s is the schema whose
// unevaluated* asks, which does not count itself.
func (e *engine) evaluated(s *jsonschema.Schema, p *part, self bool, depth int) bool {
	if depth > 256 || s.Always != nil {
		return false
	}
	if p.a == nil && e.ownsProperty(s, p.k, self) || p.a != nil && e.ownsItem(s, p.a, p.i, self, depth) {
		return true
	}
	// The subschemas applied in place whose annotations count: the instance valid against them.
	v := p.v
	if p.a == nil {
		for name, d := range s.Dependencies {
			if sub, isSchema := d.(*jsonschema.Schema); isSchema {
				if _, has := p.m[name]; has && e.counts(sub, p, depth) {
					return true
				}
			}
		}
		for name, sub := range s.DependentSchemas {
			if _, has := p.m[name]; has && e.counts(sub, p, depth) {
				return true
			}
		}
	}
	if e.counts(s.Ref, p, depth) || e.counts(s.Not, p, depth) {
		return true
	}
	for _, sub := range s.AllOf {
		if e.counts(sub, p, depth) {
			return true
		}
	}
	for _, sub := range s.AnyOf {
		if e.counts(sub, p, depth) {
			return true
		}
	}
	matched := 0
	for _, sub := range s.OneOf {
		if matched == 2 {
			break // jsonschema/v5 stops at the second branch that matches
		}
		if e.valid(sub, v, depth) {
			matched++
			if e.evaluated(sub, p, false, depth+1) {
				return true
			}
		}
	}
	if s.If != nil {
		if e.valid(s.If, v, depth) {
			return e.evaluated(s.If, p, false, depth+1) || e.counts(s.Then, p, depth)
		}
		return e.counts(s.Else, p, depth)
	}
	return false
}

// counts reports whether sub is there, the instance valid against it, and evaluates p.
func (e *engine) counts(sub *jsonschema.Schema, p *part, depth int) bool {
	return sub != nil && e.valid(sub, p.v, depth) && e.evaluated(sub, p, false, depth+1)
}

func (e *engine) valid(sub *jsonschema.Schema, v any, depth int) bool {
	n := e.memo[sub]
	return n != nil && n.eval(v, nil, depth+1)
}

// ownsProperty reports whether a keyword of s itself evaluates the property k.
func (e *engine) ownsProperty(s *jsonschema.Schema, k string, self bool) bool {
	if !self && s.UnevaluatedProperties != nil || s.AdditionalProperties != nil {
		return true
	}
	if _, ok := s.Properties[k]; ok {
		return true
	}
	for re := range s.PatternProperties {
		if re.MatchString(k) {
			return true
		}
	}
	return false
}

// ownsItem reports whether a keyword of s itself evaluates the item i of a.
func (e *engine) ownsItem(s *jsonschema.Schema, a []any, i int, self bool, depth int) bool {
	if !self && s.UnevaluatedItems != nil || i < len(s.PrefixItems) || s.Items2020 != nil {
		return true
	}
	switch items := s.Items.(type) {
	case *jsonschema.Schema:
		return true
	case []*jsonschema.Schema:
		if i < len(items) {
			return true
		}
		switch add := s.AdditionalItems.(type) {
		case *jsonschema.Schema:
			return true
		case bool:
			if add {
				return true
			}
		}
	}
	return s.Contains != nil && s.ContainsEval && (s.MinContains != -1 || s.MaxContains != -1) && e.valid(s.Contains, a[i], depth)
}
