package specs_test

import (
	"testing"

	"github.com/specgate/specgate/specs"
)

// TestRootReferredBack: two files that are each other's $ref targets, with discriminators
// whose mappings name schemas of their own file (kin-openapi's issue1205/mutual-a.yml and
// -b.yml), load with either one as the root, and the schemas across both files are checked.
// kin-openapi's loader alone refuses them ("map key \"ALeaf\" not found"); Redocly lints them.
func TestRootReferredBack(t *testing.T) {
	files := map[string]string{
		"a.yml": `openapi: 3.1.0
info: {title: a, version: "1"}
paths:
  /a:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/ALeaf'}
      responses:
        "204": {description: ok}
components:
  schemas:
    AUnion:
      oneOf: [{$ref: '#/components/schemas/ALeaf'}]
      discriminator:
        propertyName: kind
        mapping:
          aleaf: '#/components/schemas/ALeaf'
          across: './b.yml#/components/schemas/BUnion'
    ALeaf:
      type: object
      required: [kind]
      properties:
        kind: {type: string}
        over: {$ref: './b.yml#/components/schemas/BUnion'}
`,
		"b.yml": `openapi: 3.1.0
info: {title: b, version: "1"}
paths:
  /b:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/BLeaf'}
      responses:
        "204": {description: ok}
components:
  schemas:
    BUnion:
      oneOf: [{$ref: '#/components/schemas/BLeaf'}]
      discriminator:
        propertyName: kind
        mapping:
          bleaf: '#/components/schemas/BLeaf'
          across: './a.yml#/components/schemas/AUnion'
    BLeaf:
      type: object
      required: [kind]
      properties:
        kind: {type: string}
        size: {type: integer}
        back: {$ref: './a.yml#/components/schemas/AUnion'}
`,
	}
	for _, c := range []struct {
		root, path string
		bodies     map[string]bool
	}{
		{"a.yml", "/a", map[string]bool{
			`{"kind": "aleaf", "over": {"kind": "bleaf", "size": 2}}`:   true,
			`{"kind": "aleaf", "over": {"kind": "bleaf", "size": "2"}}`: false, // b.yml's BLeaf
			`{"over": {"kind": "bleaf"}}`:                               false,
		}},
		{"b.yml", "/b", map[string]bool{
			`{"kind": "bleaf", "back": {"kind": "aleaf", "over": {"kind": "bleaf"}}}`: true,
			`{"kind": "bleaf", "back": {"kind": "aleaf", "over": {"size": 1}}}`:       false, // back in b.yml
			`{"kind": "bleaf", "back": {"over": {"kind": "bleaf"}}}`:                  false, // a.yml's ALeaf
		}},
	} {
		docs := loadTree(t, c.root, files)
		if fs := specs.Findings(docs); len(fs) != 0 {
			t.Errorf("%s: findings %v", c.root, fs)
		}
		wantBodies(t, newValidator(t, docs), c.path, c.bodies)
	}
}
