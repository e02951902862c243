package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/internal/coverage"
	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/validator"
)

// documentedExchanges are the vendors' documented examples as a browser would record them.
func documentedExchanges(t *testing.T) []validator.Exchange {
	t.Helper()
	exs, err := contracts.Documented(contracts.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	return exs
}

// coverageJSON is the coverage object of the JSON report.
func coverageJSON(t *testing.T, stdout string) coverage.Report {
	t.Helper()
	var doc struct {
		Coverage *coverage.Report `json:"coverage"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("not the JSON report: %v\n%s", err, stdout)
	}
	if doc.Coverage == nil {
		t.Fatalf("the JSON report has no coverage object\n%s", stdout)
	}
	return *doc.Coverage
}

func coverageBranches(r coverage.Report, op string) map[string]int {
	out := map[string]int{}
	for _, o := range r.Operations {
		if o.ID != op {
			continue
		}
		for _, ch := range o.Choices {
			for _, b := range ch.Branches {
				out[ch.Keyword+" "+strings.Join(ch.Statuses, ",")+" "+b.Name] = b.Matches
			}
		}
	}
	return out
}

// validate --coverage on a HAR of the documented examples: every operation, the statuses the
// pages document examples for, and the job-status branch but not the user-profiles branch of
// the 200 oneOf (the page's own user-profiles example breaks the uid schema).
func TestValidateCoverageOnDocumentedExamples(t *testing.T) {
	har := writeFile(t, t.TempDir(), "documented.har", harOf(t, documentedExchanges(t)...))
	res := run(t, "", nil, "validate", "--coverage", "--format", "json", har)
	if res.code != exitFindings {
		t.Fatalf("exit %d, want 1 (the documented uid examples break the schema)\n%s", res.code, res.stderr)
	}
	cov := coverageJSON(t, res.stdout)
	if cov.Totals.Operations != (coverage.Metric{Covered: 4, Total: 4, Percent: 100}) {
		t.Errorf("operations %+v", cov.Totals.Operations)
	}
	if cov.Totals.Responses.Covered != 8 || cov.Totals.Responses.Total != 16 || cov.Totals.Responses.Percent != 50 {
		t.Errorf("responses %+v, want 8 of 16: NERM's 200, 400 and 500 and OIG's 200", cov.Totals.Responses)
	}
	got := coverageBranches(cov, "patchUserProfiles")
	want := map[string]int{"oneOf 200 JobStatusResult": 1, "oneOf 200 UserProfilesResult": 0, "oneOf 400 SyntaxError": 1, "oneOf 400 RecordError": 1}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("patchUserProfiles %s = %d, want %d (all: %v)", k, got[k], n, got)
		}
	}

	text := run(t, "", nil, "validate", "--coverage", har)
	for _, line := range []string{
		"coverage: operations 4/4 100%, responses 8/16 50%, branches 5/6 83.3%",
		"  patchUserProfiles         5     2     2     -     -     -     1  3/4\n",
		"  putUsers                  1     1     -     0     0     0     0  -\n",
	} {
		if !strings.Contains(text.stdout, line) {
			t.Errorf("text report lacks %q\n%s", line, text.stdout)
		}
	}
	if plain := run(t, "", nil, "validate", har); strings.Contains(plain.stdout, "coverage") {
		t.Error("the text report shows coverage without --coverage")
	}
	// JUnit and SARIF carry the same numbers: a suite of properties, the run's properties.
	junit := run(t, "", nil, "validate", "--coverage", "--format", "junit", har)
	if !strings.Contains(junit.stdout, `<property name="coverage.branches" value="5/6 83.3%"></property>`) {
		t.Errorf("the junit report lacks the branches coverage\n%.3000s", junit.stdout)
	}
	sarif := run(t, "", nil, "validate", "--coverage", "--format", "sarif", har)
	var log struct {
		Runs []struct {
			Properties struct{ Coverage coverage.Report }
		}
	}
	if err := json.Unmarshal([]byte(sarif.stdout), &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("sarif: %v\n%.2000s", err, sarif.stdout)
	}
	if got := log.Runs[0].Properties.Coverage.Totals; got.Responses != cov.Totals.Responses || got.Branches.Covered != 5 {
		t.Errorf("sarif coverage totals %+v, want the json report's", got)
	}
	if plain := run(t, "", nil, "validate", "--format", "sarif", har); strings.Contains(plain.stdout, `"coverage"`) {
		t.Error("the sarif report shows coverage without --coverage")
	}
}

// --min-coverage fails a run that misses a documented response, even when every exchange is
// valid, and passes one that meets it; a malformed gate is a usage error.
func TestMinCoverage(t *testing.T) {
	har := writeFile(t, t.TempDir(), "valid.har", harOf(t, patchUsers(t)))
	ok := run(t, "", nil, "validate", "--min-coverage", "operations=25", "--format", "json", har)
	if ok.code != exitOK {
		t.Errorf("exit %d, want 0: one of four operations is 25%%\n%s", ok.code, ok.stderr)
	}
	if cov := coverageJSON(t, ok.stdout); cov.Totals.Operations.Percent != 25 {
		t.Errorf("operations %v%%, want 25 (--min-coverage implies --coverage)", cov.Totals.Operations.Percent)
	}

	short := run(t, "", nil, "validate", "--min-coverage", "operations=25,responses=100", har)
	if short.code != exitFindings {
		t.Errorf("exit %d, want 1: PATCH /users' 401, 403, 404 and 500 were not seen", short.code)
	}
	if !strings.Contains(short.stderr, "--min-coverage: responses coverage is 6.2% (1 of 16), below the required 100%") {
		t.Errorf("stderr does not name the metric that fell short:\n%s", short.stderr)
	}
	if strings.Contains(short.stderr, "operations coverage") {
		t.Errorf("stderr names a metric that met its threshold:\n%s", short.stderr)
	}

	for _, gate := range []string{"lines=80", "responses", "responses=120", ""} {
		bad := run(t, "", nil, "validate", "--min-coverage="+gate, har)
		if bad.code != exitUsage || !strings.Contains(bad.stderr, "-min-coverage: ") {
			t.Errorf("--min-coverage=%q: exit %d, stderr %q; want a usage error naming the flag", gate, bad.code, bad.stderr)
		}
	}
}

// Every contract, fed to specgate validate as its bundled input, reaches the gate the issue
// sets: every operation, every documented response and every oneOf branch.
func TestContractsPassTheCoverageGate(t *testing.T) {
	all := func(context.Context) ([]traffic.Record, error) {
		fsys := contracts.Embedded()
		paths, err := contracts.Glob(fsys)
		if err != nil {
			return nil, err
		}
		sort.Strings(paths)
		var recs []traffic.Record
		for _, p := range paths {
			c, err := contracts.Load(fsys, p)
			if err != nil {
				return nil, err
			}
			ex, err := c.Exchange()
			if err != nil {
				return nil, err
			}
			recs = append(recs, traffic.Record{File: filepath.ToSlash("contracts/" + p), Exchange: ex})
		}
		return recs, nil
	}
	res := run(t, "", all, "validate", "--format", "json", "--min-coverage", "operations=100,responses=100,branches=100")
	if strings.Contains(res.stderr, "--min-coverage") {
		t.Errorf("the contracts fall short of the gate:\n%s", res.stderr)
	}
	if res.code != exitFindings {
		t.Errorf("exit %d, want 1 (the invalid contracts are findings)", res.code)
	}
	cov := coverageJSON(t, res.stdout)
	if cov.Totals.Branches.Covered != cov.Totals.Branches.Total || cov.Totals.Branches.Total != 6 {
		t.Errorf("branches %+v, want all 6", cov.Totals.Branches)
	}
}
