package specs

import (
	"context"
	"errors"
	"os"
	"testing"
	"testing/fstest"
)

// FuzzLoad feeds mutated specs to the lenient loader: it may refuse a file (an *InputError or a
// parse error naming it), never panic. Seeds are small real specs from the corpus.
func FuzzLoad(f *testing.F) {
	for _, p := range []string{
		"../../shared/real-specs/oai-learn/examples/v3.0/petstore.yaml",
		"../../shared/real-specs/oai-learn/examples/v3.1/webhook-example.json",
		"../../shared/real-specs/oai-learn/examples/v2.0/json/petstore-minimal.json",
		"../../shared/real-specs/oai-learn/examples/v3.2/3.2-tags-example.yaml",
		"../../shared/real-specs/alertmanager/api/v2/openapi.yaml",
	} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data, p[len(p)-4:] == "json")
		}
	}
	f.Add([]byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a/{b}":{"get":{"responses":{"200":{"description":"x","content":{"$ref":"other.yaml"}}}}}}}`), true)
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		name := "api.yaml"
		if asJSON {
			name = "api.json"
		}
		fsys := fstest.MapFS{
			name:         {Data: data},
			"other.yaml": {Data: []byte("application/json: {schema: {type: array}}\n")},
		}
		docs, err := Load(context.Background(), NewSources(fsys, nil), name)
		if err != nil {
			if msg := err.Error(); len(msg) == 0 {
				t.Fatal("an error without a message")
			}
			return
		}
		_ = Findings(docs)
		var de *DefectsError
		if err := Strict(docs); err != nil && !errors.As(err, &de) {
			t.Fatalf("Strict = %v", err)
		}
	})
}
