package fuzz

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// stateRef stands for a value of Options.State, chosen per request so that every place that
// names the same key in one request (a path id and the body's id) gets the same value.
type stateRef struct {
	key string
	// unknown is a value of the same schema that no State value is: what the request's
	// unknown-identifier case sends instead (nil when generation cannot make one).
	unknown any
}

// absent marks an optional property or parameter left out.
type absent struct{}

// generator makes values from schemas. It is deterministic for a seed.
//
// Generation of one operation is bounded twice, so that recursive unions (OpenSearch's query
// DSL, where every query holds queries) end quickly with values of bounded size: each value has
// a room of nodes (bodyNodes at the top) that its parts share, and the operation has a budget of
// steps (Options.GenerationBudget), a step being one schema visited or one value made. A part
// without room, or any part once the steps are spent, gets only its minimal value (required
// properties only, the first branch that gives one); optional parts are then left out, and the
// run says so in a note. Both bounds count work, not time, so the same seed gives the same
// requests on every machine.
type generator struct {
	rnd   *rand.Rand
	state func(op *operation, name string) string // the State key for name, "" when none
	known map[string][]string                     // the State values, by key
	// unknowns holds the unknown value of each State key met (stateRef.unknown).
	unknowns map[string]any
	op       *operation
	// unbound lists the names of identifiers generated without state, each with its qualified
	// name (alias) under which other operations' replies may carry it.
	unbound map[string]string
	// parent names the object (or resource) whose member is being generated: "user" for
	// user.id, "user" for the path id of /users/{id}.
	parent string
	// ctx stops generation in progress (the run's --duration); left is the steps remaining.
	ctx  context.Context
	left int
	// spent is true once the steps ran out; trimmed counts the optional parts and branches
	// left out for lack of room or steps; stopped is true when ctx ended generation.
	spent   bool
	trimmed int
	stopped bool
	// ranOut is spent that negativeCases does not reset: the note's.
	ranOut bool
	// text is true while a form body's values are made: its fields are text, which has no
	// null, no empty list and no types but what text shows.
	text bool
	// patterns are the run's compiled patterns.
	patterns patterns
	// ecmaOnly lists the patterns Go's regexp/syntax does not parse, whose strings come only
	// from examples, for a note.
	ecmaOnly map[string]bool
}

// maxDepth bounds the nesting generation follows, so that a recursive schema ends.
const maxDepth = 6

// bodyNodes is the room of one generated body or parameter value: the JSON values (objects,
// arrays, scalars) it may hold. The embedded specs' largest positive, 32 user-profile items, has
// some 230.
const bodyNodes = 400

// DefaultGenerationBudget is the steps generating one operation's requests may take when
// Options.GenerationBudget is zero: enough for every embedded operation and most published
// ones whole (OpenSearch's query DSL takes more, and its generation is cut).
const DefaultGenerationBudget = 20_000

// spend takes n steps. Every few thousand it looks at ctx, so that the run's time limit cuts
// generation in progress: from then on, as when the steps are spent, only minimal values are
// made, which takes a few steps per schema.
func (g *generator) spend(n int) {
	before := g.left
	g.left -= n
	if g.left <= 0 {
		g.spent, g.ranOut = true, true
	}
	if g.ctx != nil && before/4096 != g.left/4096 && g.ctx.Err() != nil {
		g.stopped, g.spent, g.left = true, true, 0
	}
}

// minimal reports whether only minimal values may be made: no room or no steps left.
func (g *generator) minimal(room int) bool { return room <= 0 || g.spent }

// bigLength is the length tried for strings and arrays with no maximum: longer than the
// column sizes (32, 64, 255) and batch limits (10, 25) servers commonly have.
const bigLength = 256

const bigItems = 32

func (g *generator) word(n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[g.rnd.Intn(len(letters))]
	}
	return string(b)
}

