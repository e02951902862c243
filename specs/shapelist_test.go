package specs_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"testing/fstest"

	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
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
			fsys := fstest.MapFS{"spec.yaml": {Data: []byte(c.doc)}}
			docs, err := specs.Load(context.Background(), specs.NewSources(fsys, nil), "spec.yaml")
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, f := range specs.Findings(docs) {
				if f.Rule == specs.RuleKeywordType && f.File == "spec.yaml" {
					got[f.Pointer] = f.Line
				}
			}
			if len(got) != len(c.want) {
				t.Errorf("spec.keyword.type findings %v, want %v", got, c.want)
			}
			for ptr, line := range c.want {
				if got[ptr] != line {
					t.Errorf("no finding at %s line %d: %v", ptr, line, specs.Findings(docs))
				}
			}
			if tags := docs[0].Spec.Paths.Value("/a").Get.Tags; len(tags) != 1 || tags[0] != "pets" {
				t.Errorf("GET /a has tags %q, want [pets]", tags)
			}
			v, err := validator.New(docs, validator.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for q, ok := range map[string]bool{"n=1": true, "n=x": false} {
				u, _ := url.Parse("https://x.test/a?" + q)
				res := v.Validate(context.Background(), validator.Exchange{
					Request:  &validator.Request{Method: "GET", URL: u, Header: http.Header{}},
					Response: &validator.Response{Status: 200, Header: http.Header{}},
				})
				if got := len(res.Violations) == 0; got != ok {
					t.Errorf("GET /a?%s: valid = %v, want %v: %v", q, got, ok, res.Violations)
				}
			}
		})
	}
}
