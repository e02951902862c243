package terminal

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// specgate is the command under test, built once by TestMain from the main module.
var specgate string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "specgate-bin-")
	if err != nil {
		panic(err)
	}
	specgate = filepath.Join(dir, "specgate")
	out, err := exec.Command("go", "build", "-o", specgate, "github.com/specgate/specgate/cmd/specgate").CombinedOutput()
	code := 2
	if err != nil {
		os.Stderr.Write(out)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// badJSONL holds one valid exchange and one entry that cannot be read.
const badJSONL = `{"operation": "patchUser", "response": {"status": 500, "headers": {"Content-Type": "application/json"}, "body": {}}}
{"request": {"method": "GET", "url": 5}}
`

// The exit code of an input error, as cli documents it.
const exitUsage = 2

// env is the environment of an interactive shell on an xterm, with extra added.
func env(extra []string) []string {
	return append(os.Environ(), append([]string{"CI=", "TERM=xterm", "NO_COLOR="}, extra...)...)
}

// onTerminal runs specgate with stdin, stdout and stderr on a real pseudo-terminal, as in an
// interactive shell, and returns everything the terminal showed.
func onTerminal(t *testing.T, extra []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(specgate, args...)
	cmd.Env = env(extra)
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	return screen(t, cmd, tty)
}

// screen reads what the terminal shows until the process closes its side, then waits for it.
func screen(t *testing.T, cmd *exec.Cmd, ptmx *os.File) (string, int) {
	t.Helper()
	var out bytes.Buffer
	_, err := io.Copy(&out, ptmx)
	if err != nil && !errors.Is(err, syscall.EIO) { // EIO: the process closed its side
		t.Fatal(err)
	}
	cmd.Wait()
	return strings.ReplaceAll(out.String(), "\r\n", "\n"), cmd.ProcessState.ExitCode()
}

func ansiGreenOf(s string) string { return "\033[32m" + s + "\033[0m" }

// TestTerminal: on a terminal an unreadable entry's error shows once (the report already shows
// it; stderr repeats it only when the report goes elsewhere), and the text report is coloured
// unless NO_COLOR is set, --color never is given or the terminal is dumb.
func TestTerminal(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(rec, []byte(badJSONL), 0o644); err != nil {
		t.Fatal(err)
	}
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
}

// progressLine is the line progress draws over itself: "N exchanges, R/s, M MB/s".
var progressLine = regexp.MustCompile(`\r\033\[K[0-9]+ exchanges, [0-9]+/s, [0-9.]+ MB/s`)

// TestProgressOnlyOnATerminal: a validation run that reads a slow pipe, as `tail -f log |
// specgate validate -` does, draws its progress line on a terminal (redrawn at most twice a
// second, so the pipe pauses longer than that), and not in CI, on a dumb terminal or with
// --quiet. Off a terminal the line is never drawn (internal/cli's tests).
func TestProgressOnlyOnATerminal(t *testing.T) {
	line := `{"operation": "patchUser", "response": {"status": 500, "headers": {"Content-Type": "application/json"}, "body": {}}}` + "\n"
	for _, tt := range []struct {
		name     string
		env      []string
		args     []string
		progress bool
	}{
		{"terminal", nil, nil, true},
		{"CI", []string{"CI=true"}, nil, false},
		{"TERM=dumb", []string{"TERM=dumb"}, nil, false},
		{"--quiet", nil, []string{"--quiet"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ptmx, tty, err := pty.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer ptmx.Close()
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(specgate, append(append([]string{"validate"}, tt.args...), "-")...)
			cmd.Env = env(tt.env)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = pr, tty, tty
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Only the child holds the pipe's reading end and the terminal's side now, so that
			// the terminal reads EIO once the child exits.
			pr.Close()
			tty.Close()
			go func() {
				defer pw.Close()
				for range 3 {
					if _, err := io.WriteString(pw, strings.Repeat(line, 50)); err != nil {
						return
					}
					time.Sleep(700 * time.Millisecond)
				}
			}()
			out, code := screen(t, cmd, ptmx)
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			if got := progressLine.MatchString(out); got != tt.progress {
				t.Errorf("progress line drawn %v, want %v:\n%q", got, tt.progress, out)
			}
		})
	}
}