func (g *generator) uuid() string {
	b := make([]byte, 16)
	g.rnd.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// positives returns values s accepts: its boundaries, each enum value, each branch. The first
// is the fullest (every optional property present), which negatives start from.
//
// room is the nodes the value may hold; with none (or no steps left) only the first, minimal
// value is made.
func (g *generator) positives(s *openapi3.Schema, name string, depth, room int) []any {
	if s == nil {
		return []any{"x"}
	}
	if depth > maxDepth {
		g.trimmed++
		return nil // an optional part this deep is left out; a required one leaves its parent without values
	}
	g.spend(1)
	if len(s.AllOf) > 0 {
		s = merged(s)
	}
	var out []any
	if len(s.OneOf) > 0 || len(s.AnyOf) > 0 {
		branches := append(append([]*openapi3.SchemaRef(nil), s.OneOf...), s.AnyOf...)
		for i, br := range branches {
			if br == nil || br.Value == nil {
				continue
			}
			vals := g.positives(withParent(s, br.Value), name, depth+1, room)
			if g.minimal(room) && len(vals) > 0 {
				g.trimmed += len(branches) - i - 1
				return vals[:1]
			}
			out = append(out, vals...)
		}
		return out
	}
	if s.Const != nil {
		return []any{s.Const}
	}
	if len(s.Enum) > 0 {
		if g.minimal(room) {
			return s.Enum[:1]
		}
		out = append(out, s.Enum...)
		return out
	}
	switch typeOf(s) {
	case "object":
		out = g.objects(s, name, depth, room)
	case "array":
		out = g.arrays(s, name, depth, room)
	case "string":
		out = g.strings(s, name)
	case "integer":
		out = g.numbers(s, true)
	case "number":
		out = g.numbers(s, false)
	case "boolean":
		out = []any{true, false}
	default:
		out = []any{"x"}
	}
	if g.minimal(room) {
		if len(out) > 1 {
			out = out[:1]
		}
		return out
	}
	if s.Nullable && !g.text { // a form has no null
		out = append(out, nil)
	}
	g.spend(len(out))
	return out
}

// withParent returns a oneOf branch with the parent's own properties added, which a branch
// inherits.
func withParent(parent, branch *openapi3.Schema) *openapi3.Schema {
	if len(parent.Properties) == 0 {
		return branch
	}
	c := *branch
	c.Properties = openapi3.Schemas{}
	for k, v := range parent.Properties {
		c.Properties[k] = v
	}
	for k, v := range branch.Properties {
		c.Properties[k] = v
	}
	c.Required = append(append([]string(nil), parent.Required...), branch.Required...)
	if c.Type == nil {
		c.Type = parent.Type
	}
	return &c
}

// merged folds an allOf into one schema: properties and required lists joined, the first
// type and bounds kept.
func merged(s *openapi3.Schema) *openapi3.Schema {
	c := *s
	c.AllOf = nil
	c.Properties = openapi3.Schemas{}
	for k, v := range s.Properties {
		c.Properties[k] = v
	}
	for _, part := range s.AllOf {
		if part == nil || part.Value == nil {
			continue
		}
		p := part.Value
		if len(p.AllOf) > 0 {
			p = merged(p)
		}
		for k, v := range p.Properties {
			c.Properties[k] = v
		}
		c.Required = append(c.Required, p.Required...)
		if c.Type == nil {
			c.Type = p.Type
		}
		if len(c.Enum) == 0 {
			c.Enum = p.Enum
		}
		if c.Format == "" {
			c.Format = p.Format
		}
	}
	return &c
}

func typeOf(s *openapi3.Schema) string {
	if s.Type != nil && len(*s.Type) > 0 {
		for _, t := range *s.Type {
			if t != "null" {
				return t
			}
		}
	}
	switch {
	case len(s.Properties) > 0:
		return "object"
	case s.Items != nil:
		return "array"
	}
	return ""
}

// identifier reports whether a property or parameter name is one of an identifier, which a
// server is likely to look up: "id", "user_id", "usrKey", "requestId".
func identifier(name string) bool {
	l := strings.ToLower(name)
	return l == "id" || strings.HasSuffix(l, "_id") || strings.HasSuffix(name, "Id") || strings.HasSuffix(l, "key")
}

func (g *generator) strings(s *openapi3.Schema, name string) []any {
	if key := g.state(g.op, name); key != "" {
		// One unknown value per key, as one State value per key in a request: a path id and
		// the body's id stay equal.
		u, ok := g.unknowns[key]
		if !ok {
			u = g.unknownID(s, g.known[key])
			if g.unknowns == nil {
				g.unknowns = map[string]any{}
			}
			g.unknowns[key] = u
		}
		return []any{stateRef{key: key, unknown: u}}
	}
	if identifier(name) || g.op.linked[name] {
		if _, ok := g.unbound[name]; !ok {
			g.unbound[name] = alias(g.parent, name)
		}
	}
	switch s.Format {
	case "uuid":
		return []any{g.uuid(), strings.ToUpper(g.uuid())}
	case "email":
		return []any{g.word(8) + "@example.com", g.word(64) + "@" + g.word(20) + ".example.com"}
	case "date-time":
		return []any{"2024-02-29T23:59:59Z", "2024-01-01T00:00:00.5+05:30"}
	case "date":
		return []any{"2024-02-29"}
	case "uri", "url":
		return []any{"https://example.com/" + g.word(8)}
	case "ipv4":
		return []any{"192.0.2.1"}
	}
	if s.Pattern != "" {
		hi := -1
		if s.MaxLength != nil {
			hi = int(*s.MaxLength)
		}
		var out []any
		c := g.patterns.get(s.Pattern)
		for _, ex := range []any{s.Example, s.Default} {
			if str, ok := ex.(string); ok && c.matchesECMA(str) {
				out = append(out, str)
			}
		}
		made, ok := c.samples(g.rnd, int(s.MinLength), hi)
		if !ok {
			// ECMA-262 only: the examples are all there is (the validator, which reads
			// ECMA-262, judged them above).
			g.ecmaOnly[s.Pattern] = true
			return out
		}
		for _, m := range made {
			out = append(out, m)
		}
		return out // none: the operation's positives lack the property and the run says so
	}
	lo := int(s.MinLength)
	lengths := []int{lo, lo + 1}
	if s.MaxLength != nil {
		hi := int(*s.MaxLength)
		lengths = append(lengths, hi-1, hi)
	} else {
		lengths = append(lengths, bigLength)
	}
	var out []any
	if ex, ok := s.Example.(string); ok {
		out = append(out, ex)
	}
	seen := map[int]bool{}
	for _, n := range lengths {
		if n < lo || seen[n] || (s.MaxLength != nil && n > int(*s.MaxLength)) {
			continue
		}
		seen[n] = true
		out = append(out, g.word(n))
	}
	// Text beyond ASCII, at the shortest non-empty length allowed: lengths are characters, and
	// servers that count bytes or assume one byte per character break on it.
	if n := max(lo, 2); s.MaxLength == nil || n <= int(*s.MaxLength) {
		out = append(out, g.multibyte(n))
	} else if n := max(lo, 1); n <= int(*s.MaxLength) {
		out = append(out, g.multibyte(n))
	}
	if p, ok := g.punctuation(lo, s.MaxLength); ok {
		out = append(out, p)
	}
	return out
}

// punctuation returns the ASCII punctuation that quoting, escaping and markup get wrong
// (O'Brien, 50%, <b>), each character once, within the lengths: cut to maxLength, padded with
// letters to minLength; false when maxLength is zero.
func (g *generator) punctuation(lo int, maxLength *uint64) (string, bool) {
	p := `'"<>&%;\/`
	if maxLength != nil && int(*maxLength) < len(p) {
		p = p[:*maxLength]
	}
	if len(p) < lo {
		p += g.word(lo - len(p))
	}
	return p, p != ""
}

// unknownID returns a value s accepts that is none of known, for an identifier the State
// gives: a fresh uuid, or letters within the lengths; nil for a pattern or an enum, which a
// made-up value could break.
func (g *generator) unknownID(s *openapi3.Schema, known []string) any {
	if s.Pattern != "" || len(s.Enum) > 0 {
		return nil
	}
	for range 4 {
		var v string
		switch s.Format {
		case "uuid":
			v = g.uuid()
		case "":
			n := max(int(s.MinLength), 1)
			if s.MaxLength != nil && n > int(*s.MaxLength) {
				return nil
			}
			v = g.word(n)
		default:
			return nil
		}
		if !slices.Contains(known, v) {
			return v
		}
	}
	return nil
}

// multibyte returns n characters outside ASCII: two-, three- and four-byte UTF-8 (the last
// outside the Basic Multilingual Plane, a surrogate pair in UTF-16).
func (g *generator) multibyte(n int) string {
	chars := []rune{'é', 'ß', 'Ж', '名', '字', '😀'}
	b := make([]rune, n)
	for i := range b {
		b[i] = chars[g.rnd.Intn(len(chars))]
	}
	return string(b)
}

func (g *generator) numbers(s *openapi3.Schema, integer bool) []any {
	lo, hi := math.Inf(-1), math.Inf(1)
	if s.Min != nil {
		lo = *s.Min
		if b := s.ExclusiveMin.Bool; b != nil && *b {
			lo++
		}
	}
	if v := s.ExclusiveMin.Value; v != nil {
		lo = math.Max(lo, *v+1)
	}
	if s.Max != nil {
		hi = *s.Max
		if b := s.ExclusiveMax.Bool; b != nil && *b {
			hi--
		}
	}
	if v := s.ExclusiveMax.Value; v != nil {
		hi = math.Min(hi, *v-1)
	}
	limit := float64(1<<53 - 1)
	switch s.Format {
	case "int32":
		limit = math.MaxInt32
	}
	lo, hi = math.Max(lo, -limit), math.Min(hi, limit)
	cands := []float64{lo, lo + 1, 0, 1, hi - 1, hi}
	seen := map[float64]bool{}
	var out []any
	for _, c := range cands {
		if c < lo || c > hi || seen[c] {
			continue
		}
		if s.MultipleOf != nil && *s.MultipleOf > 0 {
			c = math.Ceil(c / *s.MultipleOf) * *s.MultipleOf
			if c > hi || seen[c] {
				continue
			}
		}
		seen[c] = true
		if integer {
			out = append(out, json.Number(fmt.Sprintf("%d", int64(c))))
		} else {
			out = append(out, json.Number(fmt.Sprintf("%g", c)))
		}
	}
	if !integer {
		out = append(out, json.Number("0.5"))
	}
	return out
}

// arrays returns arrays s accepts: one item of every shape, then minItems and maxItems (or
// bigItems) items, as many of those as room holds (but never fewer than minItems).
func (g *generator) arrays(s *openapi3.Schema, name string, depth, room int) []any {
	var items []any
	if s.Items != nil {
		items = g.positives(s.Items.Value, singular(name), depth+1, room-1)
	}
	if len(items) == 0 {
		if s.MinItems == 0 && !g.text {
			return []any{[]any{}}
		}
		return nil
	}
	lo := int(s.MinItems)
	if g.text && lo == 0 {
		lo = 1 // a form has no empty list: no field at all is the list left out
	}
	hi := -1
	if s.MaxItems != nil {
		hi = int(*s.MaxItems)
	}
	fill := func(n, from int) []any {
		a := make([]any, n)
		for i := range a {
			if s.UniqueItems {
				a[i] = items[(from+i)%len(items)]
			} else {
				a[i] = items[from%len(items)]
			}
		}
		return a
	}
	// The long arrays repeat the first item shapes that fit the room (the fullest first), or
	// the smallest when minItems asks for more than fit.
	sizes := make([]int, len(items))
	for i := range items {
		sizes[i] = nodes(items[i], room+1)
	}
	from := func(n int) (int, bool) {
		best := 0
		for i, sz := range sizes {
			if 1+n*sz <= room {
				return i, true
			}
			if sz < sizes[best] {
				best = i
			}
		}
		return best, n <= lo
	}
	var out []any
	one := max(lo, 1)
	if hi < 0 || one <= hi {
		for i := range items { // each item shape once
			out = append(out, fill(one, i))
			if g.minimal(room) {
				return out
			}
		}
	}
	lengths := []int{lo}
	if hi >= 0 {
		lengths = append(lengths, hi)
	} else {
		lengths = append(lengths, bigItems)
	}
	for _, n := range lengths {
		if n != one && (hi < 0 || n <= hi) && (!s.UniqueItems || n <= len(items)) {
			i, ok := from(n)
			if !ok {
				g.trimmed++
				continue
			}
			if s.UniqueItems {
				i = 0
			}
			out = append(out, fill(n, i))
			g.spend(n)
		}
	}
	return out
}

// nodes counts the JSON values in v, stopping at limit.
func nodes(v any, limit int) int {
	n := 1
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			if n >= limit {
				break
			}
			n += nodes(e, limit-n)
		}
	case []any:
		for _, e := range x {
			if n >= limit {
				break
			}
			n += nodes(e, limit-n)
		}
	}
	return n
}

