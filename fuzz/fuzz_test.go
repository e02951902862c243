package fuzz_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/specgate/specgate/fuzz"
	"github.com/specgate/specgate/internal/coverage"
	"github.com/specgate/specgate/internal/mock"
	"github.com/specgate/specgate/specs"
)

// mockState names the identifiers the mock is seeded with, as a user's --state file would.
func mockState() map[string][]string {
	return map[string][]string{
		"patchUser/id":         mock.SeededNERMUsers,
		"patchUserProfiles/id": mock.SeededProfiles,
		"patchUsers/id":        mock.SeededOIGUsers,
		"putUsers/id":          mock.SeededOIGUsers,
	}
}

// run fuzzes a fresh mock with defects seeded on a loopback port; seen, when not nil, gets every
// request the mock received.
func run(t *testing.T, defects []mock.Defect, opts fuzz.Options, seen *[]string) *fuzz.Result {
	t.Helper()
	var mu sync.Mutex
	m := mock.New(mock.Options{Defects: defects})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen == nil {
			m.ServeHTTP(w, r)
			return
		}
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		mu.Lock()
		*seen = append(*seen, fmt.Sprintf("%d %s %s %s", rec.Code, r.Method, r.URL, b))
		mu.Unlock()
	}))
	defer srv.Close()
	docs, err := specs.Default(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	opts.Target, _ = url.Parse(srv.URL)
	opts.Auth = fuzz.Auth{User: "username", Password: "password"}
	if opts.State == nil {
		opts.State = mockState()
	}
	return fuzzRun(t, docs, opts)
}

