package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/specgate/specgate/internal/report"
)

// binary is the specgate command built once for the tests that run it as a process.
var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
	out  []byte
}

// cleanups remove what the tests built for the whole run.
var cleanups []func()

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	for _, f := range cleanups {
		f()
	}
	os.Exit(code)
}

// specgateBinary builds ./cmd/specgate once, with extra go build flags given by the first
// caller only, and returns its path.
func specgateBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		if binary.dir, binary.err = os.MkdirTemp("", "specgate-bin-"); binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "specgate")
		cmd := exec.Command("go", "build", "-o", binary.path, "../../cmd/specgate")
		binary.out, binary.err = cmd.CombinedOutput()
	})
	if binary.err != nil {
		t.Fatalf("go build: %v\n%s", binary.err, binary.out)
	}
	return binary.path
}

// TestNothingCheckedFails: a gate that checked nothing has not passed. A HAR without entries, a
// JSON Lines file without lines and a --host that leaves every exchange out of scope all exit 2
// with a sentence saying so (an empty file already is an input error); --allow-empty turns that into a warning and exit 0.
func TestNothingCheckedFails(t *testing.T) {
	dir := t.TempDir()
	emptyHAR := writeFile(t, dir, "empty.har", []byte(`{"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": []}}`))
	har := writeFile(t, dir, "t.har", harOf(t, patchUser(t, uid32), patchUsers(t)))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"HAR without entries", []string{emptyHAR}, "the input holds no exchange"},
		{"no host in scope", []string{"--host", "other.example", har}, "none of the 2 exchanges was in scope"},
		{"no host in scope, json", []string{"--format", "json", "--host", "other.example", har}, "none of the 2 exchanges was in scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, "", nil, append([]string{"validate"}, tt.args...)...)
			if res.code != exitUsage || !strings.Contains(res.stderr, tt.want) || !strings.Contains(res.stderr, "--allow-empty") {
				t.Errorf("exit %d, stderr %q; want 2 and %q", res.code, res.stderr, tt.want)
			}
			res = run(t, "", nil, append([]string{"validate", "--allow-empty"}, tt.args...)...)
			if res.code != exitOK || !strings.Contains(res.stderr, "warning: "+tt.want) {
				t.Errorf("--allow-empty: exit %d, stderr %q; want 0 and a warning", res.code, res.stderr)
			}
		})
	}
	t.Run("replay of no contract", func(t *testing.T) {
		res := run(t, "", nil, "replay", "--target", "http://127.0.0.1:1", "--contracts", t.TempDir())
		if res.code != exitUsage || !strings.Contains(res.stderr, "nothing was replayed") {
			t.Errorf("exit %d, stderr %q; want 2", res.code, res.stderr)
		}
		res = run(t, "", nil, "replay", "--allow-empty", "--target", "http://127.0.0.1:1", "--contracts", t.TempDir())
		if res.code != exitOK || !strings.Contains(res.stderr, "warning: ") {
			t.Errorf("--allow-empty: exit %d, stderr %q; want 0", res.code, res.stderr)
		}
	})
}

