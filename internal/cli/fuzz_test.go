package cli

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("json report: %v\n%s", err, r.stdout)
	}
	if doc.Command != "fuzz" || doc.Summary.Failing != 0 {
		t.Errorf("conforming mock: command %q, %d failing", doc.Command, doc.Summary.Failing)
	}
	if !strings.Contains(r.stderr, "PATCH /users/{id} (patchUser):") {
		t.Errorf("no coverage line for patchUser on stderr:\n%s", r.stderr)
	}

	r = run(t, "", nil, "fuzz", "--target", defective.URL, "--user", "username", "--state", state, "--operation", "patchUser")
	if r.code != exitFindings || !strings.Contains(r.stdout, "fuzz.server_error") || !strings.Contains(r.stdout, "curl -X PATCH") {
		t.Fatalf("defective mock: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "password") {
		t.Error("the report shows the password")
	}
	for _, format := range []string{"json", "junit", "sarif", "github", "html"} {
		r := run(t, "", nil, "fuzz", "--target", defective.URL, "--user", "username", "--state", state, "--operation", "patchUser", "--format", format, "--quiet", "-o", filepath.Join(t.TempDir(), "report."+format))
		if r.code != exitFindings {
			t.Errorf("--format %s: exit %d\n%s", format, r.code, r.stderr)
		}
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
