package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// scratchRepo is a copy of this checkout's files (tracked and new, not ignored), with the working tree's content, in
// a git repository of its own whose one commit is the base revision the gate compares against;
// after that commit, the NERM spec drops the relationship type "owner" that its own example and
// contracts use: a lint error and a breaking change for clients, at once.
var scratchRepo struct {
	once sync.Once
	dir  string
	err  error
}

// breakingEdit is what the scratch repository changes in specs/nerm-lifecycle.yaml.
var breakingEdit = [2]string{"enum: [owner, contributor]", "enum: [contributor]"}

func scratchCheckout(t *testing.T) string {
	t.Helper()
	scratchRepo.once.Do(func() {
		scratchRepo.dir, scratchRepo.err = makeScratchRepo()
	})
	if scratchRepo.err != nil {
		t.Fatal(scratchRepo.err)
	}
	return scratchRepo.dir
}

func makeScratchRepo() (string, error) {
	root, err := filepath.Abs("../..")
	if err != nil {
		return "", err
	}
	files, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "specgate-gate-")
	if err != nil {
		return "", err
	}
	cleanups = append(cleanups, func() { os.RemoveAll(dir) })
	for _, f := range strings.Split(strings.TrimRight(string(files), "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join(root, f))
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		if err != nil {
			return "", err
		}
		st, _ := os.Stat(filepath.Join(root, f))
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, st.Mode().Perm()); err != nil {
			return "", err
		}
	}
	for _, args := range [][]string{
		{"init", "-q"}, {"add", "-A"},
		{"-c", "user.name=specgate", "-c", "user.email=specgate@example.com", "commit", "-q", "-m", "base"},
	} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			return "", &exec.ExitError{Stderr: out}
		}
	}
	spec := filepath.Join(dir, "specs", "nerm-lifecycle.yaml")
	data, err := os.ReadFile(spec)
	if err != nil {
		return "", err
	}
	if !strings.Contains(string(data), breakingEdit[0]) {
		return "", os.ErrNotExist
	}
	return dir, os.WriteFile(spec, []byte(strings.Replace(string(data), breakingEdit[0], breakingEdit[1], 1)), 0o644)
}

// TestMakeGateRunsEveryStep: when lint fails, make gate still runs the diff and shows its
// breaking change, reports both steps, and exits non-zero; GATE_SARIF gets both SARIF logs.
func TestMakeGateRunsEveryStep(t *testing.T) {
	dir := scratchCheckout(t)
	sarif := t.TempDir()
	cmd := exec.Command("make", "-s", "gate", "BASE=HEAD", "GATE_STEPS=lint diff", "OUT="+t.TempDir(), "GATE_SARIF="+sarif)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	code := cmd.ProcessState.ExitCode()
	if err == nil || code == 0 {
		t.Fatalf("make gate passed a lint error and a breaking change:\n%s", out)
	}
	text := string(out)
	for _, want := range []string{
		"== gate: lint", "lint.example.invalid",
		"== gate: diff", "diff.request.enum.narrowed",
		"  lint    1", "  diff    1",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("make gate output lacks %q:\n%s", want, text)
		}
	}
	for _, name := range []string{"lint.sarif", "diff.sarif"} {
		data, err := os.ReadFile(filepath.Join(sarif, name))
		if err != nil {
			t.Errorf("GATE_SARIF: %v", err)
			continue
		}
		validSARIF(t, string(data))
	}
}
