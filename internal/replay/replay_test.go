package replay

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/internal/mock"
	"github.com/specgate/specgate/internal/report"
	"github.com/specgate/specgate/validator"
)

func setup(t *testing.T) (*validator.Validator, []Case) {
	t.Helper()
	v, err := validator.Default(context.Background(), validator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases, err := Cases(contracts.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	return v, cases
}

func run(t *testing.T, v *validator.Validator, cases []Case, opts Options) []report.Entry {
	t.Helper()
	var out []report.Entry
	err := Run(context.Background(), v, cases, "contracts", opts, func(e report.Entry) error {
		out = append(out, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCases(t *testing.T) {
	_, cases := setup(t)
	ops := map[string]int{}
	for _, c := range cases {
		ops[c.Contract.Operation]++
		if strings.Contains(c.Path, "invalid-request") || strings.Contains(c.Path, "invalid-route") || strings.Contains(c.Path, "invalid-security") {
			t.Errorf("case %s has a request the validator refuses", c.Path)
		}
	}
	for _, op := range []string{"patchUserProfiles", "patchUser", "patchUsers", "putUsers"} {
		if ops[op] == 0 {
			t.Errorf("no case for %s", op)
		}
	}
}

// Against a conforming deployment (specgate mock, holding the credentials given), every case
// conforms; the target's path prefix is kept, and credentials given replace the contracts' own.
func TestRunConforms(t *testing.T) {
	v, cases := setup(t)
	h := mock.New(mock.Options{Credentials: map[string]string{"svc": "pw"}})
	var sawAuth, sawPrefix bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); ok && u == "svc" && p == "pw" {
			sawAuth = true
		}
		if rest, ok := strings.CutPrefix(r.URL.Path, "/prefix"); ok {
			sawPrefix = true
			r.URL.Path = rest
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	target, _ := url.Parse(srv.URL + "/prefix")
	entries := run(t, v, cases, Options{Target: target, Auth: Auth{User: "svc", Password: "pw"}})
	if len(entries) != len(cases) {
		t.Fatalf("%d entries for %d cases", len(entries), len(cases))
	}
	for _, e := range entries {
		if e.Err != nil || !e.Result.Valid() {
			t.Errorf("%s: err %v, violations %+v", e.File, e.Err, e.Result.Violations)
		}
		if !strings.HasPrefix(e.File, "contracts/") {
			t.Errorf("entry file %s", e.File)
		}
	}
	if !sawAuth || !sawPrefix {
		t.Errorf("auth replaced %v, prefix kept %v", sawAuth, sawPrefix)
	}
}

// A deployment that breaks the specs is reported, and a dead one is an error per case, without
// the credentials in any message.
func TestRunNonConformingAndDown(t *testing.T) {
	v, cases := setup(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"users": "nope", "user": 1, "user_profiles": 2}`))
	}))
	target, _ := url.Parse(srv.URL)
	entries := run(t, v, cases, Options{Target: target, Auth: Auth{Token: "s3cr3t-token"}})
	invalid := 0
	for _, e := range entries {
		if e.Err == nil && !e.Result.Valid() {
			invalid++
		}
	}
	if invalid == 0 {
		t.Error("no case reported against a deployment that answers nonsense")
	}
	srv.Close()
	entries = run(t, v, cases[:2], Options{Target: target, Auth: Auth{Token: "s3cr3t-token"}})
	for _, e := range entries {
		if e.Err == nil {
			t.Fatalf("%s: no error from a closed server", e.File)
		}
		if strings.Contains(e.Err.Error(), "s3cr3t") {
			t.Errorf("error shows the token: %v", e.Err)
		}
	}
	if err := Run(context.Background(), v, cases, "", Options{}, func(report.Entry) error { return nil }); err == nil {
		t.Error("no error without a target")
	}
	if s := (Auth{Token: "s3cr3t-token"}).String(); strings.Contains(s, "s3cr3t") {
		t.Errorf("Auth.String shows the token: %s", s)
	}
}
