//go:build !race

// The corpus tests of the CLI read large published trees; under the race detector they take
// minutes, so `make unit` runs them in a pass of their own without it (the commands'
// concurrency is raced by the other tests of the package).

package cli

import (
	"context"
	"path/filepath"
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
