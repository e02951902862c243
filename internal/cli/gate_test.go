package cli

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specgate/specgate/internal/mock"
)

const (
	faithfulProfiles = "../../specs/testdata/faithful/nerm-patch-user-profiles.json"
	faithfulUser     = "../../specs/testdata/faithful/nerm-patch-user.json"
	oigSpec          = "../../specs/oig-selfservice.yaml"
)

// findingsReport is the JSON findings report, decoded.
type findingsReport struct {
	Command  string
	Inputs   []string
	Findings []struct {
		Rule, Level, File, Pointer, Operation, Message, Origin string
		Line                                                   int
		Witness                                                any
	}
	Summary struct {
		Findings, Failing int
	}
}

func decodeFindings(t *testing.T, s string) findingsReport {
	t.Helper()
	var r findingsReport
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("not a JSON findings report: %v\n%s", err, s)
	}
	return r
}

func TestLintCommand(t *testing.T) {
	res := run(t, "", nil, "lint")
	if res.code != 0 || !strings.Contains(res.stdout, "0 findings in 2 files checked") {
		t.Fatalf("lint of the embedded specs: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	res = run(t, "", nil, "lint", "--format", "json", faithfulProfiles, faithfulUser)
	if res.code != 1 {
		t.Fatalf("lint of the faithful copies: exit %d, want 1\n%s", res.code, res.stderr)
	}
	r := decodeFindings(t, res.stdout)
	ambiguous := 0
	for _, f := range r.Findings {
		if f.Rule == "lint.oneof.ambiguous" {
			ambiguous++
			if f.Line == 0 || f.Witness == nil || f.Pointer == "" {
				t.Errorf("ambiguous oneOf without line, witness or pointer: %+v", f)
			}
		}
	}
	// Every finding fails but one: the warning that user.id repeats the path id.
	if ambiguous != 3 || r.Summary.Failing != len(r.Findings)-1 {
		t.Errorf("%d ambiguous oneOfs, summary %+v", ambiguous, r.Summary)
	}
	if res := run(t, "", nil, "lint", "--fail-on", "none", faithfulUser); res.code != 0 {
		t.Errorf("--fail-on none: exit %d", res.code)
	}
	res = run(t, "", nil, "lint", "--format", "sarif", faithfulUser)
	if res.code != 1 || !strings.Contains(res.stdout, `"version": "2.1.0"`) || !strings.Contains(res.stdout, `"startLine": 46`) {
		t.Errorf("sarif: exit %d\n%s", res.code, res.stdout)
	}
	res = run(t, "", nil, "lint", "--format", "junit", faithfulUser)
	if res.code != 1 || !strings.Contains(res.stdout, "<testsuites") {
		t.Errorf("junit: exit %d\n%s", res.code, res.stdout)
	}
}

func TestLintContractsFlag(t *testing.T) {
	dir := t.TempDir()
	op := filepath.Join(dir, "oig-selfservice", "putUsers")
	if err := os.MkdirAll(op, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, op, "valid-wrong.yaml", []byte("description: claims valid\noperation: putUsers\nresponse: {status: 418}\nexpect: {valid: true}\n"))
	res := run(t, "", nil, "lint", "--contracts", dir, oigSpec)
	if res.code != 1 || !strings.Contains(res.stdout, "lint.contract.mismatch") {
		t.Errorf("exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if res := run(t, "", nil, "lint", "--no-contracts"); res.code != 0 {
		t.Errorf("--no-contracts: exit %d", res.code)
	}
}

// mutated writes a copy of the OIG spec with old replaced by new.
func mutated(t *testing.T, dir, old, new string) string {
	t.Helper()
	data, err := os.ReadFile(oigSpec)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("the OIG spec has no %q", old)
	}
	return writeFile(t, dir, "oig-selfservice.yaml", []byte(strings.Replace(string(data), old, new, 1)))
}

func TestDiffCommand(t *testing.T) {
	dir := t.TempDir()
	if res := run(t, "", nil, "diff", oigSpec, oigSpec); res.code != 0 || !strings.Contains(res.stdout, "0 findings") {
		t.Errorf("identical specs: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	// A new enum value in a response: breaking.
	rev := mutated(t, dir, "enum: [' SUCCESS', ' FAIL', SUCCESS, FAIL]", "enum: [' SUCCESS', ' FAIL', SUCCESS, FAIL, PENDING]")
	res := run(t, "", nil, "diff", "--format", "json", oigSpec, rev)
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", res.code, res.stderr)
	}
	r := decodeFindings(t, res.stdout)
	if len(r.Findings) == 0 || r.Findings[0].Rule != "diff.response.enum.widened" || r.Findings[0].Level != "breaking" || r.Findings[0].Operation == "" {
		t.Errorf("findings %+v", r.Findings)
	}
	// A new response status: info, so --fail-on breaking passes and --fail-on info fails.
	rev2 := mutated(t, t.TempDir(), "        '403':\n          description: Forbidden\n", "        '403':\n          description: Forbidden\n        '409':\n          description: Conflict\n")
	if res := run(t, "", nil, "diff", oigSpec, rev2); res.code != 0 {
		t.Errorf("an added status failed the default level: exit %d\n%s", res.code, res.stdout)
	}
	if res := run(t, "", nil, "diff", "--fail-on", "info", oigSpec, rev2); res.code != 1 {
		t.Errorf("--fail-on info: exit %d\n%s", res.code, res.stdout)
	}
	for _, args := range [][]string{{"diff", oigSpec}, {"diff", oigSpec, filepath.Join(dir, "none.yaml")}, {"diff", "--fail-on", "fatal", oigSpec, oigSpec}, {"diff", "--format", "xml", oigSpec, oigSpec}} {
		if res := run(t, "", nil, args...); res.code != 2 || res.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q", args, res.code, res.stdout)
		}
	}
}

func TestDiffTraffic(t *testing.T) {
	rev := mutated(t, t.TempDir(), "        type: string\n        minLength: 1\n", "        type: string\n        minLength: 1\n        maxLength: 8\n")
	res := run(t, "", nil, "diff", "--format", "github", "--traffic", "../diff/testdata/oig.har", oigSpec, rev)
	if res.code != 1 || !strings.Contains(res.stdout, "title=diff.traffic.regression") || !strings.Contains(res.stderr, "replayed 2 recorded exchanges: 1 valid before and not now") {
		t.Errorf("exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
}

func TestReplayCommand(t *testing.T) {
	h := mock.New(mock.Options{Credentials: map[string]string{"svc": "pa55word"}})
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = append(auth, r.Header.Get("Authorization"))
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	t.Setenv("SPECGATE_PASSWORD", "pa55word")
	res := run(t, "", nil, "replay", "--target", srv.URL, "--user", "svc", "--format", "junit")
	if res.code != 0 || !strings.Contains(res.stdout, "<testsuites") {
		t.Fatalf("exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if strings.Contains(res.stdout+res.stderr, "pa55word") || !strings.Contains(res.stderr, "with basic credentials") {
		t.Errorf("the password shows, or the credentials are not announced:\n%s", res.stderr)
	}
	for _, a := range auth {
		if a != "Basic c3ZjOnBhNTV3b3Jk" {
			t.Fatalf("Authorization %q, want the given credentials", a)
		}
	}
	t.Setenv("SPECGATE_PASSWORD", "")
	srv.Close()
	if res := run(t, "", nil, "replay", "--target", srv.URL); res.code != 2 {
		t.Errorf("unreachable target: exit %d", res.code)
	}
	t.Setenv("SPECGATE_TARGET", "")
	for _, args := range [][]string{{"replay"}, {"replay", "--target", "not a url"}, {"replay", "--target", "https://u:p@example.com"}} {
		if res := run(t, "", nil, args...); res.code != 2 || strings.Contains(res.stderr, "u:p") {
			t.Errorf("%v: exit %d\n%s", args, res.code, res.stderr)
		}
	}
}

func TestGateHelp(t *testing.T) {
	for _, cmd := range []string{"lint", "diff", "replay"} {
		res := run(t, "", nil, "help", cmd)
		if res.code != 0 || !strings.Contains(res.stdout, "Usage: specgate "+cmd) {
			t.Errorf("help %s: exit %d\n%s", cmd, res.code, res.stdout)
		}
		if res := run(t, "", nil, cmd, "--bogus"); res.code != 2 {
			t.Errorf("%s --bogus: exit %d", cmd, res.code)
		}
	}
	if res := run(t, "", nil, "help"); !strings.Contains(res.stdout, "specgate lint") || !strings.Contains(res.stdout, "specgate replay --target") {
		t.Errorf("usage lacks the new commands:\n%s", res.stdout)
	}
}

// replay measures coverage like validate: against specgate mock, the bundled contracts' requests
// exercise every operation, and --min-coverage can still fail the run.
func TestReplayCoverage(t *testing.T) {
	srv := httptest.NewServer(mock.New(mock.Options{}))
	defer srv.Close()
	t.Setenv("SPECGATE_USER", "username")
	t.Setenv("SPECGATE_PASSWORD", "password")
	var out, errOut bytes.Buffer
	code := Run(t.Context(), []string{"replay", "--target", srv.URL, "--format", "json", "--coverage", "--min-coverage", "operations=100"}, &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rep struct {
		Coverage map[string]any `json:"coverage"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.Coverage == nil {
		t.Fatalf("no coverage object in the report (%v): %.300s", err, out.String())
	}
	out.Reset()
	errOut.Reset()
	code = Run(t.Context(), []string{"replay", "--target", srv.URL, "--min-coverage", "responses=100"}, &out, &errOut)
	if code != exitFindings || !strings.Contains(errOut.String(), "--min-coverage") {
		t.Fatalf("exit %d, want 1 with a shortfall named: %s", code, errOut.String())
	}
}
