package fuzz_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/specgate/specgate/fuzz"
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

func run(t *testing.T, defects []mock.Defect, opts fuzz.Options) *fuzz.Result {
	t.Helper()
	srv := httptest.NewServer(mock.New(mock.Options{Defects: defects}))
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

func TestConformingMockHasNoFailures(t *testing.T) {
	res := run(t, nil, fuzz.Options{Seed: 1})
	for _, f := range res.Findings {
		t.Logf("%s %s %s: %s\n  %s", f.Level, f.Rule, f.Operation, f.Message, f.Curl)
		for _, v := range f.ResponseViolations {
			t.Logf("   resp %s", v)
		}
	}
	t.Logf("requests %d planned %d pos %d neg %d rejects %d dropped %d notes %v", res.Requests, res.Planned, res.Positive, res.Negative, res.GeneratorRejects, res.NegativeDropped, res.Notes)
	for _, c := range res.Coverage {
		t.Logf("%+v", c)
	}
	if n := res.Failures(); n > 0 {
		t.Errorf("%d failures on the conforming mock", n)
	}
}

func TestFindsEverySeededDefect(t *testing.T) {
	want := map[mock.Defect]struct{ rule, op string }{
		mock.DefectLongName500:            {fuzz.RuleServerError, "patchUser"},
		mock.DefectAcceptsForbiddenStatus: {fuzz.RuleNegativeAccepted, "patchUser"},
		mock.DefectJobStatusString:        {fuzz.RuleResponseInvalid, "patchUserProfiles"},
		mock.DefectNoCredentials:          {fuzz.RuleNegativeAccepted, "putUsers"},
		mock.DefectUndocumentedStatus:     {fuzz.RuleStatusUndocumented, "putUsers"},
	}
	for _, d := range mock.Defects {
		t.Run(string(d), func(t *testing.T) {
			res := run(t, []mock.Defect{d}, fuzz.Options{Seed: 7})
			for _, f := range res.Findings {
				if f.Level == fuzz.LevelFailure {
					t.Logf("%s %s %s (%d steps): %s\n  %s", f.Level, f.Rule, f.Operation, f.ShrinkSteps, f.Message, f.Curl)
				}
			}
			t.Logf("%d requests", res.Requests)
		})
	}
	_ = want
}