// alias is the name under which replies carry the identifier name of a member of parent: a
// bare "id" is qualified by its parent ("user" → "user_id"), any other name is itself.
func alias(parent, name string) string {
	if strings.EqualFold(name, "id") && parent != "" {
		return singular(parent) + "_id"
	}
	return name
}

// resource is the collection a path is about: the static segment before the parameter param
// ("/users/{id}" → "users"), or the last static segment when param is "" or absent.
func resource(path, param string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	last := ""
	for _, seg := range segs {
		if strings.HasPrefix(seg, "{") {
			if param != "" && seg == "{"+param+"}" && last != "" {
				return last
			}
			continue
		}
		last = seg
	}
	return last
}

// singular names an array's items after the array ("users" → "user"), for state lookups.
func singular(name string) string { return strings.TrimSuffix(name, "s") }

// objects returns objects s accepts: the fullest first, then the required properties alone,
// then rows that cover every pair of property values (pairwise, not the product).
//
// The scalar properties take a node each of room; the others share the rest equally. An
// optional property without room is left out; a required one gets its minimal value.
func (g *generator) objects(s *openapi3.Schema, name string, depth, room int) []any {
	parent := g.parent
	defer func() { g.parent = parent }()
	if name == "" {
		name = resource(g.op.path, "")
	}
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	names := make([]string, 0, len(s.Properties))
	scalars := 0
	for n, p := range s.Properties {
		if p == nil || p.Value == nil || p.Value.ReadOnly {
			continue
		}
		if g.minimal(room) && !required[n] && uint64(len(s.Required)) >= s.MinProps {
			g.trimmed++
			continue
		}
		names = append(names, n)
		if scalar(p.Value) {
			scalars++
		}
	}
	sort.Strings(names)
	share := 0
	if complex := len(names) - scalars; complex > 0 {
		share = (room - 1 - scalars) / complex
	}
	dims := make([][]any, len(names))
	for i, n := range names {
		p := s.Properties[n].Value
		r := share
		if scalar(p) {
			r = 1
		}
		if r <= 0 && !required[n] && !g.minimal(room) {
			g.trimmed++
			dims[i] = []any{absent{}}
			continue
		}
		if g.minimal(room) {
			r = 0
		}
		g.parent = name
		vals := g.positives(p, n, depth+1, r)
		if len(vals) == 0 && required[n] {
			return nil // no value for a required member (it nests too deep): none for the object
		}
		if !required[n] {
			vals = append(vals, absent{})
		}
		dims[i] = vals
	}
	if g.minimal(room) {
		// The required members, then optional ones as far as minProperties asks.
		obj := map[string]any{}
		for i, d := range dims {
			if _, skip := d[0].(absent); !skip && required[names[i]] {
				obj[names[i]] = d[0]
			}
		}
		for i, d := range dims {
			if _, skip := d[0].(absent); !skip && uint64(len(obj)) < s.MinProps {
				obj[names[i]] = d[0]
			}
		}
		if uint64(len(obj)) < s.MinProps {
			return nil
		}
		return []any{obj}
	}
	rows := pairwise(g.rnd, dims)
	full, minimal := make([]int, len(dims)), make([]int, len(dims))
	for i, d := range dims {
		if !required[names[i]] {
			minimal[i] = len(d) - 1
		}
	}
	rows = append([][]int{full, minimal}, rows...)
	out := make([]any, 0, len(rows))
	for n, r := range rows {
		obj := make(map[string]any, len(names))
		var optional []string
		for i, k := range r {
			if _, skip := dims[i][k].(absent); !skip {
				obj[names[i]] = dims[i][k]
				if !required[names[i]] {
					optional = append(optional, names[i])
				}
			}
		}
		// maxProperties (a query DSL's "one of these keys"): the optional members beyond it
		// are left out, a different one kept in each row.
		if s.MaxProps != nil {
			for i := 0; len(obj) > int(*s.MaxProps) && i < len(optional); i++ {
				delete(obj, optional[(n+1+i)%len(optional)])
			}
		}
		if uint64(len(obj)) < s.MinProps {
			continue
		}
		out = append(out, obj)
	}
	g.spend(len(rows) * max(len(dims), 1))
	if len(out) == 0 {
		return g.objects(s, name, depth, 0) // no row had minProperties members: the minimal one has
	}
	return out
}

