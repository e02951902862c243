package lint

import (
	"encoding/json"
	"fmt"
	"github.com/specgate/specgate/internal/jsonptr"
	"github.com/specgate/specgate/validator"
	"sort"
	"strings"
)

// oneOfs searches every oneOf of the document for a witness: an instance that two branches
// accept. Such an instance matches no oneOf ("exactly one"), so the spec rejects a value that
// both branches were written to describe; the usual cause is branches that require nothing
// and allow any property.
//
// The candidates are, for each branch, its minimal instance (its required properties, each
// with its example, enum, default or a typed placeholder), its maximal instance (every
// property), its own example; the unions of two branches' minimal and maximal objects; and
// the empty values of each type. Candidates are tried smallest first, so the witness printed is
// the simplest one found. A oneOf for which no candidate is accepted twice may still be
// ambiguous (the search is not a proof of exclusivity), but every finding is a proof.
func (l *linter) oneOfs() {
	var roots []place
	if f, err := l.src.File(l.root); err == nil {
		collectSchemaRoots(f.Value, "", &roots, l.root)
	}
	l.walkSchemas(roots, func(p place, m map[string]any) {
		branches, ok := m["oneOf"].([]any)
		if !ok || len(branches) < 2 {
			return
		}
		l.oneOf(p, len(branches))
	})
}

// collectSchemaRoots finds every "schema" of the document's operations and components, and
// every component schema.
func collectSchemaRoots(v any, ptr string, out *[]place, file string) {
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			if strings.HasPrefix(k, "x-") || k == "example" || k == "examples" || k == "default" || k == "enum" {
				continue
			}
			child := jsonptr.Join(ptr, k)
			switch {
			case k == "schema":
				*out = append(*out, place{file, child})
			case ptr == "/components/schemas":
				*out = append(*out, place{file, child})
			default:
				collectSchemaRoots(t[k], child, out, file)
			}
		}
	case []any:
		for i, e := range t {
			collectSchemaRoots(e, jsonptr.Join(ptr, fmt.Sprint(i)), out, file)
		}
	}
}

func (l *linter) oneOf(p place, n int) {
	if !l.once("oneOf " + p.file + "#" + p.ptr) {
		return
	}
	schemas := make([]*validator.Schema, n)
	names := make([]string, n)
	g := &generator{l: l}
	// A branch's fullest instance, built from the examples its properties document, comes first:
	// when it proves the ambiguity, the witness is a reply a client really gets. Then the rest,
	// smallest first.
	var preferred, cands []any
	for i := range n {
		bp := p.at("oneOf", fmt.Sprint(i))
		sch, ok := l.compile(bp, dirNone)
		if !ok {
			return
		}
		schemas[i] = sch
		names[i] = l.branchName(bp)
		preferred = append(preferred, g.maximal(bp, 0))
		cands = append(cands, g.minimal(bp, 0))
		if _, m, ok := l.resolve(bp); ok {
			if ex, ok := m["example"]; ok {
				preferred = append([]any{ex}, preferred...)
			}
		}
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			bi, bj := p.at("oneOf", fmt.Sprint(i)), p.at("oneOf", fmt.Sprint(j))
			cands = append(cands, union(g.minimal(bi, 0), g.minimal(bj, 0)), union(g.maximal(bi, 0), g.maximal(bj, 0)))
		}
	}
	cands = append(cands, map[string]any{}, []any{}, "", json.Number("0"), false, nil)
	ordered := append(dedupe(preferred), orderCandidates(cands)...)
	for i := range n {
		for j := i + 1; j < n; j++ {
			for _, c := range ordered {
				if schemas[i].Accepts(c) && schemas[j].Accepts(c) {
					f := l.finding(RuleOneOfAmbiguous, p.file, jsonptr.Join(p.ptr, "oneOf"), fmt.Sprintf(
						"branches %d (%s) and %d (%s) of this oneOf both accept the witness, so a value like it matches no branch under oneOf's exactly-one rule; make the branches exclusive (required properties, additionalProperties: false, or not: {required: [...]})",
						i, names[i], j, names[j]))
					f.Witness = c
					l.add(f)
					break
				}
			}
		}
	}
}

// branchName names a branch by the component it refers to, else by its pointer.
func (l *linter) branchName(p place) string {
	at, _, ok := l.resolve(p)
	if !ok {
		return "unresolved"
	}
	if name, ok := strings.CutPrefix(at.ptr, "/components/schemas/"); ok && !strings.Contains(name, "/") {
		return jsonptr.Unescape(name)
	}
	return "inline"
}

// dedupe returns the candidates that are JSON values, in order, without repeats.
func dedupe(cands []any) []any {
	seen := map[string]bool{}
	var out []any
	for _, c := range cands {
		v, err := toJSON(c)
		if err != nil {
			continue
		}
		b, err := json.Marshal(v)
		if err != nil || seen[string(b)] {
			continue
		}
		seen[string(b)] = true
		out = append(out, v)
	}
	return out
}

