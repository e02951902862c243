package lint

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/specgate/specgate/internal/jsonptr"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// oneOfs searches the oneOf of n, a schema of the document, for a witness: an instance that two branches
// accept. Such an instance matches no oneOf ("exactly one"), so the spec rejects a value that
// both branches were written to describe; the usual cause is branches that require nothing
// and allow any property.
//
// The candidates are, for each branch, its own example, its maximal instance (every property)
// and its minimal instance (its required properties, each with its example, enum, default or a
// typed placeholder); for each pair of branches, the unions of their minimal and of their
// maximal objects; and the empty values of each type. The examples and maximal instances come
// first, since a witness built from documented values is a reply a client really gets; the
// rest are tried smallest first, so the witness printed is the simplest one found. A oneOf for
// which no candidate is accepted twice may still be ambiguous (the search is not a proof of
// exclusivity), but every finding is a proof.
//
// The search of one oneOf has a budget of steps (Options.OneOfBudget): a step is one value of
// an instance built or checked against a branch. Unions of dozens of large branches (OpenSearch's
// query and aggregation containers) would otherwise take minutes; counting steps rather than
// time makes the verdict the same on every machine. A oneOf whose budget runs out with pairs
// of branches not yet decided is reported as RuleOneOfUndecided.
func (l *linter) oneOfs(n *specs.Node) {
	if branches, ok := n.Value["oneOf"].([]any); ok && n.Kind == specs.KindSchema && len(branches) >= 2 {
		l.oneOf(n.Place, len(branches))
	}
}

// DefaultOneOfBudget is the number of steps the witness search of one oneOf may take when
// Options.OneOfBudget is zero. It decides every oneOf of the specs specgate ships and of most
// published ones, and stops the largest OpenSearch unions after about a second.
const DefaultOneOfBudget = 200_000

// candidate is an instance the witness search tries, as a JSON value, with its size in values
// (the steps checking it against one branch costs) and its key for the verdict cache.
type candidate struct {
	value any
	size  int
	key   string
}

// search is the witness search of one oneOf.
type search struct {
	l      *linter
	left   int // steps left
	gen    *generator
	accept map[[2]int]bool  // verdict by branch and candidate index
	raw    []map[string]any // each branch as written, its $refs followed
	cands  []candidate
	index  map[string]int
}

// spend takes n steps from the budget and reports whether there were enough.
func (s *search) spend(n int) bool {
	if s.left < n {
		s.left = 0
		return false
	}
	s.left -= n
	return true
}

// add registers a candidate and returns its index, or -1 when it is no JSON value.
func (s *search) add(v any) int {
	c, ok := newCandidate(v)
	if !ok {
		return -1
	}
	if i, ok := s.index[c.key]; ok {
		return i
	}
	s.index[c.key] = len(s.cands)
	s.cands = append(s.cands, c)
	return len(s.cands) - 1
}

func newCandidate(v any) (candidate, bool) {
	j, err := toJSON(v)
	if err != nil {
		return candidate{}, false
	}
	b, err := json.Marshal(j)
	if err != nil {
		return candidate{}, false
	}
	return candidate{value: j, size: countValues(j), key: string(b)}, true
}

// countValues counts the JSON values of v, itself included.
func countValues(v any) int {
	n := 1
	switch t := v.(type) {
	case map[string]any:
		for _, e := range t {
			n += countValues(e)
		}
	case []any:
		for _, e := range t {
			n += countValues(e)
		}
	}
	return n
}

// errBudget stops a search whose budget ran out.
var errBudget = errors.New("budget spent")

// accepts reports whether branch b accepts candidate c, checking each pair once.
func (s *search) accepts(schemas []*validator.Schema, b, c int) (bool, error) {
	k := [2]int{b, c}
	if v, ok := s.accept[k]; ok {
		return v, nil
	}
	if err := s.l.ctx.Err(); err != nil {
		return false, err
	}
	if excludes(s.raw[b], s.cands[c].value) {
		if !s.spend(1) {
			return false, errBudget
		}
		s.accept[k] = false
		return false, nil
	}
	if !s.spend(s.cands[c].size) {
		return false, errBudget
	}
	ok, err := accepts(schemas[b], s.cands[c].value)
	if err != nil {
		return false, err
	}
	s.accept[k] = ok
	return ok, nil
}

