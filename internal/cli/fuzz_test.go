package cli

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specgate/specgate/internal/coverage"
	"github.com/specgate/specgate/internal/mock"
)

// fuzzState writes a --state file naming the mock's seeded identifiers.
func fuzzState(t *testing.T) string {
	t.Helper()
	state := map[string][]string{
		"patchUser/id": mock.SeededNERMUsers, "patchUserProfiles/id": mock.SeededProfiles,
		"patchUsers/id": mock.SeededOIGUsers, "putUsers/id": mock.SeededOIGUsers,
	}
	b, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFuzzExitCodes(t *testing.T) {
	t.Setenv("SPECGATE_PASSWORD", "password")
	state := fuzzState(t)
	conforming := httptest.NewServer(mock.New(mock.Options{}))
	defer conforming.Close()
	defective := httptest.NewServer(mock.New(mock.Options{Defects: []mock.Defect{mock.DefectLongName500}}))
	defer defective.Close()

	r := run(t, "", nil, "fuzz", "--target", conforming.URL, "--user", "username", "--state", state, "--format", "json")
	if r.code != exitOK {
		t.Fatalf("conforming mock: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var doc struct {
		Command  string
		Findings []struct{ Rule, Level string }
		Summary  struct{ Failing int }
		Coverage *coverage.Report
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("json report: %v\n%s", err, r.stdout)
	}
	if doc.Command != "fuzz" || doc.Summary.Failing != 0 {
		t.Errorf("conforming mock: command %q, %d failing", doc.Command, doc.Summary.Failing)
	}
	checkFuzzCoverage(t, doc.Coverage, r.stderr)

	r = run(t, "", nil, "fuzz", "--target", defective.URL, "--user", "username", "--state", state, "--operation", "patchUser")
	if r.code != exitFindings || !strings.Contains(r.stdout, "fuzz.server_error") || !strings.Contains(r.stdout, "curl -X PATCH") {
		t.Fatalf("defective mock: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "password") {
		t.Error("the report shows the password")
	}
	// Every format but github's annotations carries the coverage of the fuzzed operation alone:
	// the defect's 500 is the third documented response, which the conforming mock never gives.
	for format, want := range map[string]string{
		"text":   "coverage: operations 1/1 100%, responses 3/3 100%, branches 2/2 100%, parameters 1/1 100%",
		"json":   `"operations": {` + "\n" + `        "covered": 1,` + "\n" + `        "total": 1,`,
		"junit":  `<property name="coverage.responses" value="3/3 100%"></property>`,
		"sarif":  `"coverage": {`,
		"html":   `data-testid="coverage-responses">100%`,
		"github": "",
	} {
		out := filepath.Join(t.TempDir(), "report."+format)
		r := run(t, "", nil, "fuzz", "--target", defective.URL, "--user", "username", "--state", state, "--operation", "patchUser", "--format", format, "--quiet", "-o", out)
		if r.code != exitFindings {
			t.Errorf("--format %s: exit %d\n%s", format, r.code, r.stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) || format == "sarif" && !strings.Contains(string(b), `"id": "patchUser"`) {
			t.Errorf("--format %s: the report lacks %q:\n%.3000s", format, want, b)
		}
	}
	// The gate fails a run that meets no failure but misses a documented response (the 500).
	r = run(t, "", nil, "fuzz", "--target", conforming.URL, "--user", "username", "--state", state, "--operation", "patchUser", "--min-coverage", "operations=100,responses=100")
	if r.code != exitFindings || !strings.Contains(r.stderr, "--min-coverage: responses coverage is 66.6% (2 of 3)") || strings.Contains(r.stderr, "operations coverage") {
		t.Errorf("--min-coverage responses=100: exit %d\n%s", r.code, r.stderr)
	}
	r = run(t, "", nil, "fuzz", "--target", conforming.URL, "--user", "username", "--state", state, "--operation", "patchUser", "--min-coverage", "responses=60")
	if r.code != exitOK {
		t.Errorf("--min-coverage responses=60: exit %d\n%s", r.code, r.stderr)
	}
	r = run(t, "", nil, "fuzz", "--target", defective.URL, "--user", "username", "--state", state, "--operation", "patchUser", "--format", "sarif")
	if !strings.Contains(r.stdout, `"ruleId": "fuzz.server_error"`) || !strings.Contains(r.stdout, "curl -X PATCH") {
		t.Errorf("the SARIF report lacks the rule or the reproducer:\n%.2000s", r.stdout)
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("id: {nested: map}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"fuzz"},
		{"fuzz", "--target", "not a url"},
		{"fuzz", "--target", conforming.URL, "--state", bad},
		{"fuzz", "--target", conforming.URL, "--state", filepath.Join(t.TempDir(), "missing.yaml")},
		{"fuzz", "--target", conforming.URL, "--operation", "noSuchOperation"},
		{"fuzz", "--target", conforming.URL, "--format", "xml"},
		{"fuzz", "--target", conforming.URL, "--max-requests", "0"},
		{"fuzz", "--target", conforming.URL, "--min-coverage", "branchez=1"},
	} {
		if r := run(t, "", nil, args...); r.code != exitUsage || r.stderr == "" {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

func TestFuzzHelp(t *testing.T) {
	r := run(t, "", nil, "help", "fuzz")
	if r.code != exitOK || !strings.Contains(r.stdout, "--state") || !strings.Contains(r.stdout, "--max-requests") {
		t.Errorf("help fuzz: exit %d\n%s", r.code, r.stdout)
	}
	if r := run(t, "", nil, "help"); !strings.Contains(r.stdout, "specgate fuzz --target URL") {
		t.Errorf("the usage does not show fuzz:\n%s", r.stdout)
	}
}

// checkFuzzCoverage checks the coverage of a fuzz run of the conforming mock: every operation
// and branch, each operation's 200, and every exchange the run sent (stderr says how many).
func checkFuzzCoverage(t *testing.T, c *coverage.Report, stderr string) {
	t.Helper()
	if c == nil {
		t.Fatal("the json report has no coverage")
	}
	tot := c.Totals
	if tot.Operations.Covered != 4 || tot.Operations.Total != 4 || tot.Branches.Total != 6 || tot.Branches.Covered != 6 {
		t.Errorf("operations %+v, branches %+v; want 4 of 4 and 6 of 6", tot.Operations, tot.Branches)
	}
	// 16 documented responses; the mock never answers a 404 or, to a valid request, a 500.
	if tot.Responses.Total != 16 || tot.Responses.Covered < 8 || tot.Responses.Covered == 16 {
		t.Errorf("responses %+v, want most of 16", tot.Responses)
	}
	if tot.Parameters.Covered != tot.Parameters.Total || tot.Properties.Covered != tot.Properties.Total || tot.Properties.Total < 30 {
		t.Errorf("parameters %+v, properties %+v; want every one sent", tot.Parameters, tot.Properties)
	}
	sent := 0
	for _, o := range c.Operations {
		if n, _ := o.Response("200"); n == 0 {
			t.Errorf("%s never got a 200", o.ID)
		}
		sent += o.Exchanges
	}
	if !strings.Contains(stderr, fmt.Sprintf("specgate fuzz: %d requests (", sent)) {
		t.Errorf("coverage counts %d exchanges; stderr says:\n%s", sent, stderr)
	}
}
