package specs_test

import (
	"testing"

	"github.com/specgate/specgate/specs"
)

// TestStringListOfWrongType: an operation's tags written as a string (gnostic's
// petstore-badproperties.yaml has `tags: pets`), or with an entry that is no string, and
// Swagger 2.0's consumes, produces and schemes written so, no longer refuse the document
// (kin-openapi: "cannot unmarshal string into field Operation.tags of type []string"). A string
// is read as a list of it, the strings of a list are kept, anything else is dropped; each is a
// spec.keyword.type finding at its line, and the operation is checked as before.
func TestStringListOfWrongType(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		want      map[string]int // pointer of each spec.keyword.type finding: its line
	}{
		{"3.0", `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      tags: pets
      parameters:
        - {name: n, in: query, schema: {type: integer}}
      responses:
        "200": {description: ok}
    post:
      tags: [pets, 7]
      responses:
        "204": {description: ok}
`, map[string]int{"/paths/~1a/get/tags": 6, "/paths/~1a/post/tags": 12}},
		{"2.0", `swagger: "2.0"
info: {title: t, version: "1"}
produces: application/json
paths:
  /a:
    get:
      tags: pets
      schemes: {http: true}
      consumes: [application/json, null]
      parameters:
        - {name: n, in: query, type: integer}
      responses:
        200: {description: ok}
`, map[string]int{"/produces": 3, "/paths/~1a/get/tags": 7, "/paths/~1a/get/schemes": 8, "/paths/~1a/get/consumes": 9}},
	} {
		t.Run(c.name, func(t *testing.T) {
			docs := loadDoc(t, "spec.yaml", c.doc)
			wantLines(t, docs, specs.RuleKeywordType, "spec.yaml", c.want)
			if tags := docs[0].Spec.Paths.Value("/a").Get.Tags; len(tags) != 1 || tags[0] != "pets" {
				t.Errorf("GET /a has tags %q, want [pets]", tags)
			}
			wantQueries(t, newValidator(t, docs))
		})
	}
}
