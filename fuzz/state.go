package fuzz

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/specgate/specgate/internal/jsonptr"
)

// Identifiers that must exist come from four places, in this order of trust: the user's state
// (Options.State); the OpenAPI links of the replies (a link of getUserByName's 200 gives
// getRepositoriesByOwner its username from "$response.body#/username"); the operation's own
// replies (the relationships PATCH /user_profiles returns name their user_id, profile_id and
// ne_attribute_id together); and the identifiers other operations' replies carried, matched by
// name: a reply's "id" inside "user" or "users" (or at the top of a reply about /users) is a
// user_id, and feeds a member user_id, or the id of /users/{id}, of any operation. Schemathesis
// follows links the same way in its stateful tests; the name matching is for the specs that
// have no links, the embedded ones among them.
//
// A value only counts as existing when the server said so: a reply that echoes what a request
// made up (OIG answers " FAIL" for an unknown usr_key, and names it) proves nothing, so the
// values generation made up are remembered and never captured from replies, links included.
// Identifiers are matched by name within one spec (the NERM user_id is no OIG user_id).

// values is a list of distinct captured values, first seen first, with where each came from;
// at most maxCaptured.
type values struct {
	list []string
	from []string
	seen map[string]bool
}

func (v *values) add(val, from string) {
	if v.seen == nil {
		v.seen = map[string]bool{}
	}
	if val == "" || v.seen[val] || len(v.list) >= maxCaptured {
		return
	}
	v.seen[val] = true
	v.list = append(v.list, val)
	v.from = append(v.from, from)
}

// capture is what one operation's replies carried of its unbound names, per record (an object
// of a reply), so that the i-th values of several names come from one record (a relationship's
// user_id, profile_id and ne_attribute_id) as its latest reply showed it.
type capture struct {
	order   []string                     // record ids, first seen first
	records map[string]map[string]string // record id → name → value
}

// maxCaptured bounds the values kept per name.
const maxCaptured = 64

// maxPoolNames bounds the identifier names kept from replies: a target that invents a new
// member name in every reply cannot grow the run's memory without end.
const maxPoolNames = 4096

// maxGenerated bounds the made-up values remembered, so that memory stays bounded on a long
// run; past it a made-up value echoed by a reply may be captured, and the validator and the
// target's answer still judge the request that uses it.
const maxGenerated = 1 << 16

