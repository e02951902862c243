package fuzz

import (
	"context"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specgate/specgate/internal/coverage"
	"github.com/specgate/specgate/internal/mock"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
	"gopkg.in/yaml.v3"
)

// TestCombineCoversEveryPair: every pair of values of two dimensions is in some row, every
// value of a dimension larger than the slots is used, and the rows stay far below the product.
func TestCombineCoversEveryPair(t *testing.T) {
	for _, sizes := range [][]int{{2, 2}, {3, 4, 2, 5}, {6, 6, 6, 6, 6, 6}, {2, 3, 20, 2}, {1}, {9}} {
		rows := combine(rand.New(rand.NewSource(1)), sizes)
		product := 1
		for _, n := range sizes {
			product *= n
		}
		for a := range sizes {
			used := map[int]bool{}
			for _, r := range rows {
				used[r[a]] = true
			}
			if len(used) != sizes[a] {
				t.Errorf("%v: dimension %d uses %d of its %d values", sizes, a, len(used), sizes[a])
			}
			for b := a + 1; b < len(sizes); b++ {
				if sizes[a] > slots || sizes[b] > slots {
					continue
				}
				for va := 0; va < sizes[a]; va++ {
					for vb := 0; vb < sizes[b]; vb++ {
						found := false
						for _, r := range rows {
							found = found || r[a] == va && r[b] == vb
						}
						if !found {
							t.Errorf("%v: no row has dimension %d = %d with %d = %d", sizes, a, va, b, vb)
						}
					}
				}
			}
		}
		if len(sizes) > 2 && len(rows) >= product {
			t.Errorf("%v: %d rows, the product is %d", sizes, len(rows), product)
		}
	}
}

// BenchmarkGenerateAndCheck measures generation plus checking per request, without the network:
// the plan (generating every case and judging each request with the validator), the verdict
// on the reply the mock gave to it, recorded once beforehand, and counting the exchange in the
// run's coverage.
func BenchmarkGenerateAndCheck(b *testing.B) {
	f := mockFuzzer(b)
	plan, _ := f.plan(context.Background(), &Result{}, map[string]bool{}, f.ops, false)
	replies := map[string]*validator.Response{}
	for _, s := range plan {
		resp, err := f.send(context.Background(), s.enc.req)
		if err != nil {
			b.Fatal(err)
		}
		replies[s.enc.key] = resp
	}
	ctx := context.Background()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		p, _ := f.plan(ctx, &Result{}, map[string]bool{}, f.ops, false)
		cov := coverage.New(f.model)
		for _, s := range p {
			s.resp = replies[s.enc.key]
			res := f.checkResponse(ctx, s.tc, s.resp)
			verdict(s.tc, s.resp, res)
			cov.Add(validator.Exchange{Request: s.enc.req, Response: s.resp}, exchangeResult(s, res))
		}
		n += len(p)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n)/1000, "us/request")
}

