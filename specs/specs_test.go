package specs

import (
	"context"
	"testing"
)

func TestDefaultLoads(t *testing.T) {
	docs, err := Default(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 {
		t.Fatalf("got %d documents, want 2", len(docs))
	}
	for _, d := range docs {
		f, err := d.Sources.File(d.Path)
		if err != nil {
			t.Fatal(err)
		}
		if l := f.Line("/components/schemas"); l < 10 {
			t.Errorf("%s: line of /components/schemas = %d", d.Name(), l)
		}
	}
}
