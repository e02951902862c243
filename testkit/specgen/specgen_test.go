package specgen_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/specgate/specgate/internal/lint"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/testkit/specgen"
	"github.com/specgate/specgate/validator"
)

// These measure the specs loader and the linter on generated trees. They live here, beside the
// generator, rather than in specs/ and internal/lint/, so that the library's module holds no
// generator that only benchmarks use; make bench runs them.

// writeTree writes a generated vendor tree of about files files to a temporary directory.
func writeTree(tb testing.TB, files int) (string, specgen.Tree) {
	tb.Helper()
	dir := tb.TempDir()
	tree := specgen.ForFiles(files)
	if err := specgen.WriteTree(dir, tree); err != nil {
		tb.Fatal(err)
	}
	return dir, tree
}

// BenchmarkLoadTree500 loads a generated 500-file vendor tree, repairs its defects and compiles
// a validator from it: what every command does before its first exchange.
func BenchmarkLoadTree500(b *testing.B) {
	dir, tree := writeTree(b, 500)
	b.ResetTimer()
	for range b.N {
		docs, err := specs.LoadFiles(context.Background(), dir+"/openapi.yaml")
		if err != nil {
			b.Fatal(err)
		}
		if n := len(specs.Findings(docs)); n != tree.Defects() {
			b.Fatalf("%d repairs, want %d", n, tree.Defects())
		}
		if _, err := validator.New(docs, validator.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestGeneratedTreeLoads(t *testing.T) {
	dir, tree := writeTree(t, 60)
	docs, err := specs.LoadFiles(context.Background(), dir+"/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(specs.Findings(docs)); n != tree.Defects() || n == 0 {
		t.Errorf("%d repairs, want %d", n, tree.Defects())
	}
	v, err := validator.New(docs, validator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(v.Operations()); n != tree.Paths {
		t.Errorf("%d operations, want %d", n, tree.Paths)
	}
}

// BenchmarkLintTree500 lints a generated 500-file vendor tree (issue target: under 2 s on the
// project's machine): every file read and repaired, every $ref resolved, the document checked
// against the OpenAPI schema and kin-openapi, every example and every oneOf checked.
func BenchmarkLintTree500(b *testing.B) {
	dir, tree := writeTree(b, 500)
	b.ResetTimer()
	for range b.N {
		in, err := lint.Files(filepath.Join(dir, "openapi.yaml"))
		if err != nil {
			b.Fatal(err)
		}
		res, err := lint.Lint(context.Background(), in, lint.Options{})
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