// TestMockStateFileNamesSeededRecords keeps the README's example state file true of the mock.
func TestMockStateFileNamesSeededRecords(t *testing.T) {
	data, err := os.ReadFile("testdata/mock-state.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var state map[string][]string
	if err := yaml.Unmarshal(data, &state); err != nil {
		t.Fatal(err)
	}
	seeded := map[string][]string{
		"patchUser/id": mock.SeededNERMUsers, "patchUserProfiles/id": mock.SeededProfiles,
		"patchUsers/id": mock.SeededOIGUsers, "putUsers/id": mock.SeededOIGUsers,
	}
	for k, vals := range state {
		known := map[string]bool{}
		for _, s := range seeded[k] {
			known[s] = true
		}
		for _, v := range vals {
			if !known[v] {
				t.Errorf("%s: %s is not seeded in the mock", k, v)
			}
		}
	}
	if len(state) != len(seeded) {
		t.Errorf("the state file has %d keys, want %d", len(state), len(seeded))
	}
}

// TestCaptureKeepsRecordsTogether: captured values are kept per record (an object's id), the
// latest reply winning, in the order records were first seen, so that the i-th values of several
// names come from one record; failed replies are not read.
func TestCaptureKeepsRecordsTogether(t *testing.T) {
	op := &operation{id: "patchThings"}
	f := &Fuzzer{state: map[string][]string{}, ops: []*operation{op}}
	r := newRunner(f, &Result{}, map[string]map[string]string{"patchThings": {"owner_id": "owner_id", "group_id": "group_id"}})
	reply := func(status int, body string) {
		r.capture(&sent{tc: &testCase{op: op}, resp: &validator.Response{Status: status, Body: []byte(body)}})
	}
	reply(200, `{"things":[{"id":"t1","owner_id":"o1","group_id":"g1"},{"id":"t2","owner_id":"o2","group_id":"g2"}]}`)
	reply(200, `{"things":[{"id":"t1","owner_id":"o1b","group_id":"g1b"}]}`)
	reply(400, `{"things":[{"id":"t3","owner_id":"bad","group_id":"bad"}]}`)
	got := r.bindCaptured()
	if len(got) != 1 || got[0] != op {
		t.Fatalf("bindCaptured returned %v", got)
	}
	if o, g := f.state["patchThings/owner_id"], f.state["patchThings/group_id"]; strings.Join(o, ",") != "o1b,o2" || strings.Join(g, ",") != "g1b,g2" {
		t.Errorf("owner_id %v, group_id %v; want [o1b o2] and [g1b g2]", o, g)
	}
}

// TestEveryDocumentedMediaType: positives are sent as each documented JSON media type, each
// with values from its own schema; negatives break the schema of the media type they are sent as.
func TestEveryDocumentedMediaType(t *testing.T) {
	docs, err := specs.LoadFiles(context.Background(), "testdata/two-media.yaml")
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse("http://127.0.0.1:1")
	f, err := New(docs, Options{Target: target})
	if err != nil {
		t.Fatal(err)
	}
	res := &Result{}
	plan, _ := f.plan(context.Background(), res, map[string]bool{}, f.ops, true)
	media := map[string]int{}
	negatives := 0
	for _, s := range plan {
		if s.tc.positive {
			media[s.tc.media]++
		} else {
			negatives++
		}
	}
	if media["application/json"] == 0 || media["application/merge-patch+json"] == 0 {
		t.Errorf("positives by media type: %v", media)
	}
	if res.GeneratorRejects != 0 || res.NegativeDropped != 0 || negatives == 0 {
		t.Errorf("%d rejects, %d negatives dropped, %d sent", res.GeneratorRejects, res.NegativeDropped, negatives)
	}
}

// recursiveFuzzer builds a Fuzzer over testdata/recursive.yaml, a query language whose every
// query holds queries, with the budget given.
func recursiveFuzzer(t *testing.T, budget int) *Fuzzer {
	t.Helper()
	docs, err := specs.LoadFiles(context.Background(), "testdata/recursive.yaml")
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse("http://127.0.0.1:1")
	f, err := New(docs, Options{Target: target, Seed: 2, GenerationBudget: budget})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestGenerationIsBounded: a recursive union ends within its budget, every body within its room
// of nodes, the run says what it left out, the validator accepts every positive, and the same
// seed plans the same requests.
func TestGenerationIsBounded(t *testing.T) {
	f := recursiveFuzzer(t, 0)
	keys := func() ([]string, *Result) {
		res := &Result{}
		plan, _ := f.plan(context.Background(), res, map[string]bool{}, f.ops, true)
		var out []string
		for _, s := range plan {
			if n := nodes(s.tc.body, 1<<30); n > bodyNodes+1 {
				t.Errorf("a body of %d nodes, the room is %d", n, bodyNodes)
			}
			out = append(out, s.enc.key)
		}
		return out, res
	}
	a, res := keys()
	positives := 0
	for _, k := range a {
		if strings.HasPrefix(k, "POST") {
			positives++
		}
	}
	if len(a) < 20 || res.GeneratorRejects != 0 {
		t.Errorf("%d requests planned, %d positives rejected", len(a), res.GeneratorRejects)
	}
	if len(res.Notes) == 0 || !strings.Contains(strings.Join(res.Notes, "\n"), "left out") {
		t.Errorf("no note says what generation left out: %q", res.Notes)
	}
	if b, _ := keys(); strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Error("seed 2 planned different requests twice")
	}
	small := recursiveFuzzer(t, 50)
	res = &Result{}
	if plan, _ := small.plan(context.Background(), res, map[string]bool{}, small.ops, true); len(plan) == 0 || !strings.Contains(strings.Join(res.Notes, "\n"), "whole budget of 50 steps") {
		t.Errorf("a 50-step budget planned %d requests; notes %q", len(plan), res.Notes)
	}
}

// TestRunTimeCutsGeneration: a run whose time is up stops generating, between operations and
// inside one (the budget would take hours), says so, and ends without an error.
func TestRunTimeCutsGeneration(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(400) }))
	defer srv.Close()
	f := recursiveFuzzer(t, 1<<40)
	f.opts.Target, _ = url.Parse(srv.URL)
	f.opts.Duration = time.Nanosecond
	res, err := f.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !res.Exhausted || res.Requests != 0 || !strings.Contains(strings.Join(res.Notes, "\n"), "time was up after generating 0 of 1 operations") {
		t.Errorf("exhausted %v, %d requests, notes %q", res.Exhausted, res.Requests, res.Notes)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g := f.generator(ctx, f.ops[0], 1)
	g.spend(5000)
	if !g.stopped || !g.minimal(bodyNodes) {
		t.Errorf("a generator whose context is done goes on making full values (stopped %v)", g.stopped)
	}
}

