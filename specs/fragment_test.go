package specs_test

import (
	"testing"

	"github.com/specgate/specgate/specs"
)

// TestRefFragmentNoPointer: a $ref whose fragment is no JSON pointer and no anchor name
// (go-openapi's fixture-859-2.yaml has "#definitions/myoutput", no slash after #), or is an
// anchor name in a Swagger 2.0 or OpenAPI 3.0 document, which have no anchors, no longer
// refuses the document (openapi2conv: "expected fragment prefix '#/'"). Each is a
// spec.ref.unresolved finding at its line, as Redocly reports it, read as an empty schema; the
// rest is checked, and an anchor name in OpenAPI 3.1 is no finding.
func TestRefFragmentNoPointer(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		want      map[string]int // pointer of each spec.ref.unresolved finding: its line
	}{
		{"2.0", `swagger: "2.0"
info: {title: t, version: "1"}
paths:
  /a:
    post:
      parameters:
        - {name: body, in: body, schema: {$ref: "#/definitions/n"}}
      responses:
        200:
          description: ok
          schema: {$ref: "#definitions/n"}
        201:
          description: ok
          schema: {$ref: "#n"}
definitions:
  n: {type: integer}
`, map[string]int{"/paths/~1a/post/responses/200/schema/$ref": 11, "/paths/~1a/post/responses/201/schema/$ref": 14}},
		{"3.1", `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /a:
    post:
      requestBody:
        content:
          application/json: {schema: {$ref: "#/components/schemas/n"}}
      responses:
        "200":
          description: ok
          content:
            application/json: {schema: {$ref: "#components/schemas/n"}}
components:
  schemas:
    n: {$anchor: n, type: integer}
    m: {$ref: "#n"}
`, map[string]int{"/paths/~1a/post/responses/200/content/application~1json/schema/$ref": 13}},
	} {
		t.Run(c.name, func(t *testing.T) {
			docs := loadDoc(t, "spec.yaml", c.doc)
			wantLines(t, docs, specs.RuleRefUnresolved, "spec.yaml", c.want)
			v := newValidator(t, docs)
			wantValid(t, v, call{method: "POST", target: "/a", body: "1", status: 200, resp: `"any"`}, true) // the response schema is empty: it accepts anything
			wantValid(t, v, call{method: "POST", target: "/a", body: `"x"`, status: 200, resp: `1`}, false)  // the request body's schema is checked
		})
	}
}