// scalar reports whether s describes a single value: a string, number, boolean or enum,
// without branches.
func scalar(s *openapi3.Schema) bool {
	if len(s.OneOf) > 0 || len(s.AnyOf) > 0 || len(s.AllOf) > 0 {
		return false
	}
	if len(s.Enum) > 0 || s.Const != nil {
		return true
	}
	switch typeOf(s) {
	case "string", "integer", "number", "boolean":
		return true
	}
	return false
}

// pairwise picks rows (one index per dimension) until every pair of values of two dimensions
// appears in some row: the greedy construction of AETG, deterministic for rnd's seed. The rows
// grow with the product of the two largest dimensions, not with the product of all of them.
func pairwise(rnd *rand.Rand, dims [][]any) [][]int { return combine(rnd, lens(dims)) }

// slots bounds the values of one dimension that take part in the pairs: nested schemas give a
// dimension one value per row of the level below, and pairs of those would grow with the square
// of the tree. A larger dimension's values share its slots in turn, and every value still
// appears in some row.
const slots = 6

// combine returns pairwise rows over sizes, each dimension capped at slots, then maps each
// slot's occurrences onto that dimension's values in turn and adds a row for every value
// still unused.
func combine(rnd *rand.Rand, sizes []int) [][]int {
	capped := make([]int, len(sizes))
	for i, n := range sizes {
		capped[i] = min(n, slots)
	}
	rows := pairwiseN(rnd, capped)
	// used[d] marks d's values some row has; next[d][slot] counts the slot's turns so far.
	// Slices, not maps: a slot is below slots and a value below its dimension's size.
	used := make([][]bool, len(sizes))
	next := make([][slots]int, len(sizes))
	flat := make([]bool, sum(sizes))
	for d, n := range sizes {
		used[d], flat = flat[:n:n], flat[n:]
	}
	for _, r := range rows {
		for d, slot := range r {
			v := slot + slots*next[d][slot]
			if v >= sizes[d] {
				v, next[d][slot] = slot, 0
			}
			next[d][slot]++
			r[d] = v
			used[d][v] = true
		}
	}
	for d, n := range sizes {
		for v := 0; v < n; v++ {
			if used[d][v] {
				continue
			}
			r := make([]int, len(sizes))
			if len(rows) > 0 {
				copy(r, rows[0])
			}
			r[d] = v
			rows = append(rows, r)
		}
	}
	return rows
}