// TestPatternSamples: strings made from an RE2 pattern match it and fit the lengths asked for,
// each alternative and repetition bound shows up, the negative does not match, and an
// ECMA-only pattern (a lookahead) makes none.
func TestPatternSamples(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	for _, c := range []struct {
		pattern string
		lo, hi  int
		want    []string // strings that must be among those made
	}{
		{`^\d{5}(-\d{4})?$`, 0, -1, []string{"00000", "00000-0000"}},
		{`^(cat|dog|bird)s?$`, 0, -1, []string{"cat", "dog", "bird", "cats"}},
		{`^[a-z]{2,}$`, 3, 6, []string{"aaa"}},
		{`^AC[0-9a-fA-F]{32}$`, 34, 34, nil},
		{`ord_[0-9a-f]{26}`, 0, -1, nil},
	} {
		got, ok := patternSamples(rnd, c.pattern, c.lo, c.hi)
		re := regexp.MustCompile(c.pattern)
		if !ok || len(got) == 0 {
			t.Errorf("%s: made %q (ok %v)", c.pattern, got, ok)
		}
		for _, s := range got {
			if n := len([]rune(s)); !re.MatchString(s) || n < c.lo || (c.hi >= 0 && n > c.hi) {
				t.Errorf("%s [%d, %d]: made %q", c.pattern, c.lo, c.hi, s)
			}
		}
		for _, w := range c.want {
			if !strings.Contains("\x00"+strings.Join(got, "\x00")+"\x00", "\x00"+w+"\x00") {
				t.Errorf("%s: made %q, not %q", c.pattern, got, w)
			}
		}
		if v, ok := patternViolation(c.pattern, "", c.lo, c.hi); !ok || re.MatchString(v) {
			t.Errorf("%s: negative %q (ok %v)", c.pattern, v, ok)
		}
	}
	if got, ok := patternSamples(rnd, `^(?!https://)[a-z]+$`, 0, -1); ok || len(got) > 0 {
		t.Errorf("an ECMA-only pattern made %q", got)
	}
}

