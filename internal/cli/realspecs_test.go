package cli

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// realSpecs holds the published specs the tests read, from ../shared beside the repository.
const realSpecs = "../../../shared/real-specs"

// runCLI runs specgate in-process through Run, as main does.
func runCLI(ctx context.Context, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Run(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// A file that is no OpenAPI document (empty, or {"foo": 1}) is an input error, exit 2, naming
// the file, on either side of diff and in lint: a wrong base path must not turn the gate green.
func TestNoOpenAPIDocumentIsExit2(t *testing.T) {
	dir := t.TempDir()
	spec := "../../specs/nerm-lifecycle.yaml"
	for name, body := range map[string]string{"empty.yaml": "", "foo.json": `{"foo": 1}`} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"diff", p, spec}, {"diff", spec, p}, {"lint", p}, {"lint", "--format", "json", p}} {
			code, stdout, stderr := runCLI(context.Background(), args...)
			if code != 2 || !strings.Contains(stderr, name) || !strings.Contains(stderr, "no OpenAPI document") {
				t.Errorf("specgate %s: exit %d, stderr %q; want exit 2 and an error naming %s", strings.Join(args, " "), code, stderr, name)
			}
			if strings.Contains(stdout, "0 findings") {
				t.Errorf("specgate %s: printed %q", strings.Join(args, " "), stdout)
			}
		}
	}
}

// cancelAt is a context cancelled at its n-th Err call (never when n < 0), counting the calls
// in n: a test stops lint at a point of its work rather than at a time, which a loaded machine
// moves (lint of _core.yaml takes about a second even with an unbounded budget).
type cancelAt struct {
	context.Context
	cancel context.CancelFunc
	n      atomic.Int64
}

func newCancelAt(n int64) *cancelAt {
	ctx, cancel := context.WithCancel(context.Background())
	c := &cancelAt{Context: ctx, cancel: cancel}
	c.n.Store(n)
	return c
}

func (c *cancelAt) Err() error {
	if c.n.Add(-1) == 0 {
		c.cancel()
	}
	return c.Context.Err()
}

// SIGTERM and Ctrl-C cancel the context main gives Run; lint stops its witness search then and
// exits 2, however large a budget it was given. The context is cancelled halfway through the
// checks of it a whole run makes (most of them the witness search's).
func TestLintCancelledIsPrompt(t *testing.T) {
	args := []string{"lint", "--oneof-budget", "1000000000000", filepath.Join(realSpecs, "opensearch/spec/namespaces/_core.yaml")}
	whole := newCancelAt(-1)
	if code, _, stderr := runCLI(whole, args...); code != 1 {
		t.Fatalf("uncancelled: exit %d, stderr %q; want the findings' exit 1", code, stderr)
	}
	checks := -1 - whole.n.Load()
	ctx := newCancelAt(checks / 2)
	done := make(chan struct{})
	var code int
	var stderr string
	go func() {
		defer close(done)
		code, _, stderr = runCLI(ctx, args...)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("lint still running a minute after its context was cancelled")
	}
	if code != 2 || !strings.Contains(stderr, "context canceled") {
		t.Errorf("cancelled at check %d of %d: exit %d, stderr %q; want exit 2 and the cancellation", checks/2, checks, code, stderr)
	}
}

// removePath deletes the path item key of a YAML paths map (indented by two spaces) and its
// body.
func removePath(doc, path string) (string, bool) {
	lines := strings.SplitAfter(doc, "\n")
	var out []string
	skipping, found := false, false
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "  "+path+":"):
			skipping, found = true, true
			continue
		case skipping && (strings.HasPrefix(l, "    ") || strings.TrimSpace(l) == ""):
			continue
		}
		skipping = false
		out = append(out, l)
	}
	return strings.Join(out, ""), found
}

// copyWithoutPath copies the tree src to a temporary directory, deletes the path item path from
// its file (a YAML paths map, as removePath reads it) and returns the copied file's name.
func copyWithoutPath(t *testing.T, src, file, path string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := copyTree(src, dst); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dst, file)
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	mutated, ok := removePath(string(data), path)
	if !ok {
		t.Fatalf("%s has no %s path any more; pick another", file, path)
	}
	if err := os.WriteFile(name, []byte(mutated), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// diff reads both revisions as every command does, leniently: a tree kin-openapi's loader
// cannot read by itself (Redocly-style $refs for a description, a path item's content, a map
// of properties) is compared, not refused, and a removed operation is found with its line.
func TestDiffRedoclyStyleTree(t *testing.T) {
	src := filepath.Join("..", "..", "specs", "testdata", "redocly")
	root := copyWithoutPath(t, src, "openapi.yaml", "/orders/search")
	code, stdout, stderr := runCLI(context.Background(), "diff", "--format", "json", filepath.Join(src, "openapi.yaml"), root)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d (a breaking change)\nstderr: %s", code, exitFindings, stderr)
	}
	rep := decodeFindings(t, stdout)
	removed := 0
	for _, f := range rep.Findings {
		if f.Rule == "diff.operation.removed" {
			removed++
			if !strings.Contains(f.Operation, "/orders/search") || f.Line == 0 {
				t.Errorf("removed operation %q at %s:%d, want GET /orders/search with its line", f.Operation, f.File, f.Line)
			}
		}
	}
	if removed != 1 {
		t.Errorf("%d removed operations reported, want 1:\n%s", removed, stdout)
	}
}
