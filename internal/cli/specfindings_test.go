package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// What the validator finds in a spec's schemas at load and cannot check reaches the user: a
// pattern that compiles neither as ECMA-262 nor as RE2 (validator/testdata/schema31's
// patterns.yaml, line 31) is reported once on stderr by validate, refused and named by
// --strict, and a finding of lint in every format.
func TestValidatorLoadFindingsReachUsers(t *testing.T) {
	spec := filepath.Join("..", "..", "validator", "testdata", "schema31", "patterns.yaml")
	har := emptyHAR(t)
	at := "patterns.yaml:31"
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Run(context.Background(), args, &out, &errOut)
		return code, out.String(), errOut.String()
	}

	code, _, stderr := run("validate", "--allow-empty", "--spec", spec, har)
	if code != exitOK {
		t.Fatalf("validate: exit %d\n%s", code, stderr)
	}
	if n := strings.Count(stderr, "spec.pattern.unsupported"); n != 1 || !strings.Contains(stderr, at+": warning: spec.pattern.unsupported") {
		t.Errorf("validate reports the unsupported pattern %d times on stderr, want once at %s:\n%s", n, at, stderr)
	}

	code, _, stderr = run("validate", "--strict", "--allow-empty", "--spec", spec, har)
	if code != exitUsage || !strings.Contains(stderr, at) || !strings.Contains(stderr, "spec.pattern.unsupported") {
		t.Errorf("validate --strict: exit %d, want %d naming %s:\n%s", code, exitUsage, at, stderr)
	}

	code, _, stderr = run("replay", "--strict", "--target", "http://127.0.0.1:1", "--spec", spec)
	if code != exitUsage || !strings.Contains(stderr, "spec.pattern.unsupported") {
		t.Errorf("replay --strict: exit %d, want %d naming the pattern:\n%s", code, exitUsage, stderr)
	}

	code, stdout, stderr := run("lint", "--no-contracts", spec)
	if code != exitFindings || !strings.Contains(stdout, at+": warning spec.pattern.unsupported") {
		t.Errorf("lint: exit %d, want the finding at %s:\n%s%s", code, at, stdout, stderr)
	}
	if code, _, stderr = run("lint", "--strict", "--no-contracts", spec); code != exitUsage || !strings.Contains(stderr, at) {
		t.Errorf("lint --strict: exit %d, want %d naming %s:\n%s", code, exitUsage, at, stderr)
	}
	_, stdout, _ = run("lint", "--no-contracts", "--format", "json", spec)
	var rep struct {
		Findings []struct {
			Rule  string `json:"rule"`
			Level string `json:"level"`
			File  string `json:"file"`
			Line  int    `json:"line"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("lint --format json: %v\n%s", err, stdout)
	}
	found := false
	for _, f := range rep.Findings {
		if f.Rule == "spec.pattern.unsupported" {
			found = f.Level == "warning" && strings.HasSuffix(f.File, "patterns.yaml") && f.Line == 31
		}
	}
	if !found {
		t.Errorf("lint --format json has no spec.pattern.unsupported warning at %s:\n%s", at, stdout)
	}
	for _, format := range []string{"sarif", "junit", "github"} {
		_, stdout, _ = run("lint", "--no-contracts", "--format", format, spec)
		if !strings.Contains(stdout, "spec.pattern.unsupported") {
			t.Errorf("lint --format %s does not name spec.pattern.unsupported:\n%s", format, stdout)
		}
	}
}