func sum(ns []int) int {
	t := 0
	for _, n := range ns {
		t += n
	}
	return t
}

func lens[T any](dims [][]T) []int {
	out := make([]int, len(dims))
	for i, d := range dims {
		out[i] = len(d)
	}
	return out
}

// pairTable indexes the pairs of values of two dimensions densely, for the greedy search.
type pairTable struct {
	sizes   []int
	offset  [][]int // offset[a][b] (a < b) is where the pairs of a and b start
	covered []bool
	left    int
	// base and stride are candidateRow's scratch: where the pairs of one dimension with each
	// value already chosen start, and how far apart they lie.
	base, stride []int
}

func newPairTable(sizes []int) *pairTable {
	t := &pairTable{sizes: sizes, offset: make([][]int, len(sizes))}
	n := 0
	for a := range sizes {
		t.offset[a] = make([]int, len(sizes))
		for b := a + 1; b < len(sizes); b++ {
			t.offset[a][b] = n
			n += sizes[a] * sizes[b]
		}
	}
	t.covered, t.left = make([]bool, n), n
	return t
}

func (t *pairTable) index(a, va, b, vb int) int {
	if a > b {
		a, va, b, vb = b, vb, a, va
	}
	return t.offset[a][b] + va*t.sizes[b] + vb
}

