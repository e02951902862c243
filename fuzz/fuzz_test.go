package fuzz_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
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
	f, err := fuzz.New(docs, fuzz.Options{Target: target, Operations: []string{"putUsers"}, State: mockState()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
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