// excludes reports whether a branch's own type or required list rejects v: a check whose
// answer is known without the schema engine. OpenSearch's containers are oneOfs of dozens of
// objects that each require their own property, where nearly every candidate is rejected so.
func excludes(m map[string]any, v any) bool {
	if obj, ok := v.(map[string]any); ok {
		if req, ok := m["required"].([]any); ok {
			for _, r := range req {
				if name, ok := r.(string); ok {
					if _, has := obj[name]; !has {
						return true
					}
				}
			}
		}
	}
	t, ok := m["type"].(string)
	if !ok || m["nullable"] == true {
		return false
	}
	switch v.(type) {
	case map[string]any:
		return t != "object"
	case []any:
		return t != "array"
	case string:
		return t != "string"
	case bool:
		return t != "boolean"
	case nil:
		return t != "null"
	case json.Number:
		return t != "number" && t != "integer"
	}
	return false
}

// maxAmbiguousPairs bounds the pairs reported for one oneOf: a union of 65 objects that each
// require their own property and allow any other has 2,080 ambiguous pairs, and the first ones
// say what to fix.
const maxAmbiguousPairs = 20

func (l *linter) oneOf(p place, n int) {
	if l.err != nil || !l.once("oneOf "+p.File+"#"+p.Pointer) {
		return
	}
	s := &search{l: l, left: l.oneOfBudget, accept: map[[2]int]bool{}, index: map[string]int{}}
	s.gen = &generator{l: l, spend: s.spend}
	schemas := make([]*validator.Schema, n)
	names := make([]string, n)
	bps := make([]place, n)
	s.raw = make([]map[string]any, n)
	for i := range n {
		bps[i] = p.At("oneOf", fmt.Sprint(i))
		sch, ok := l.compile(bps[i], dirNone)
		if !ok {
			return
		}
		schemas[i] = sch
		names[i] = l.branchName(bps[i])
		_, s.raw[i], _ = l.resolve(bps[i])
	}
	pairs := n * (n - 1) / 2
	undecided := func(decided int, first [2]int) {
		f := l.finding(RuleOneOfUndecided, p.File, jsonptr.Join(p.Pointer, "oneOf"), fmt.Sprintf(
			"the witness search stopped at its budget of %d steps with %d of the %d pairs of branches undecided (the first: branches %d (%s) and %d (%s)), so this oneOf may or may not accept a value in two branches; raise the budget (--oneof-budget) to decide it",
			l.oneOfBudget, pairs-decided, pairs, first[0], names[first[0]], first[1], names[first[1]]))
		l.add(f)
	}
	// The shared candidates: examples and maximal instances first, in branch order, then the
	// minimal instances and the empty values, smallest first.
	var preferred, rest []int
	mins, maxs := make([]any, n), make([]any, n)
	for i := range n {
		if _, m, ok := l.resolve(bps[i]); ok {
			if ex, ok := m["example"]; ok {
				preferred = append(preferred, s.add(ex))
			}
		}
		maxs[i] = s.gen.maximal(bps[i])
		preferred = append(preferred, s.add(maxs[i]))
		mins[i] = s.gen.minimal(bps[i])
		rest = append(rest, s.add(mins[i]))
		if s.left == 0 {
			undecided(0, [2]int{0, 1})
			return
		}
	}
	for _, v := range []any{map[string]any{}, []any{}, "", json.Number("0"), false, nil} {
		rest = append(rest, s.add(v))
	}
	prefix, tail := s.order(preferred, rest)
	decided, found := 0, 0
	for i := range n {
		for j := i + 1; j < n; j++ {
			if found == maxAmbiguousPairs {
				last := &l.findings[len(l.findings)-1]
				last.Details = append(last.Details, fmt.Sprintf(
					"the search stopped after %d ambiguous pairs of this oneOf's %d; there may be more", maxAmbiguousPairs, pairs))
				return
			}
			// The unions of this pair's objects are tried with the shared candidates, in size order.
			own := []int{s.add(union(mins[i], mins[j])), s.add(union(maxs[i], maxs[j]))}
			w, err := s.witness(schemas, i, j, s.pairOrder(prefix, tail, own))
			switch {
			case errors.Is(err, errBudget):
				undecided(decided, [2]int{i, j})
				return
			case l.stopped(err):
				return
			case err != nil:
				l.fail(p, err)
				return
			}
			decided++
			if w < 0 {
				continue
			}
			f := l.finding(RuleOneOfAmbiguous, p.File, jsonptr.Join(p.Pointer, "oneOf"), fmt.Sprintf(
				"branches %d (%s) and %d (%s) of this oneOf both accept the witness, so a value like it matches no branch under oneOf's exactly-one rule; make the branches exclusive (required properties, additionalProperties: false, or not: {required: [...]})",
				i, names[i], j, names[j]))
			f.Witness = s.cands[w].value
			l.add(f)
			found++
		}
	}
}

