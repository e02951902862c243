package specs

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/specgate/specgate/internal/jsonptr"
)

// In OpenAPI 3.1 a schema with an $id is a JSON Schema resource: its $refs resolve against the
// $id, and "#name" names an $anchor. None of them is the lenient pass's to repair.
func TestSchemaResourceRefsAreLeftAlone(t *testing.T) {
	fsys := fstest.MapFS{"api.yaml": {Data: []byte(`openapi: 3.1.0
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Tree:
      $id: https://example.com/tree
      type: object
      properties:
        value: {$ref: "#/$defs/value"}
        tag: {$ref: "#tag"}
      $defs:
        value: {type: integer, minimum: 0}
        tag: {$anchor: tag, type: string}
    Tagged:
      properties:
        tag: {$ref: "#tagged"}
      $defs:
        t: {$anchor: tagged, type: string}
`)}}
	docs, err := Load(context.Background(), NewSources(fsys, nil), "api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Findings(docs) {
		if f.Rule == RuleRefUnresolved || f.Rule == RuleRefMisplaced {
			t.Errorf("%v", f)
		}
	}
	f, err := docs[0].Sources.File("api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for ptr, want := range map[string]string{
		"/components/schemas/Tree/properties/value/$ref": "#/$defs/value",
		"/components/schemas/Tree/properties/tag/$ref":   "#tag",
		"/components/schemas/Tagged/properties/tag/$ref": "#tagged",
	} {
		if v, _ := jsonptr.Lookup(f.Value, ptr); v != want {
			t.Errorf("%s = %v, want %s kept", ptr, v, want)
		}
	}
}