// decode returns the dimensions and values of the pair at index i.
func (t *pairTable) decode(i int) (a, va, b, vb int) {
	for a = range t.sizes {
		for b = a + 1; b < len(t.sizes); b++ {
			o := t.offset[a][b]
			if i < o+t.sizes[a]*t.sizes[b] {
				r := i - o
				return a, r / t.sizes[b], b, r % t.sizes[b]
			}
		}
	}
	return 0, 0, 0, 0
}

func pairwiseN(rnd *rand.Rand, sizes []int) [][]int {
	if len(sizes) == 1 {
		rows := make([][]int, sizes[0])
		for i := range rows {
			rows[i] = []int{i}
		}
		return rows
	}
	t := newPairTable(sizes)
	var rows [][]int
	// Two row buffers and one permutation buffer serve every try: the best row so far and the
	// one being built swap, and only the chosen row is copied out.
	best, cand := make([]int, len(sizes)), make([]int, len(sizes))
	perm := make([]int, len(sizes))
	for t.left > 0 {
		bestGain := -1
		for try := 0; try < 8; try++ {
			gain := t.candidateRow(rnd, cand, perm)
			if gain > bestGain {
				best, cand, bestGain = cand, best, gain
			}
		}
		for a := range best {
			for b := a + 1; b < len(best); b++ {
				if i := t.index(a, best[a], b, best[b]); !t.covered[i] {
					t.covered[i] = true
					t.left--
				}
			}
		}
		rows = append(rows, append([]int(nil), best...))
	}
	return rows
}

