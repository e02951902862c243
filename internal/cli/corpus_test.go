//go:build !race

// The corpus tests of the CLI read large published trees; under the race detector they take
// minutes, so `make unit` runs them in a pass of their own without it (the commands'
// concurrency is raced by the other tests of the package).

package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// SailPoint's ISC v3 and v2025 trees (about 2,000 files each, Redocly-style) diff as a user
// would diff two API versions: findings, exit 1, never an input error.
func TestCorpusDiffSailPointVersions(t *testing.T) {
	dir := filepath.Join(realSpecs, "sailpoint-isc", "idn")
	code, stdout, stderr := runCLI(context.Background(), "diff", "--format", "json", filepath.Join(dir, "sailpoint-api.v3.yaml"), filepath.Join(dir, "sailpoint-api.v2025.yaml"))
	if code != exitFindings {
		t.Fatalf("exit %d, want %d (findings)\nstderr: %s", code, exitFindings, stderr)
	}
	rep := decodeFindings(t, stdout)
	breaking := 0
	for _, f := range rep.Findings {
		if f.Level == "breaking" {
			breaking++
			if f.File == "" || f.Line == 0 {
				t.Errorf("breaking finding without its place: %+v", f)
			}
		}
	}
	if breaking == 0 {
		t.Errorf("no breaking change between v3 and v2025 among %d findings", len(rep.Findings))
	}
}

// diff of a published multi-file tree against a copy with one operation removed reports that
// operation, located in the base, and nothing else but the version left unchanged.
func TestCorpusDiffPublishedTree(t *testing.T) {
	src := filepath.Join(realSpecs, "opensearch/spec")
	cat := copyWithoutPath(t, src, "namespaces/cat.yaml", "/_cat/aliases")
	code, stdout, stderr := runCLI(context.Background(), "diff", "--format", "json", filepath.Join(src, "namespaces/cat.yaml"), cat)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a breaking change)\nstderr: %s", code, stderr)
	}
	rep := decodeFindings(t, stdout)
	removed := 0
	for _, f := range rep.Findings {
		if f.Rule == "diff.info.version" {
			continue
		}
		if f.Rule != "diff.operation.removed" {
			t.Errorf("unexpected finding %s: %s", f.Rule, f.Message)
			continue
		}
		removed++
		if !strings.Contains(f.Operation, "/_cat/aliases") || !strings.HasSuffix(f.File, "namespaces/cat.yaml") || f.Line == 0 {
			t.Errorf("removed operation %q at %s:%d, want GET /_cat/aliases in the base cat.yaml with its line", f.Operation, f.File, f.Line)
		}
	}
	if removed == 0 {
		t.Error("the removed operation was not reported")
	}
}
