package specs_test

import (
	"context"
	"testing"

	"github.com/specgate/specgate/internal/specgen"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// BenchmarkLoadTree500 loads a generated 500-file vendor tree, repairs its defects and compiles
// a validator from it: what every command does before its first exchange.
func BenchmarkLoadTree500(b *testing.B) {
	dir := b.TempDir()
	tree := specgen.ForFiles(500)
	if err := specgen.WriteTree(dir, tree); err != nil {
		b.Fatal(err)
	}
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
	dir := t.TempDir()
	tree := specgen.ForFiles(60)
	if err := specgen.WriteTree(dir, tree); err != nil {
		t.Fatal(err)
	}
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