// fuzzRun plans and runs fuzz over docs with opts, failing the test on an error.
func fuzzRun(t *testing.T, docs []*specs.Document, opts fuzz.Options) *fuzz.Result {
	t.Helper()
	f, err := fuzz.New(docs, opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestConformingMockHasNoFailures: the mock follows the specs, so nothing fails. The warnings
// left are the OIG spec's gap: it documents no 400, so an invalid body can only get a 200 with a
// per-user FAIL or the documented 500.
func TestConformingMockHasNoFailures(t *testing.T) {
	res := run(t, nil, fuzz.Options{Seed: 1}, nil)
	for _, f := range res.Findings {
		if f.Level == fuzz.LevelFailure {
			t.Errorf("failure on the conforming mock: %s %s: %s\n  %s", f.Rule, f.Operation, f.Message, f.Curl)
		}
		if f.Rule != fuzz.RuleNegativeUnrefusable || !strings.Contains(f.Operation, "/users (") {
			t.Errorf("unexpected warning on the conforming mock: %s %s: %s", f.Rule, f.Operation, f.Message)
		}
	}
	if res.GeneratorRejects != 0 || res.NegativeDropped != 0 {
		t.Errorf("the validator rejected %d generated positives and accepted %d generated negatives", res.GeneratorRejects, res.NegativeDropped)
	}
	if res.Positive == 0 || res.Negative == 0 || res.Exhausted {
		t.Errorf("sent %d positive and %d negative requests (exhausted %v)", res.Positive, res.Negative, res.Exhausted)
	}
	// State makes the updates hit existing records: every operation got its 200.
	for _, o := range res.Coverage.Operations {
		if n, _ := o.Response("200"); n == 0 || o.Valid == 0 || o.Valid == o.Exchanges {
			t.Errorf("%s: %d exchanges, %d valid, %d got a 200; want valid and invalid ones, and 200s", o.ID, o.Exchanges, o.Valid, n)
		}
	}
	if sent := sumExchanges(res.Coverage); sent != res.Requests {
		t.Errorf("coverage counts %d exchanges, the run sent %d", sent, res.Requests)
	}
}

// TestSameSeedSameRequests: the run is reproducible, and the seed matters.
func TestSameSeedSameRequests(t *testing.T) {
	var a, b, c []string
	run(t, nil, fuzz.Options{Seed: 3, MaxRequests: 150}, &a)
	run(t, nil, fuzz.Options{Seed: 3, MaxRequests: 150, Concurrency: 4}, &b)
	run(t, nil, fuzz.Options{Seed: 4, MaxRequests: 150}, &c)
	// Concurrent requests arrive in any order; the requests are the same.
	if len(a) == 0 || strings.Join(sortedCopy(a), "\n") != strings.Join(sortedCopy(b), "\n") {
		t.Errorf("seed 3 sent different requests in two runs (%d and %d)", len(a), len(b))
	}
	if strings.Join(a, "\n") == strings.Join(c, "\n") {
		t.Error("seeds 3 and 4 sent the same requests")
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// TestBudgetStopsTheRun: the run sends no more than MaxRequests, shrinking included (the OIG
// warnings are shrunk as they come), and says it stopped early.
func TestBudgetStopsTheRun(t *testing.T) {
	for _, budget := range []int{20, 60, 150} {
		var seen []string
		res := run(t, nil, fuzz.Options{Seed: 1, MaxRequests: budget, Concurrency: 3}, &seen)
		if len(seen) > budget || res.Requests > budget || !res.Exhausted {
			t.Errorf("budget %d: the mock got %d requests, the result counts %d, exhausted %v", budget, len(seen), res.Requests, res.Exhausted)
		}
	}
}

func TestUnknownOperationIsAnError(t *testing.T) {
	docs, err := specs.Default(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fuzz.New(docs, fuzz.Options{Operations: []string{"nope"}}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("New with an unknown operation: %v", err)
	}
	if _, err := fuzz.New(docs, fuzz.Options{State: map[string][]string{"id": {}}}); err == nil {
		t.Error("New with an empty state list did not fail")
	}
}

// TestIdentifiersCapturedFromReplies: without state for the three ids that name a relationship
// in PATCH /user_profiles, the run takes them from the replies of its first round and sends a
// second round with them, still without a failure on the conforming mock. How the values are
// kept is TestCaptureKeepsRecordsTogether's.
func TestIdentifiersCapturedFromReplies(t *testing.T) {
	res := run(t, nil, fuzz.Options{Seed: 1, Operations: []string{"patchUserProfiles"}}, nil)
	if got := strings.Join(res.Captured["patchUserProfiles"], " "); got != "ne_attribute_id profile_id user_id" {
		t.Fatalf("captured %q", got)
	}
	if res.Failures() != 0 || res.CapturedRejected != 0 {
		t.Errorf("%d failures, %d captured values rejected", res.Failures(), res.CapturedRejected)
	}
}

// TestDurationAndRateBoundTheRun: a run whose time is up stops without an error and says so; a
// rate limit spaces the requests out (a lower bound, which a busy machine cannot break).
func TestDurationAndRateBoundTheRun(t *testing.T) {
	res := run(t, nil, fuzz.Options{Seed: 1, Duration: time.Millisecond, Rate: 100}, nil)
	if !res.Exhausted || res.Requests > 5 {
		t.Errorf("1 ms at 100 requests/s: %d requests, exhausted %v", res.Requests, res.Exhausted)
	}
	start := time.Now()
	res = run(t, nil, fuzz.Options{Seed: 1, MaxRequests: 10, Rate: 100}, nil)
	if elapsed := time.Since(start); res.Requests != 10 || elapsed < 90*time.Millisecond {
		t.Errorf("10 requests at 100/s took %v (%d sent)", elapsed, res.Requests)
	}
}

// TestWithoutCredentials: with no credentials given, a secured operation gets only its
// missing-credentials request, which the conforming mock refuses with 401; nothing is counted
// as a generator bug.
func TestWithoutCredentials(t *testing.T) {
	srv := httptest.NewServer(mock.New(mock.Options{}))
	defer srv.Close()
	docs, err := specs.Default(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(srv.URL)
	res := fuzzRun(t, docs, fuzz.Options{Target: target, Operations: []string{"putUsers"}, State: mockState()})
	if res.Requests != 1 || res.Negative != 1 || res.GeneratorRejects != 0 || len(res.Findings) != 0 {
		t.Errorf("%d requests (%d negative), %d rejects, findings %+v", res.Requests, res.Negative, res.GeneratorRejects, res.Findings)
	}
	if c := res.Coverage; len(c.Operations) != 1 || c.Operations[0].ID != "putUsers" || c.Totals.Operations.Covered != 1 {
		t.Errorf("coverage %+v, want putUsers alone, covered", c)
	} else if n, _ := c.Operations[0].Response("401"); n != 1 || c.Totals.Responses.Covered != 1 {
		t.Errorf("responses %+v, want the one 401", c.Operations[0].Responses)
	}
	if len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "needs credentials") {
		t.Errorf("notes %q", res.Notes)
	}
}

func sumExchanges(c *coverage.Report) int {
	n := 0
	for _, o := range c.Operations {
		n += o.Exchanges
	}
	return n
}

// TestIdentifiersCrossOperations: with state for the relationships and the OIG users only, the
// ids the other two operations need come from other operations' replies, never from luck: PATCH
// /users/{id} gets the user_id the relationships PATCH /user_profiles returned carry (a seeded
// NERM user, not one a request made up), and PATCH /users (OIG) the usr_keys PUT /users
// answered for. Both then update existing records, and nothing fails.
func TestIdentifiersCrossOperations(t *testing.T) {
	var seen []string
	res := run(t, nil, fuzz.Options{Seed: 1, State: map[string][]string{
		"patchUserProfiles/id": mock.SeededProfiles,
		"putUsers/id":          mock.SeededOIGUsers,
	}}, &seen)
	from := res.CapturedFrom
	if got := from["patchUser"]["id"]; got != "the user_id of patchUserProfiles's replies" {
		t.Errorf("patchUser's id came from %q (captured %v)", got, from)
	}
	if got := from["patchUsers"]["id"]; got != "the user_id of putUsers's replies" {
		t.Errorf("patchUsers's id came from %q (captured %v)", got, from)
	}
	if res.Failures() != 0 || res.CapturedRejected != 0 {
		t.Errorf("%d failures, %d captured values rejected", res.Failures(), res.CapturedRejected)
	}
	seeded := map[string]bool{}
	for _, id := range append(append([]string(nil), mock.SeededNERMUsers...), mock.SeededOIGUsers...) {
		seeded[id] = true
	}
	updated, oig := 0, 0
	for _, line := range seen {
		f := strings.SplitN(line, " ", 4) // status method URL body
		if f[0] == "200" && f[1] == "PATCH" && strings.Contains(f[2], "/api/users/") {
			id := f[2][strings.LastIndex(f[2], "/")+1:]
			if !seeded[id] {
				t.Errorf("PATCH %s succeeded on a user the mock does not have", f[2])
			}
			updated++
		}
		if f[1] == "PATCH" && strings.HasSuffix(f[2], "/api/v1/users") && strings.Contains(f[3], `"id":"18008"`) {
			oig++
		}
	}
	if updated == 0 || oig == 0 {
		t.Errorf("%d NERM user updates succeeded, %d OIG patches named a seeded usr_key", updated, oig)
	}
}

// TestLinksChainOperations: OpenAPI links are followed along a chain. A loopback server stands
// for the API of the OAI's link example, knowing one user (alice), her repository octo and its
// pull request 7; the run is given only alice. Each link's values feed the next operation in
// a later round: her repositories, then octo, then its pull requests, then pull request 7 and
// its merge. "octo" and "7" come from replies only, so the requests naming them prove the
// links were followed.
func TestLinksChainOperations(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	user := func(name string) map[string]any { return map[string]any{"username": name, "uuid": "u-" + name} }
	repo := func(owner, slug string) map[string]any { return map[string]any{"slug": slug, "owner": user(owner)} }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
		seg := strings.Split(strings.TrimPrefix(r.URL.Path, "/2.0/"), "/")
		var body any
		switch {
		case r.Method == http.MethodPost && len(seg) == 6 && seg[5] == "merge":
			w.WriteHeader(http.StatusNoContent)
			return
		case seg[0] == "users" && len(seg) == 2:
			body = user(seg[1])
		case seg[0] == "repositories" && len(seg) == 2:
			body = []any{}
			if seg[1] == "alice" {
				body = []any{repo("alice", "octo")}
			}
		case seg[0] == "repositories" && len(seg) == 3:
			body = repo(seg[1], seg[2])
		case seg[0] == "repositories" && len(seg) == 4:
			body = []any{}
			if seg[1] == "alice" && seg[2] == "octo" {
				body = []any{map[string]any{"id": 7, "title": "t", "repository": repo("alice", "octo"), "author": user("alice")}}
			}
		case seg[0] == "repositories" && len(seg) == 5:
			body = map[string]any{"id": 7, "title": "t", "repository": repo(seg[1], seg[2]), "author": user(seg[1])}
		default:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	}))
	defer srv.Close()
	docs, err := specs.LoadFiles(context.Background(), "../../shared/real-specs/oai-learn/examples/v3.0/link-example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(srv.URL)
	res := fuzzRun(t, docs, fuzz.Options{Target: target, Seed: 1, State: map[string][]string{"getUserByName/username": {"alice"}}})
	for _, p := range []string{
		"GET /2.0/repositories/alice",
		"GET /2.0/repositories/alice/octo",
		"GET /2.0/repositories/alice/octo/pullrequests",
	} {
		if !slices.Contains(paths, p) {
			t.Errorf("no request %s; captured %v", p, res.CapturedFrom)
		}
	}
	if got := res.CapturedFrom["getPullRequestsByRepository"]["slug"]; got != "the link repositoryPullRequests of getRepository" {
		t.Errorf("getPullRequestsByRepository's slug came from %q", got)
	}
	if res.Failures() != 0 {
		for _, x := range res.Findings {
			t.Logf("%s %s: %s", x.Rule, x.Operation, x.Message)
		}
		t.Errorf("%d failures", res.Failures())
	}
}

// formServer serves testdata/forms.yaml on loopback, parsing bodies with net/http's own form
// and multipart readers and refusing with 400 what the spec forbids; with longBody500 it
// answers 500 to a message Body longer than 20 characters (the spec allows 32).
func formServer(longBody500 bool) *httptest.Server {
	to := regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bad := func() { w.WriteHeader(http.StatusBadRequest) }
		ct := r.Header.Get("Content-Type")
		switch r.URL.Path {
		case "/api/messages":
			if !strings.HasPrefix(ct, "application/x-www-form-urlencoded") || r.ParseForm() != nil {
				bad()
				return
			}
			f := r.PostForm
			body := f.Get("Body")
			if !to.MatchString(f.Get("To")) || len(f["To"]) != 1 || body == "" || len(body) > 32 || len(f["Body"]) != 1 {
				bad()
				return
			}
			if a, ok := f["Attempt"]; ok {
				if n, err := strconv.Atoi(a[0]); err != nil || len(a) != 1 || n < 1 || n > 5 {
					bad()
					return
				}
			}
			if v, ok := f["Force"]; ok && (len(v) != 1 || v[0] != "true" && v[0] != "false") {
				bad()
				return
			}
			for _, e := range f["StatusCallbackEvent"] {
				if e != "sent" && e != "failed" && e != "delivered" {
					bad()
					return
				}
			}
			if longBody500 && len(body) > 20 {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusCreated)
		case "/api/uploads":
			if !strings.HasPrefix(ct, "multipart/form-data") || r.ParseMultipartForm(1<<20) != nil {
				bad()
				return
			}
			f := r.MultipartForm.Value
			if name := f["name"]; len(name) != 1 || name[0] == "" || len(name[0]) > 64 {
				bad()
				return
			}
			if s, ok := f["size"]; ok {
				if n, err := strconv.Atoi(s[0]); err != nil || len(s) != 1 || n < 0 || n > 10 {
					bad()
					return
				}
			}
			w.WriteHeader(http.StatusCreated)
		default:
			http.NotFound(w, r)
		}
	}))
}

func fuzzForms(t *testing.T, longBody500 bool) *fuzz.Result {
	t.Helper()
	srv := formServer(longBody500)
	defer srv.Close()
	docs, err := specs.LoadFiles(context.Background(), "testdata/forms.yaml")
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(srv.URL)
	return fuzzRun(t, docs, fuzz.Options{Target: target, Seed: 1})
}

// TestFormBodies: form and multipart bodies are generated, positive and negative, and judged by
// the validator: a server that parses them with net/http's readers and refuses what the spec
// forbids gets no failure, and the XML body the validator cannot check is reported as not
// checked. With a 500 seeded on long message bodies, the run finds it and shrinks the form to
// the two required fields.
func TestFormBodies(t *testing.T) {
	res := fuzzForms(t, false)
	for _, x := range res.Findings {
		t.Errorf("%s %s %s: %s\n  %s", x.Level, x.Rule, x.Operation, x.Message, x.Curl)
	}
	if res.GeneratorRejects != 0 || res.NegativeDropped != 0 || res.Positive < 10 || res.Negative < 10 {
		t.Errorf("%d positive, %d negative sent; %d rejected, %d negatives dropped", res.Positive, res.Negative, res.GeneratorRejects, res.NegativeDropped)
	}
	// Both operations got both of their statuses: the positives were created, the negatives refused.
	for _, o := range res.Coverage.Operations {
		for _, r := range o.Responses {
			if r.Exchanges == 0 {
				t.Errorf("%s never got its %s (%d exchanges)", o.ID, r.Name, o.Exchanges)
			}
		}
	}
	if len(res.Unchecked) != 1 || !strings.Contains(res.Unchecked[0], "(upload): application/xml") {
		t.Errorf("unchecked %q", res.Unchecked)
	}
	res = fuzzForms(t, true)
	var hit *fuzz.Finding
	for i, x := range res.Findings {
		if x.Rule == fuzz.RuleServerError && strings.HasSuffix(x.Operation, "(createMessage)") {
			hit = &res.Findings[i]
		}
	}
	if hit == nil || res.Failures() != 1 {
		t.Fatalf("the seeded 500 was not found alone: %+v", res.Findings)
	}
	form, err := url.ParseQuery(hit.Body)
	if err != nil || len(form) != 2 || len(form.Get("Body")) != 21 || !strings.Contains(hit.Curl, "application/x-www-form-urlencoded") {
		t.Errorf("not minimal: %s", hit.Curl)
	}
}

// TestExtraPropertyAccepted: a server that checks every declared constraint but ignores a
// property additionalProperties forbids is found, with the extra property alone beside the
// required one.
func TestExtraPropertyAccepted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&body) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		name, ok := body["name"].(string)
		note, noteOK := body["note"]
		if _, isString := note.(string); !ok || len([]rune(name)) > 8 || noteOK && !isString {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	docs, err := specs.LoadFiles(context.Background(), "testdata/closed-object.yaml")
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(srv.URL)
	res := fuzzRun(t, docs, fuzz.Options{Target: target, Seed: 1})
	var hits []fuzz.Finding
	for _, x := range res.Findings {
		if x.Level == fuzz.LevelFailure {
			hits = append(hits, x)
		}
	}
	if len(hits) != 1 || hits[0].Rule != fuzz.RuleNegativeAccepted || !strings.Contains(hits[0].Mutation, "additionalProperties") {
		t.Fatalf("want one %s for the extra property, got %+v", fuzz.RuleNegativeAccepted, hits)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(hits[0].Body), &body); err != nil || len(body) != 2 || body["name"] == nil || body["specgate_unlisted"] == nil {
		t.Errorf("not minimal: %s", hits[0].Curl)
	}
}