// Shrinking cuts strings by character: a cut inside a multi-byte one would send invalid UTF-8,
// which JSON encoding turns into U+FFFD, another string than the one being shrunk.
func TestTruncateKeepsWholeCharacters(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{{"Жé😀x", 2, "Жé"}, {"Жé😀x", 3, "Жé😀"}, {"abc", 5, "abc"}, {"😀", 0, ""}} {
		if got := truncate(c.in, c.n); got != c.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
	if l := leaves("Жé😀", ""); len(l) != 1 || l[0].n != 3 {
		t.Errorf("leaves counts characters: %+v", l)
	}
}

// Plain strings get a multi-byte value and one of punctuation within their lengths, counted in
// characters.
func TestStringsIncludeMultibyte(t *testing.T) {
	g := &generator{rnd: rand.New(rand.NewSource(1)), unbound: map[string]string{}, op: &operation{},
		state: func(*operation, string) string { return "" }}
	one, three := uint64(1), uint64(3)
	for _, s := range []*openapi3.Schema{{}, {MinLength: 3}, {MaxLength: &one}, {MinLength: 1, MaxLength: &three}} {
		var found, quote bool
		for _, v := range g.strings(s, "name") {
			str := v.(string)
			n := uint64(utf8.RuneCountInString(str))
			if n < s.MinLength || s.MaxLength != nil && n > *s.MaxLength {
				t.Errorf("%+v: %q is outside the lengths", s, str)
			}
			found = found || len(str) > int(n)
			quote = quote || strings.HasPrefix(str, "'")
		}
		if !found || !quote {
			t.Errorf("minLength %d maxLength %v: multi-byte %v, punctuation %v", s.MinLength, s.MaxLength, found, quote)
		}
	}
}

func TestAuthChanged(t *testing.T) {
	basic := Auth{User: "u", Password: "p"}
	if got := basic.changed(authWrong); got.User != "u" || got.Password == "p" || got.Token != "" {
		t.Errorf("wrong basic: %+v", got)
	}
	if got := basic.changed(authOtherScheme); got.Token == "" || got.User != "" {
		t.Errorf("other scheme of basic: %+v", got)
	}
	token := Auth{Token: "t"}
	if got := token.changed(authWrong); got.Token == "t" || got.Token == "" {
		t.Errorf("wrong token: %+v", got)
	}
	if got := token.changed(authOtherScheme); got.Token != "" || got.User == "" {
		t.Errorf("other scheme of a token: %+v", got)
	}
	if got := basic.changed(authAsGiven); got != basic {
		t.Errorf("as given: %+v", got)
	}
}

// An object whose schema allows no other property gets a negative with one more; one that
// allows others does not.
func TestExtraPropertyNegative(t *testing.T) {
	no, yes := false, true
	for _, c := range []struct {
		has  *bool
		want bool
	}{{&no, true}, {&yes, false}, {nil, false}} {
		s := &openapi3.Schema{Type: &openapi3.Types{"object"}, Properties: openapi3.Schemas{"a": openapi3.NewStringSchema().NewRef()},
			AdditionalProperties: openapi3.AdditionalProperties{Has: c.has}}
		g := &generator{rnd: rand.New(rand.NewSource(1))}
		var got []any
		g.bodyMutations(s, map[string]any{"a": "x"}, "", 0, func(what, ptr string, fn func(any) (any, bool)) {
			if strings.HasPrefix(what, "a property additionalProperties forbids") {
				v, _ := fn(map[string]any{"a": "x"})
				got = append(got, v)
			}
		})
		if c.want != (len(got) == 1) {
			t.Fatalf("additionalProperties %v: extra-property negatives %v", c.has, got)
		}
		if c.want {
			if m := got[0].(map[string]any); len(m) != 2 || m["a"] != "x" || m[unlisted] == nil {
				t.Errorf("the negative body is %v", m)
			}
		}
	}
}

// TestLinkBodyExpressions: a link's $response.body#pointer names a scalar of the reply, in every
// item of an array reply the pointer does not fit; what is not an RFC 6901 pointer, or names an
// object, gives no value.
func TestLinkBodyExpressions(t *testing.T) {
	var r runner
	obj := map[string]any{"user": map[string]any{"id": "u1", "a/b": 7.0}, "id": "top"}
	list := []any{map[string]any{"id": "i1"}, map[string]any{"id": 2.0}, "x"}
	for _, tc := range []struct {
		expr string
		doc  any
		want string
	}{
		{"$response.body#/user/id", obj, "u1"},
		{"$response.body#/user/a~1b", obj, "7"},
		{"$response.body#/id", list, "i1,2"},
		{"$response.body#/1/id", list, "2"},
		{"$response.body#/user", obj, ""},
		{"$response.body#/nobody", obj, ""},
		{"$response.body#xid", obj, ""},
	} {
		if got := strings.Join(r.evaluate(tc.expr, nil, tc.doc), ","); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.expr, got, tc.want)
		}
	}
}
