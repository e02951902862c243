package specs_test

import (
	"strings"
	"testing"

	"github.com/specgate/specgate/specs"
)

// TestSwagger2SharedFormsBesideBody: a path item whose shared parameters have a body and
// formData (go-openapi's diff/testdata/extensions.v1.json) loads; openapi2conv refused it
// ("body and form parameters cannot exist together"). The formData parameter is one
// spec.converted.dropped finding at its line; the body is checked.
func TestSwagger2SharedFormsBesideBody(t *testing.T) {
	docs := loadDoc(t, "swagger.yaml", `swagger: "2.0"
info: {title: t, version: "1"}
consumes: [application/json]
paths:
  /b:
    parameters:
      - {name: body, in: body, schema: {type: object, required: [id]}}
      - {name: d, in: formData, type: string}
    post:
      responses:
        204: {description: ok}
`)
	dropped := wantLines(t, docs, specs.RuleConversionDropped, "", map[string]int{"/paths/~1b/parameters/1": 8})
	if len(dropped) != 1 || !strings.Contains(dropped[0].Message, `"d"`) {
		t.Errorf("spec.converted.dropped findings %v, want one naming \"d\"", dropped)
	}
	wantBodies(t, newValidator(t, docs), "/b", map[string]bool{`{"id": 1}`: true, `{}`: false})
}

// TestSwagger2RefsDeepInAdditionalProperties: a $ref to a definition below additionalProperties
// deeper than openapi2conv converts (go-swagger's fixture-2385.yaml: additionalProperties, then
// items, then additionalProperties) loads; the conversion refused the document ("failed to
// resolve "definitions" in fragment in URI"). Nothing is lost, so there is no finding beyond the
// conversion's own, and each $ref checks what its definition says.
func TestSwagger2RefsDeepInAdditionalProperties(t *testing.T) {
	docs := loadDoc(t, "swagger.yaml", `swagger: "2.0"
info: {title: t, version: "1"}
consumes: [application/json]
paths:
  /m:
    post:
      parameters:
        - {name: body, in: body, schema: {$ref: "#/definitions/M"}}
      responses:
        204: {description: ok}
definitions:
  N: {type: integer}
  M:
    type: object
    additionalProperties:
      type: array
      items:
        type: object
        properties:
          p: {$ref: "#/definitions/N"}
        additionalProperties: {$ref: "#/definitions/N"}
`)
	for _, f := range specs.Findings(docs) {
		if f.Rule != specs.RuleConvertedSwagger2 {
			t.Errorf("finding %v", f)
		}
	}
	wantBodies(t, newValidator(t, docs), "/m", map[string]bool{
		`{"a": [{"p": 1, "q": 2}]}`: true,
		`{"a": [{"p": "x"}]}`:       false, // properties/p is N
		`{"a": [{"q": "x"}]}`:       false, // additionalProperties is N
	})
}
