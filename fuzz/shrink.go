package fuzz

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/specgate/specgate/internal/jsonptr"
	"github.com/specgate/specgate/validator"
)

// shrink reduces a failing case: it drops optional parameters and properties, shortens arrays
// and strings (by bisection) and simplifies numbers, keeping each step only when the validator
// still gives the case's kind (a positive stays valid; a negative keeps exactly the violations
// it had) and the target still fails the same way. It returns the smallest case that failed.
func (r *runner) shrink(ctx context.Context, s *sent, rule string) (*sent, int, error) {
	want := s.reqViolations
	key := findingKey(rule, s.tc, responseViolations(s.res))
	spent, steps := 0, 0
	cur := s
	var sendErr error
	try := func(tc *testCase) bool {
		if sendErr != nil || r.budget <= 0 || spent >= r.f.opts.ShrinkRequests || ctx.Err() != nil {
			return false
		}
		enc, err := r.f.encode(tc)
		if err != nil || enc.key == cur.enc.key {
			return false
		}
		req := r.f.v.Validate(ctx, validator.Exchange{Request: enc.req})
		if !sameKind(tc, req, want) {
			return false
		}
		r.wait(ctx)
		resp, err := r.f.send(ctx, enc.req)
		if err != nil {
			if ctx.Err() == nil { // the run's time is up: the smallest case so far stands
				sendErr = err
			}
			return false
		}
		spent++
		r.budget--
		r.res.Requests++
		next := &sent{tc: tc, enc: enc, reqViolations: req.Violations, reqObserved: req.Observed, resp: resp}
		next.res = r.judge(ctx, next)
		got, _, resps := verdict(tc, resp, next.res)
		if got != rule || findingKey(got, tc, resps) != key {
			return false
		}
		cur = next
		steps++
		return true
	}
	for changed := true; changed; {
		changed = false
		for _, p := range cur.tc.op.params {
			k := p.in + ":" + p.name
			if _, present := cur.tc.params[k]; present && !p.required && !strings.Contains(cur.tc.mutation, " parameter "+p.name) {
				tc := cur.tc.clone()
				delete(tc.params, k)
				changed = try(tc) || changed
			}
		}
		if !cur.tc.hasBody {
			continue
		}
		for _, ptr := range members(cur.tc.body, "") {
			if onPath(ptr, cur.tc.mutPtr) {
				continue
			}
			tc := cur.tc.clone()
			tc.body = edit(tc.body, ptr, func(any) (any, bool) { return nil, false })
			changed = try(tc) || changed
		}
		for _, l := range leaves(cur.tc.body, "") {
			if l.ptr == cur.tc.mutPtr || strings.HasPrefix(cur.tc.mutPtr, l.ptr+"/") && l.kind != "array" {
				continue
			}
			switch l.kind {
			case "string", "array":
				floor := 0
				if l.kind == "array" && strings.HasPrefix(cur.tc.mutPtr, l.ptr+"/") {
					floor = 1 // the broken item stays
				}
				lo, hi := floor, l.n
				for lo < hi {
					mid := (lo + hi) / 2
					tc := cur.tc.clone()
					tc.body = edit(tc.body, l.ptr, func(old any) (any, bool) { return truncate(old, mid), true })
					if try(tc) {
						hi, changed = mid, true
					} else {
						lo = mid + 1
					}
				}
			case "number":
				tc := cur.tc.clone()
				tc.body = edit(tc.body, l.ptr, func(any) (any, bool) { return json.Number("0"), true })
				changed = try(tc) || changed
			}
		}
	}
	return cur, steps, sendErr
}

// sameKind is kindHolds for shrinking: a negative must keep exactly the violations it had,
// so that shrinking never turns it valid or into another defect.
func sameKind(tc *testCase, res validator.Result, want []validator.Violation) bool {
	if tc.positive || !kindHolds(tc, res) {
		return kindHolds(tc, res)
	}
	got := res.Violations
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].Rule != want[i].Rule || got[i].Instance != want[i].Instance {
			return false
		}
	}
	return true
}

func responseViolations(res validator.Result) []validator.Violation {
	var out []validator.Violation
	for _, v := range res.Violations {
		if v.Part == validator.PartResponse {
			out = append(out, v)
		}
	}
	return out
}

// onPath reports whether ptr is mut or one of its ancestors: removing it would remove the
// violation a negative case is about.
func onPath(ptr, mut string) bool {
	return mut != "" && (ptr == mut || strings.HasPrefix(mut, ptr+"/"))
}

// members lists the pointers of every object member in v, shallow ones first.
func members(v any, ptr string) []string {
	var out, deeper []string
	if m, ok := v.(map[string]any); ok {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := jsonptr.Join(ptr, k)
			out = append(out, p)
			deeper = append(deeper, members(m[k], p)...)
		}
	}
	if a, ok := v.([]any); ok {
		for i, e := range a {
			deeper = append(deeper, members(e, ptr+"/"+itoa(i))...)
		}
	}
	return append(out, deeper...)
}

type leaf struct {
	ptr, kind string
	n         int
}

// leaves lists the strings, arrays and non-zero numbers in v, with their lengths.
func leaves(v any, ptr string) []leaf {
	var out []leaf
	switch x := v.(type) {
	case string:
		out = append(out, leaf{ptr, "string", utf8.RuneCountInString(x)}) // lengths are characters
	case json.Number:
		if x != "0" {
			out = append(out, leaf{ptr, "number", 0})
		}
	case []any:
		out = append(out, leaf{ptr, "array", len(x)})
		for i, e := range x {
			out = append(out, leaves(e, ptr+"/"+itoa(i))...)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, leaves(x[k], jsonptr.Join(ptr, k))...)
		}
	}
	return out
}

func truncate(v any, n int) any {
	switch x := v.(type) {
	case string:
		r := []rune(x) // whole characters: a cut inside one would make invalid UTF-8
		return string(r[:min(n, len(r))])
	case []any:
		return x[:min(n, len(x))]
	}
	return v
}
