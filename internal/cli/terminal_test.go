package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"
)

// badJSONL holds one valid exchange and one entry that cannot be read.
const badJSONL = `{"operation": "patchUser", "response": {"status": 500, "headers": {"Content-Type": "application/json"}, "body": {}}}
{"request": {"method": "GET", "url": 5}}
`

// onTerminal runs specgate with stdin, stdout and stderr on a real pseudo-terminal, as in an
// interactive shell, and returns everything the terminal showed.
func onTerminal(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(specgateBinary(t), args...)
	cmd.Env = append(os.Environ(), append([]string{"CI=", "TERM=xterm", "NO_COLOR="}, env...)...)
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	var out bytes.Buffer
	_, err = io.Copy(&out, tty)
	if err != nil && !errors.Is(err, syscall.EIO) { // EIO: the process closed its side
		t.Fatal(err)
	}
	cmd.Wait()
	return strings.ReplaceAll(out.String(), "\r\n", "\n"), cmd.ProcessState.ExitCode()
}

// TestTerminal: on a terminal an unreadable entry's error shows once (the report already shows
// it; stderr repeats it only when the report goes elsewhere), and the text report is coloured
// unless NO_COLOR is set or --color never is given.
func TestTerminal(t *testing.T) {
	rec := writeFile(t, t.TempDir(), "bad.jsonl", []byte(badJSONL))
	const msg = "request.url: got a JSON number, want a string"
	out, code := onTerminal(t, nil, "validate", rec)
	if code != exitUsage || strings.Count(out, msg) != 1 {
		t.Errorf("exit %d; the error shows %d times, want once:\n%s", code, strings.Count(out, msg), out)
	}
	if !strings.Contains(out, ansiGreenOf("VALID")) || !strings.Contains(out, "\033[1;31mERROR\033[0m") {
		t.Errorf("the verdicts are not coloured on a terminal:\n%q", out)
	}
	for _, tt := range []struct {
		name string
		env  []string
		args []string
	}{
		{"NO_COLOR", []string{"NO_COLOR=1"}, nil},
		{"--color never", nil, []string{"--color", "never"}},
		{"TERM=dumb", []string{"TERM=dumb"}, nil},
	} {
		out, _ := onTerminal(t, tt.env, append(append([]string{"validate"}, tt.args...), rec)...)
		if strings.Contains(out, "\033[") || !strings.Contains(out, "ERROR") {
			t.Errorf("%s: the report is coloured:\n%q", tt.name, out)
		}
	}
	// Off a terminal, stderr carries the error for the user who sent the report elsewhere.
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

func ansiGreenOf(s string) string { return "\033[32m" + s + "\033[0m" }

// TestProgressOnlyOnATerminal: progress is drawn on a terminal, never on /dev/null (a character
// device too) or in CI.
func TestProgressOnlyOnATerminal(t *testing.T) {
	t.Setenv("CI", "")
	t.Setenv("TERM", "xterm")
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if !newProgress(tty).on {
		t.Error("no progress on a terminal")
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	if newProgress(null).on {
		t.Error("progress on /dev/null")
	}
	t.Setenv("CI", "true")
	if newProgress(tty).on {
		t.Error("progress in CI")
	}
	var out, errOut bytes.Buffer
	c := &command{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, examples: bundledExamples}
	c.out.quiet = true
	t.Setenv("CI", "")
	c.stderr = tty
	if p := newProgress(c.notes()); p.on {
		t.Error("progress with --quiet")
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
