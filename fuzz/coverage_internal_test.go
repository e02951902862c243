package fuzz

import (
	"context"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"

	"github.com/specgate/specgate/internal/mock"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// The verdict coverage counts an exchange by, put together from the request's (judged before
// sending) and the reply's, is the one validating the whole exchange at once gives, for every
// request of a run's plan, positive and negative, against the mock.
func TestExchangeResultIsTheWholeExchangesVerdict(t *testing.T) {
	f := mockFuzzer(t)
	ctx := context.Background()
	plan, _ := f.plan(context.Background(), &Result{}, map[string]bool{}, f.ops, false)
	branches := 0
	for _, s := range plan {
		var err error
		if s.resp, err = f.send(ctx, s.enc.req); err != nil {
			t.Fatal(err)
		}
		got := exchangeResult(s, f.checkResponse(ctx, s.tc, s.resp))
		want := f.v.Validate(ctx, validator.Exchange{Request: s.enc.req, Response: s.resp})
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s %s:\n got %+v %+v\nwant %+v %+v", s.tc.op, s.tc.mutation, got, got.Observed, want, want.Observed)
		}
		branches += len(want.Observed.Branches)
	}
	if len(plan) < 100 || branches == 0 {
		t.Errorf("%d requests went through %d branches; want a plan that takes the oneOfs", len(plan), branches)
	}
}

// mockFuzzer fuzzes a conforming mock on loopback, with credentials and the mock's records as
// state; the mock stops with the test.
func mockFuzzer(tb testing.TB) *Fuzzer {
	tb.Helper()
	srv := httptest.NewServer(mock.New(mock.Options{}))
	tb.Cleanup(srv.Close)
	docs, err := specs.Default(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	target, _ := url.Parse(srv.URL)
	f, err := New(docs, Options{Target: target, Auth: Auth{User: "username", Password: "password"}, State: map[string][]string{
		"patchUser/id": mock.SeededNERMUsers, "patchUserProfiles/id": mock.SeededProfiles,
		"patchUsers/id": mock.SeededOIGUsers, "putUsers/id": mock.SeededOIGUsers,
	}})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}