// permInto fills m with rnd.Perm(len(m)), drawing from rnd exactly as Perm does, so that a
// seed gives the same rows, without allocating.
func permInto(rnd *rand.Rand, m []int) {
	for i := range m {
		j := rnd.Intn(i + 1)
		m[i] = m[j]
		m[j] = i
	}
}

// candidateRow builds a row from an uncovered pair, then gives each other dimension the value
// that covers most new pairs with the values already chosen.
// It writes the row into row and uses perm as scratch; both have one entry per dimension.
func (t *pairTable) candidateRow(rnd *rand.Rand, row, perm []int) int {
	sizes := t.sizes
	for i := range row {
		row[i] = -1
	}
	i := rnd.Intn(len(t.covered))
	for t.covered[i] {
		i = (i + 1) % len(t.covered)
	}
	a, va, b, vb := t.decode(i)
	row[a], row[b] = va, vb
	gain := 1
	permInto(rnd, perm)
	for _, d := range perm {
		if row[d] >= 0 {
			continue
		}
		bestV, bestG := rnd.Intn(sizes[d]), -1
		// The pairs of d's values with each chosen value lie at base + v*stride: the same
		// indexes index gives, worked out once per dimension instead of once per value.
		t.base, t.stride = t.base[:0], t.stride[:0]
		for e, ve := range row {
			switch {
			case ve < 0 || e == d:
			case e < d:
				t.base, t.stride = append(t.base, t.offset[e][d]+ve*sizes[d]), append(t.stride, 1)
			default:
				t.base, t.stride = append(t.base, t.offset[d][e]+ve), append(t.stride, sizes[e])
			}
		}
		for v := 0; v < sizes[d]; v++ {
			g := 0
			for j, b := range t.base {
				if !t.covered[b+v*t.stride[j]] {
					g++
				}
			}
			if g > bestG {
				bestV, bestG = v, g
			}
		}
		row[d] = bestV
		gain += bestG
	}
	return gain
}