// orderCandidates turns candidates into JSON values, drops duplicates, and sorts them by size.
func orderCandidates(cands []any) []any {
	out := dedupe(cands)
	size := make(map[int]int, len(out))
	for i, v := range out {
		b, _ := json.Marshal(v)
		size[i] = len(b)
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return size[idx[a]] < size[idx[b]] })
	sorted := make([]any, len(out))
	for i, k := range idx {
		sorted[i] = out[k]
	}
	return sorted
}

// union merges two objects (the second's properties win), or returns nil when either is not
// an object.
func union(a, b any) any {
	ma, ok1 := a.(map[string]any)
	mb, ok2 := b.(map[string]any)
	if !ok1 || !ok2 {
		return nil
	}
	out := make(map[string]any, len(ma)+len(mb))
	for k, v := range ma {
		out[k] = v
	}
	for k, v := range mb {
		out[k] = v
	}
	return out
}

// generator builds instances from the schemas of a spec.
type generator struct {
	l *linter
}

const maxDepth = 8

// minimal builds the smallest instance the schema at p describes: its const, first enum value,
// example or default when it has one, else a placeholder of its type; an object gets its
// required properties only.
func (g *generator) minimal(p place, depth int) any {
	return g.build(p, depth, false)
}

// maximal builds an instance with every declared property.
func (g *generator) maximal(p place, depth int) any {
	return g.build(p, depth, true)
}

func (g *generator) build(p place, depth int, all bool) any {
	if depth > maxDepth {
		return nil
	}
	at, m, ok := g.l.resolve(p)
	if !ok {
		return nil
	}
	if v, ok := m["const"]; ok {
		return v
	}
	if enum, ok := m["enum"].([]any); ok && len(enum) > 0 {
		return enum[0]
	}
	typ := schemaType(m)
	if typ != "object" && typ != "array" {
		if v, ok := m["example"]; ok {
			return v
		}
		if v, ok := m["default"]; ok {
			return v
		}
	}
	if list, ok := m["allOf"].([]any); ok && len(list) > 0 {
		var out any = map[string]any{}
		for i := range list {
			out = union(out, g.build(at.at("allOf", fmt.Sprint(i)), depth+1, all))
		}
		if obj, ok := out.(map[string]any); ok {
			return union(obj, g.object(at, m, depth, all))
		}
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		if list, ok := m[k].([]any); ok && len(list) > 0 {
			return g.build(at.at(k, "0"), depth+1, all)
		}
	}
	switch typ {
	case "object":
		return g.object(at, m, depth, all)
	case "array":
		n := 0
		if all {
			n = 1
		}
		if min, ok := number(m["minItems"]); ok && int(min) > n {
			n = int(min)
		}
		items := make([]any, 0, n)
		if _, ok := m["items"].(map[string]any); ok {
			for range n {
				items = append(items, g.build(at.at("items"), depth+1, all))
			}
		}
		return items
	case "string":
		return placeholder(m)
	case "integer", "number":
		n := 0.0
		if min, ok := number(m["minimum"]); ok && min > n {
			n = min
		}
		if max, ok := number(m["maximum"]); ok && max < n {
			n = max
		}
		return json.Number(fmt.Sprint(n))
	case "boolean":
		return false
	case "null":
		return nil
	}
	return map[string]any{}
}

func (g *generator) object(at place, m map[string]any, depth int, all bool) map[string]any {
	out := map[string]any{}
	props, _ := m["properties"].(map[string]any)
	names := map[string]bool{}
	if all {
		for k := range props {
			names[k] = true
		}
	}
	if req, ok := m["required"].([]any); ok {
		for _, r := range req {
			if s, ok := r.(string); ok {
				names[s] = true
			}
		}
	}
	for name := range names {
		if _, ok := props[name]; ok {
			out[name] = g.build(at.at("properties", name), depth+1, all)
		} else {
			out[name] = ""
		}
	}
	return out
}

// schemaType is the schema's type, "object" when it has properties but no type, "" when it says
// nothing about its type. A 3.1 type list yields its first non-null type.
func schemaType(m map[string]any) string {
	switch t := m["type"].(type) {
	case string:
		return t
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok && s != "null" {
				return s
			}
		}
	}
	if _, ok := m["properties"]; ok {
		return "object"
	}
	if _, ok := m["required"]; ok {
		return "object"
	}
	return ""
}

// placeholder builds a string that satisfies the schema's format and length.
func placeholder(m map[string]any) string {
	s := ""
	switch m["format"] {
	case "uuid":
		s = "00000000-0000-0000-0000-000000000000"
	case "email":
		s = "user@example.com"
	case "date-time":
		s = "2024-01-01T00:00:00Z"
	case "date":
		s = "2024-01-01"
	case "time":
		s = "00:00:00Z"
	case "uri", "url", "iri":
		s = "https://example.com/"
	case "uri-reference", "iri-reference":
		s = "/"
	case "hostname", "idn-hostname":
		s = "example.com"
	case "ipv4":
		s = "127.0.0.1"
	case "ipv6":
		s = "::1"
	case "byte":
		s = ""
	}
	if min, ok := number(m["minLength"]); ok && len(s) < int(min) {
		s += strings.Repeat("a", int(min)-len(s))
	}
	return s
}

// number reads a numeric keyword.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}
