package lint

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/specgate/specgate/internal/specgen"
)

// BenchmarkLintTree500 lints a generated 500-file vendor tree (issue target: under 2 s on the
// project's machine): every file read and repaired, every $ref resolved, the document checked
// against the OpenAPI schema and kin-openapi, every example and every oneOf checked.
func BenchmarkLintTree500(b *testing.B) {
	dir := b.TempDir()
	tree := specgen.ForFiles(500)
	if err := specgen.WriteTree(dir, tree); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		in, err := Files(filepath.Join(dir, "openapi.yaml"))
		if err != nil {
			b.Fatal(err)
		}
		res, err := Lint(context.Background(), in, Options{})
		if err != nil {
			b.Fatal(err)
		}
		repairs := 0
		for _, f := range res.Findings {
			if f.Rule == "spec.repair.boolean_required" || f.Rule == "spec.repair.access_spelling" {
				repairs++
			}
		}
		if repairs != tree.Defects() {
			b.Fatalf("%d repairs reported, want %d", repairs, tree.Defects())
		}
	}
}
