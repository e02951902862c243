package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// badJSONL holds one valid exchange and one entry that cannot be read.
const badJSONL = `{"operation": "patchUser", "response": {"status": 500, "headers": {"Content-Type": "application/json"}, "body": {}}}
{"request": {"method": "GET", "url": 5}}
`

// TestColorOffATerminal: off a terminal (the pty tests of testkit/terminal cover one), an
// unreadable entry's error shows in the report and again on stderr, for the user who sent the
// report elsewhere, and --color always colours anyway.
func TestColorOffATerminal(t *testing.T) {
	rec := writeFile(t, t.TempDir(), "bad.jsonl", []byte(badJSONL))
	const msg = "request.url: got a JSON number, want a string"
	res := run(t, "", nil, "validate", rec)
	if strings.Count(res.stdout, msg) != 1 || strings.Count(res.stderr, msg) != 1 || strings.Contains(res.stdout, "\033[") {
		t.Errorf("off a terminal: stdout %q, stderr %q", res.stdout, res.stderr)
	}
	if res := run(t, "", nil, "validate", "--color", "always", rec); !strings.Contains(res.stdout, "\033[1;31mERROR") {
		t.Errorf("--color always: %q", res.stdout)
	}
	if res := run(t, "", nil, "validate", "--color", "sometimes", rec); res.code != exitUsage || !strings.Contains(res.stderr, "--color") {
		t.Errorf("--color sometimes: exit %d, %s", res.code, res.stderr)
	}
	faithful := filepath.Join("..", "..", "specs", "testdata", "faithful", "nerm-patch-user-profiles.json")
	if res := run(t, "", nil, "lint", "--color", "always", faithful); res.code != exitFindings || !strings.Contains(res.stdout, "\033[1;31merror\033[0m lint.oneof.ambiguous") {
		t.Errorf("lint --color always: exit %d\n%q", res.code, res.stdout)
	}
	if res := run(t, "", nil, "lint", "--quiet", "--format", "json", faithful); res.code != exitFindings || res.stdout != "" || res.stderr != "" {
		t.Errorf("lint --quiet: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
}

// TestNoProgressOnDevNull: /dev/null is a character device, not a terminal, and gets no progress
// line; testkit/terminal runs specgate on a pseudo-terminal, where it does.
func TestNoProgressOnDevNull(t *testing.T) {
	t.Setenv("CI", "")
	t.Setenv("TERM", "xterm")
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	if newProgress(null).on {
		t.Error("progress on /dev/null")
	}
}

// TestOutputFile: -o writes the report to a file, whole or not at all, and leaves stdout empty;
// --quiet writes nothing but errors and keeps the exit code.
func TestOutputFile(t *testing.T) {
	dir := t.TempDir()
	har := writeFile(t, dir, "t.har", harOf(t, patchUser(t, userID)))
	report := filepath.Join(dir, "report.json")

	res := run(t, "", nil, "validate", "--format", "json", "-o", report, har)
	data, err := os.ReadFile(report)
	if err != nil || res.code != exitFindings || res.stdout != "" || !strings.Contains(res.stderr, "wrote "+report) {
		t.Fatalf("exit %d, stdout %q, stderr %q, %v", res.code, res.stdout, res.stderr, err)
	}
	if r := decodeReport(t, string(data)); r.Summary.Invalid != 1 {
		t.Errorf("the file's report: %+v", r.Summary)
	}
	if st, _ := os.Stat(report); st.Mode().Perm() != 0o644 {
		t.Errorf("report mode %v", st.Mode().Perm())
	}

	// A run that stops halfway keeps the previous report and leaves no temporary file.
	if err := os.WriteFile(report, []byte("previous"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut bytes.Buffer
	c := &command{stdin: cancelOnRead{strings.NewReader(badJSONL), cancel}, stdout: &out, stderr: &errOut, examples: bundledExamples}
	if code := c.run(ctx, []string{"validate", "--output", report, "-"}); code != exitUsage {
		t.Errorf("cancelled: exit %d", code)
	}
	if data, _ := os.ReadFile(report); string(data) != "previous" {
		t.Errorf("a stopped run replaced the report with %q", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("left behind: %v", entries)
	}

	res = run(t, "", nil, "lint", "--no-contracts", "--format", "sarif", "--output", filepath.Join(dir, "lint.sarif"), filepath.Join("..", "..", "specs", "nerm-lifecycle.yaml"))
	if res.code != exitOK || res.stdout != "" {
		t.Errorf("lint -o: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "lint.sarif")); err != nil {
		t.Error(err)
	} else {
		validSARIF(t, string(data))
	}

	res = run(t, "", nil, "validate", "--quiet", har)
	if res.code != exitFindings || res.stdout != "" || res.stderr != "" {
		t.Errorf("--quiet: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	rec := writeFile(t, dir, "bad.jsonl", []byte(badJSONL))
	if res := run(t, "", nil, "validate", "--quiet", rec); res.code != exitUsage || res.stdout != "" || !strings.Contains(res.stderr, "request.url") {
		t.Errorf("--quiet with an error: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	if res := run(t, "", nil, "validate", "-o", filepath.Join(dir, "no", "such", "dir", "r.txt"), har); res.code != exitUsage || !strings.Contains(res.stderr, "--output") {
		t.Errorf("-o into a missing folder: exit %d, %s", res.code, res.stderr)
	}
}
