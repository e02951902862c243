//go:build !race

package specs

import (
	"strings"
	"testing"

	"github.com/specgate/specgate/internal/jsonptr"
)

// The walker on published multi-file trees: SailPoint's (path items, parameters, responses and
// schemas each in files of their own, three versions) and DigitalOcean's (operations in files
// of their own, parameters many to a file). It reaches every operation kin-openapi's model
// has, every Parameter file as a Parameter and never as a Schema, and no schema it reaches
// lies under data.
func TestCorpusWalkerOnPublishedTrees(t *testing.T) {
	loadCorpus(t)
	for _, tt := range []struct {
		root       string
		paramFiles string // a folder whose files are Parameter objects, reached through $refs
	}{
		{"sailpoint-isc/idn/sailpoint-api.v3.yaml", "/v3/parameters/"},
		{"sailpoint-isc/idn/sailpoint-api.v2025.yaml", "/v2025/parameters/"},
		{"digitalocean/specification/DigitalOcean-public.v2.yaml", "/parameters.yml"},
	} {
		docs := corpus.docs[tt.root]
		if err := corpus.errs[tt.root]; err != nil || len(docs) != 1 {
			t.Fatalf("%s does not load: %v", tt.root, err)
		}
		d := docs[0]
		ops := map[string]int{}
		var params, paramFiles, schemas int
		files := map[string]bool{}
		w := &Walker{Sources: d.Sources, Dialect: DialectOf(d.Spec.OpenAPI), Visit: func(n *Node) bool {
			files[n.Place.File] = true
			switch n.Kind {
			case KindOperation:
				id, _ := n.Value["operationId"].(string)
				ops[id]++
			case KindParameter:
				params++
				if strings.Contains(n.Place.File, tt.paramFiles) {
					paramFiles++
					if _, ok := n.Value["in"]; !ok {
						t.Errorf("%s: a parameter without in: %v", tt.root, n.Place)
					}
				}
			case KindSchema:
				schemas++
				if strings.Contains(n.Place.File, tt.paramFiles) && n.Place.Pointer == "" || n.Place.Pointer != "" && underData(n.Place.Pointer) {
					t.Errorf("%s: %v walked as a schema", tt.root, n.Place)
				}
			}
			if _, v, err := d.Sources.Resolve(n.Place); err != nil || v == nil {
				t.Errorf("%s: %v does not resolve: %v", tt.root, n.Place, err)
			}
			return true
		}}
		if err := w.Walk(Place{File: d.Path}, KindDocument); err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, item := range d.Spec.Paths.Map() {
			for _, op := range item.Operations() {
				want++
				if ops[op.OperationID] == 0 {
					t.Errorf("%s: operation %s not reached", tt.root, op.OperationID)
				}
			}
		}
		total := 0
		for _, n := range ops {
			total += n
		}
		if total != want {
			t.Errorf("%s: %d operations walked, kin-openapi has %d", tt.root, total, want)
		}
		if paramFiles == 0 || schemas < 1000 || len(files) < 50 {
			t.Errorf("%s: %d parameters (%d in parameter files), %d schemas in %d files; want a whole tree", tt.root, params, paramFiles, schemas, len(files))
		}
		t.Logf("%s: %d operations, %d parameters (%d in parameter files), %d schemas in %d files", tt.root, total, params, paramFiles, schemas, len(files))
	}
}

// underData reports whether the schema at ptr would lie under data: a data keyword as a field
// of an object, not as a name chosen by the author (a property called "example").
func underData(ptr string) bool {
	toks := strings.Split(ptr[1:], "/")
	for i, tok := range toks {
		tok = jsonptr.Unescape(tok)
		if !IsDataKeyword(tok) || i == 0 {
			continue
		}
		switch toks[i-1] {
		case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "schemas", "parameters", "responses", "headers", "paths":
			continue
		}
		return true
	}
	return false
}