// noteGenerated remembers the values tc carries that generation made up (not from state).
func (r *runner) noteGenerated(tc *testCase) {
	var walk func(v any)
	walk = func(v any) {
		if len(r.generated) >= maxGenerated {
			return
		}
		switch x := v.(type) {
		case string:
			r.generated[x] = true
		case json.Number:
			r.generated[string(x)] = true
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for _, v := range tc.params {
		walk(v)
	}
	walk(tc.body)
}

// capture reads a successful JSON reply: the operation's unbound names, its links, and the
// identifiers it carries for other operations.
func (r *runner) capture(s *sent) {
	if s.resp.Status < 200 || s.resp.Status > 299 {
		return
	}
	var doc any
	if json.Unmarshal(s.resp.Body, &doc) != nil {
		doc = nil
	}
	op := s.tc.op
	r.follow(s, doc)
	if doc == nil {
		return
	}
	if names := r.unbound[op.id]; len(names) > 0 {
		r.captureOwn(op, names, doc)
	}
	r.pooled(op, doc, resource(op.path, ""))
}

// captureOwn keeps the values of the operation's unbound names its reply carried, per record.
func (r *runner) captureOwn(op *operation, names map[string]string, doc any) {
	c := r.captured[op.id]
	if c == nil {
		c = &capture{records: map[string]map[string]string{}}
		r.captured[op.id] = c
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			found := map[string]string{}
			for _, n := range sorted {
				if str, ok := x[n].(string); ok && str != "" && !r.generated[str] {
					found[n] = str
				}
			}
			if len(found) > 0 {
				// A record's id identifies it: its latest reply is its current state.
				id, _ := x["id"].(string)
				if id == "" {
					id = fmt.Sprint(found)
				}
				_, known := c.records[id]
				if !known && len(c.order) < maxCaptured {
					c.order = append(c.order, id)
					known = true
				}
				if known {
					c.records[id] = found
				}
			}
			for _, k := range slices.Sorted(maps.Keys(x)) { // the values' order must not depend on map order
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
}

// pooled keeps the identifiers of a reply by spec and qualified name, for other operations: a member
// whose name is an identifier's as it is, an "id" qualified by the object's key (or, at the top,
// by the operation's resource). Values the run made up are left out.
func (r *runner) pooled(op *operation, v any, key string) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			e := x[k]
			if val, ok := scalarText(e); ok {
				name := alias(key, k)
				if identifier(name) && !r.generated[val] && (name != "id" || key != "") {
					p := r.pool[op.spec+" "+name]
					if p == nil {
						if len(r.pool) >= maxPoolNames {
							continue
						}
						p = &values{}
						r.pool[op.spec+" "+name] = p
					}
					p.add(val, fmt.Sprintf("the %s of %s's replies", name, op.id))
				}
				continue
			}
			r.pooled(op, e, k)
		}
	case []any:
		for _, e := range x {
			r.pooled(op, e, key)
		}
	}
}

// follow evaluates the links of the reply's status and keeps what they give their targets.
func (r *runner) follow(s *sent, doc any) {
	code := strconv.Itoa(s.resp.Status)
	for _, l := range s.tc.op.links {
		if l.status != code && l.status != code[:1]+"XX" && l.status != "DEFAULT" {
			continue
		}
		for p, expr := range l.params {
			for _, val := range r.evaluate(expr, s, doc) {
				if r.generated[val] {
					continue
				}
				if r.linked[l.target] == nil {
					r.linked[l.target] = map[string]*values{}
				}
				vs := r.linked[l.target][p]
				if vs == nil {
					vs = &values{}
					r.linked[l.target][p] = vs
				}
				vs.add(val, fmt.Sprintf("the link %s of %s", l.name, s.tc.op.id))
			}
		}
	}
}

// evaluate returns what a link's runtime expression names in the exchange: $response.body#/ptr
// (in every item when the body is an array the pointer does not fit), $request.path.name (or
// query, header), $response.header.name, or a constant.
func (r *runner) evaluate(expr string, s *sent, doc any) []string {
	switch {
	case strings.HasPrefix(expr, "$response.body#"):
		ptr := strings.TrimPrefix(expr, "$response.body#")
		if v, ok := jsonptr.Lookup(doc, ptr); ok {
			if t, ok := scalarText(v); ok {
				return []string{t}
			}
			return nil
		}
		var out []string
		if items, ok := doc.([]any); ok {
			for _, it := range items {
				if v, ok := jsonptr.Lookup(it, ptr); ok {
					if t, ok := scalarText(v); ok {
						out = append(out, t)
					}
				}
			}
		}
		return out
	case strings.HasPrefix(expr, "$request."):
		in, name, _ := strings.Cut(strings.TrimPrefix(expr, "$request."), ".")
		if v, ok := s.tc.params[in+":"+name]; ok {
			return paramStrings(r.f.resolve(v, s.tc.choice()))
		}
	case strings.HasPrefix(expr, "$response.header."):
		if v := http.Header(s.resp.Header).Get(strings.TrimPrefix(expr, "$response.header.")); v != "" {
			return []string{v}
		}
	case !strings.HasPrefix(expr, "$"):
		return []string{expr}
	}
	return nil
}

// scalarText is a string or number as a parameter would carry it.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, x != ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// bindCaptured makes captured values state for the names no state bound, and returns the
// operations whose names gained values since the last round (a value found in a later round
// makes the operation's requests new). Links come first, then the operation's own replies,
// then other operations' identifiers of the same qualified name.
func (r *runner) bindCaptured() []*operation {
	var out []*operation
	for _, op := range r.f.ops {
		names := make([]string, 0, len(r.unbound[op.id]))
		for n := range r.unbound[op.id] {
			names = append(names, n)
		}
		sort.Strings(names)
		var bound []string
		grew := false
		for _, n := range names {
			key := op.id + "/" + n
			vals, from := r.source(op, n)
			if len(vals) <= r.bound[key] {
				continue // nothing new since the last round
			}
			r.f.state[key] = vals
			if r.bound[key] == 0 {
				bound = append(bound, n)
			}
			r.bound[key] = len(vals)
			grew = true
			if r.res.CapturedFrom == nil {
				r.res.CapturedFrom = map[string]map[string]string{}
			}
			if r.res.CapturedFrom[op.id] == nil {
				r.res.CapturedFrom[op.id] = map[string]string{}
			}
			r.res.CapturedFrom[op.id][n] = from
		}
		if grew {
			out = append(out, op)
		}
		if len(bound) > 0 {
			if r.res.Captured == nil {
				r.res.Captured = map[string][]string{}
			}
			r.res.Captured[op.id] = append(r.res.Captured[op.id], bound...)
			sort.Strings(r.res.Captured[op.id])
		}
	}
	return out
}

// source returns the captured values for op's name n and where they came from.
func (r *runner) source(op *operation, n string) ([]string, string) {
	if vs := r.linked[op.id][n]; vs != nil && len(vs.list) > 0 {
		return vs.list, vs.from[0]
	}
	if c := r.captured[op.id]; c != nil {
		var vals []string
		for _, id := range c.order {
			if v, ok := c.records[id][n]; ok {
				vals = append(vals, v)
			}
		}
		if len(vals) > 0 {
			return vals, "its own replies"
		}
	}
	if vs := r.pool[op.spec+" "+r.unbound[op.id][n]]; vs != nil && len(vs.list) > 0 {
		return vs.list, vs.from[0]
	}
	return nil, ""
}