// TestStdinWithoutDash: with no INPUT, validate reads standard input when it is a pipe holding
// data, as jq and oasdiff do, and checks the bundled examples when it is /dev/null (CI runners'
// standard input), an empty pipe or a closed one.
func TestStdinWithoutDash(t *testing.T) {
	har := harOf(t, patchUser(t, userID))
	examples, err := bundledExamples(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	runWith := func(t *testing.T, stdin *os.File) result {
		var out, errOut bytes.Buffer
		c := &command{stdin: stdin, stdout: &out, stderr: &errOut, examples: bundledExamples}
		code := c.run(context.Background(), []string{"validate", "--format", "json"})
		return result{code, out.String(), errOut.String()}
	}
	pipe := func(t *testing.T, data []byte) *os.File {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		go func() {
			w.Write(data)
			w.Close()
		}()
		return r
	}
	t.Run("a pipe with a HAR is read", func(t *testing.T) {
		res := runWith(t, pipe(t, har))
		r := decodeReport(t, res.stdout)
		if res.code != exitFindings || r.Summary.Exchanges != 1 || r.Exchanges[0].File != "stdin" {
			t.Errorf("exit %d, summary %+v, stderr %s; want the piped exchange", res.code, r.Summary, res.stderr)
		}
	})
	t.Run("an empty pipe means the bundled examples", func(t *testing.T) {
		res := runWith(t, pipe(t, nil))
		r := decodeReport(t, res.stdout)
		if r.Summary.Exchanges != len(examples) || !strings.Contains(res.stderr, "standard input is empty") {
			t.Errorf("summary %+v, stderr %s; want the %d bundled examples", r.Summary, res.stderr, len(examples))
		}
	})
	t.Run("/dev/null means the bundled examples", func(t *testing.T) {
		null, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		defer null.Close()
		res := runWith(t, null)
		r := decodeReport(t, res.stdout)
		if r.Summary.Exchanges != len(examples) || res.stderr != "" {
			t.Errorf("summary %+v, stderr %q; want the %d bundled examples and no note", r.Summary, res.stderr, len(examples))
		}
	})
	t.Run("a process: piped, then </dev/null", func(t *testing.T) {
		bin := specgateBinary(t)
		cmd := exec.Command(bin, "validate", "--format", "json")
		cmd.Stdin = bytes.NewReader(har) // exec hands the process a pipe
		var out bytes.Buffer
		cmd.Stdout = &out
		err := cmd.Run()
		if r := decodeReport(t, out.String()); r.Summary.Exchanges != 1 || cmd.ProcessState.ExitCode() != exitFindings {
			t.Errorf("piped: %v, summary %+v", err, r.Summary)
		}
		cmd = exec.Command(bin, "validate", "--format", "json") // nil Stdin is /dev/null
		out.Reset()
		cmd.Stdout = &out
		err = cmd.Run()
		if r := decodeReport(t, out.String()); r.Summary.Exchanges != len(examples) {
			t.Errorf("</dev/null: %v, summary %+v", err, r.Summary)
		}
	})
}

// TestHelpUnknownCommand: help for a command that does not exist is a usage error that lists the
// commands, on stderr.
func TestHelpUnknownCommand(t *testing.T) {
	res := run(t, "", nil, "help", "nosuchcommand")
	if res.code != exitUsage || res.stdout != "" || !strings.Contains(res.stderr, `unknown command "nosuchcommand"`) {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2 and the error on stderr", res.code, res.stdout, res.stderr)
	}
	for _, c := range commands() {
		if !strings.Contains(res.stderr, c.name) {
			t.Errorf("the error does not list %s:\n%s", c.name, res.stderr)
		}
	}
	for _, c := range commands() {
		if res := run(t, "", nil, "help", c.name); res.code != exitOK || res.stdout == "" {
			t.Errorf("help %s: exit %d, stdout %q", c.name, res.code, res.stdout)
		}
	}
}

// TestHelpListsEveryFormat: the top-level usage and each command's help list exactly the formats
// the command accepts, and the command accepts each of them.
func TestHelpListsEveryFormat(t *testing.T) {
	top := run(t, "", nil, "help").stdout
	dir := t.TempDir()
	har := writeFile(t, dir, "t.har", harOf(t, patchUser(t, uid32)))
	spec := filepath.Join("..", "..", "specs", "nerm-lifecycle.yaml")
	tests := []struct {
		cmd     string
		formats []string
		args    []string
	}{
		{"validate", report.Formats, []string{har}},
		{"lint", report.Formats, []string{"--no-contracts", spec}},
		{"diff", report.Formats, []string{spec, spec}},
		{"replay", report.Formats, []string{"--target", "http://127.0.0.1:1", "--contracts", dir, "--allow-empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			line := ""
			for _, l := range strings.Split(top, "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), "specgate "+tt.cmd+" ") {
					line = l
				}
			}
			if want := "--format " + strings.Join(tt.formats, "|"); !strings.Contains(line, want) {
				t.Errorf("usage line %q does not list %q", line, want)
			}
			help := run(t, "", nil, "help", tt.cmd).stdout
			for _, f := range tt.formats {
				if !strings.Contains(help, f) {
					t.Errorf("help %s does not list %s", tt.cmd, f)
				}
				res := run(t, "", nil, append([]string{tt.cmd, "--format", f}, tt.args...)...)
				if strings.Contains(res.stderr, "--format") {
					t.Errorf("%s --format %s is refused: %s", tt.cmd, f, res.stderr)
				}
			}
		})
	}
}

// TestVersionStamped builds specgate with the Makefile's build target, as a user does, and runs
// its version command: it names the git describe and the commit of this checkout, not (devel).
func TestVersionStamped(t *testing.T) {
	git := func(args ...string) string {
		out, err := exec.Command("git", args...).Output()
		if err != nil {
			t.Fatalf("git %s: %v (the test needs the git checkout it builds from)", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	describe, commit := git("describe", "--tags", "--always", "--dirty"), git("rev-parse", "HEAD")
	bin := filepath.Join(t.TempDir(), "specgate")
	if out, err := exec.Command("make", "-s", "-C", "../..", "build", "BIN="+bin).CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	if strings.Contains(got, "(devel)") || !strings.HasPrefix(got, "specgate "+describe+" commit "+commit[:12]) {
		t.Errorf("version prints %q, want specgate %s commit %s...", got, describe, commit[:12])
	}
}

// TestVersionFromBuildInfo: without a stamp, the version comes from what go build records.
func TestVersionFromBuildInfo(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261126015302-357283974c3e"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "357283974c3e1234567890"}, {Key: "vcs.modified", Value: "true"}}}
	tests := []struct {
		stamped, commit, want string
	}{
		{"", "", "v0.0.0-20261126015302-357283974c3e commit 357283974c3e+modified go1.26.8"},
		{"v1.2.0-3-gabcdef0-dirty", "abcdef0123456789", "v1.2.0-3-gabcdef0-dirty commit abcdef012345+modified go1.26.8"},
	}
	for _, tt := range tests {
		if got := versionOf(info, tt.stamped, tt.commit); got != tt.want {
			t.Errorf("versionOf(%q, %q) = %q, want %q", tt.stamped, tt.commit, got, tt.want)
		}
	}
	if got := versionOf(&debug.BuildInfo{GoVersion: "go1.26.8"}, "", ""); got != "(devel) go1.26.8" {
		t.Errorf("unstamped, no VCS: %q", got)
	}
}