// witness returns the first candidate of order that branches i and j both accept, or -1.
func (s *search) witness(schemas []*validator.Schema, i, j int, order []int) (int, error) {
	for _, c := range order {
		ok, err := s.accepts(schemas, i, c)
		if err != nil || !ok {
			if err != nil {
				return -1, err
			}
			continue
		}
		ok, err = s.accepts(schemas, j, c)
		if err != nil {
			return -1, err
		}
		if ok {
			return c, nil
		}
	}
	return -1, nil
}

// order returns the preferred candidates in their order, each once, and the rest smallest
// first, without those already preferred.
func (s *search) order(preferred, rest []int) (prefix, tail []int) {
	seen := map[int]bool{-1: true}
	for _, c := range preferred {
		if !seen[c] {
			seen[c] = true
			prefix = append(prefix, c)
		}
	}
	for _, c := range rest {
		if !seen[c] {
			seen[c] = true
			tail = append(tail, c)
		}
	}
	s.bySize(tail)
	return prefix, tail
}

// pairOrder is the order of candidates for one pair of branches: the preferred ones, then the
// shared tail with the pair's own unions inserted in size order.
func (s *search) pairOrder(prefix, tail, own []int) []int {
	out := append(append([]int(nil), prefix...), tail...)
	k := len(prefix)
	for _, c := range own {
		if c >= 0 && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	s.bySize(out[k:])
	return out
}

// bySize sorts candidate indexes by size, then by their JSON text, so the order is the same
// on every run.
func (s *search) bySize(idx []int) {
	sort.SliceStable(idx, func(a, b int) bool {
		ca, cb := s.cands[idx[a]], s.cands[idx[b]]
		if ca.size != cb.size {
			return ca.size < cb.size
		}
		return len(ca.key) < len(cb.key) || len(ca.key) == len(cb.key) && ca.key < cb.key
	})
}

// branchName names a branch by the component it refers to, else by its pointer.
func (l *linter) branchName(p place) string {
	at, _, ok := l.resolve(p)
	if !ok {
		return "unresolved"
	}
	if name, ok := strings.CutPrefix(at.Pointer, "/components/schemas/"); ok && !strings.Contains(name, "/") {
		return jsonptr.Unescape(name)
	}
	return "inline"
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
	// spend takes steps from the search's budget; a build stops adding values when it says no.
	spend func(int) bool
	// left is what the instance being built may still grow by.
	left int
}

const (
	maxDepth = 8
	// maxInstance bounds the values of one built instance: a maximal instance of a schema whose
	// properties are unions of large schemas would otherwise grow exponentially with the depth.
	maxInstance = 500
)

// minimal builds the smallest instance the schema at p describes: its const, first enum value,
// example or default when it has one, else a placeholder of its type; an object gets its
// required properties only.
func (g *generator) minimal(p place) any {
	return g.top(p, false)
}

// maximal builds an instance with every declared property.
func (g *generator) maximal(p place) any {
	return g.top(p, true)
}

func (g *generator) top(p place, all bool) any {
	g.left = maxInstance
	return g.build(p, 0, all)
}

// grow takes one value from the instance's allowance and from the budget.
func (g *generator) grow() bool {
	if g.left <= 0 || !g.spend(1) {
		return false
	}
	g.left--
	return true
}

func (g *generator) build(p place, depth int, all bool) any {
	if depth > maxDepth || !g.grow() {
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
			out = union(out, g.build(at.At("allOf", fmt.Sprint(i)), depth+1, all))
		}
		if obj, ok := out.(map[string]any); ok {
			return union(obj, g.object(at, m, depth, all))
		}
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		if list, ok := m[k].([]any); ok && len(list) > 0 {
			return g.build(at.At(k, "0"), depth+1, all)
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
		if lo, ok := number(m["minItems"]); ok && int(lo) > n {
			n = min(int(lo), maxInstance)
		}
		items := make([]any, 0, n)
		if _, ok := m["items"].(map[string]any); ok {
			for range n {
				items = append(items, g.build(at.At("items"), depth+1, all))
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
	// Required properties first, then the others, each in name order: when the allowance runs
	// out, what was built is the same on every run and has what the schema requires.
	var order []string
	if req, ok := m["required"].([]any); ok {
		for _, r := range req {
			if s, ok := r.(string); ok && !slices.Contains(order, s) {
				order = append(order, s)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(props)) {
		if names[k] && !slices.Contains(order, k) {
			order = append(order, k)
		}
	}
	for _, name := range order {
		if _, ok := props[name]; ok {
			out[name] = g.build(at.At("properties", name), depth+1, all)
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
