package specs_test

import (
	"testing"

	"github.com/specgate/specgate/specs"
)

// TestObjectOfWrongType: a path item, operation, parameter, response, header or component
// that is no object (a YAML key left empty is null: go-openapi's and ogen's test documents
// have them), a parameter list that is no list, and a parameter with both schema and content
// no longer refuse the document (kin-openapi: "invalid response: value MUST be an object").
// Each is one finding with file, pointer and line; a response is kept as one without content,
// a parameter keeps its schema, and what is left is checked as before.
func TestObjectOfWrongType(t *testing.T) {
	docs := loadDoc(t, "openapi.yaml", `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /a:
    parameters:
      -
    get:
      parameters:
        - name: n
          in: query
          schema: {type: integer}
          content:
            application/json: {schema: {type: string}}
        - $ref: '#/components/parameters/gone'
      responses:
        "200":
        "404":
          description: nf
          headers:
            X-A:
    put: nothing
  /b:
    post:
      parameters: {name: q, in: query}
      responses:
        "204": {description: ok}
  /c:
components:
  parameters:
    gone:
  examples:
    E: [1]
`)
	// The tree is the one file, so every finding must be in it.
	wantLines(t, docs, "", "", map[string]int{
		specs.RuleObjectType + " /paths/~1a/parameters/0":                         6,
		specs.RuleParameterSchemaContent + " /paths/~1a/get/parameters/0/content": 12,
		specs.RuleObjectType + " /paths/~1a/get/responses/200":                    16,
		specs.RuleObjectType + " /paths/~1a/get/responses/404/headers/X-A":        20,
		specs.RuleObjectType + " /paths/~1a/put":                                  21,
		specs.RuleObjectType + " /paths/~1b/post/parameters":                      24,
		specs.RuleObjectType + " /paths/~1c":                                      27,
		specs.RuleObjectType + " /components/parameters/gone":                     30,
		specs.RuleObjectType + " /components/examples/E":                          32,
		specs.RuleRefUnresolved + " /paths/~1a/get/parameters/1/$ref":             14,
	})
	v := newValidator(t, docs)
	for c, ok := range map[call]bool{
		{method: "GET", target: "/a?n=1", status: 200}: true,  // the null response is a response without content
		{method: "GET", target: "/a?n=x", status: 200}: false, // the parameter's schema is checked
		{method: "GET", target: "/a?n=1", status: 404}: true,  // the header that is null is dropped
		{method: "GET", target: "/a?n=1", status: 500}: false, // no other status is documented
	} {
		wantValid(t, v, c, ok)
	}
}

// TestSwagger2ObjectOfWrongType: the same in Swagger 2.0 (go-openapi's fixtures leave
// responses empty), and an extension of its paths that is a string (libopenapi's
// petstorev2-complete.yaml; legal 2.0, which kin-openapi's openapi2 cannot read).
func TestSwagger2ObjectOfWrongType(t *testing.T) {
	docs := loadDoc(t, "swagger.yaml", `swagger: "2.0"
info: {title: t, version: "1"}
paths:
  x-minty: fresh
  /a:
    get:
      parameters:
        - {name: n, in: query, type: integer}
      responses:
        200:
responses:
  R:
`)
	wantLines(t, docs, specs.RuleObjectType, "", map[string]int{"/paths/~1a/get/responses/200": 10, "/responses/R": 12})
	wantQueries(t, newValidator(t, docs))
}

// TestNullSchema: a schema left empty in YAML (go-swagger's fixture-1042-bad.yaml has
// `allOf: [{$ref: ...}, ]`) no longer refuses the document (kin-openapi: "invalid schema: value
// MUST be an object"): dropped from its list, removed with its keyword, or, named, read as a
// schema that accepts anything; each is a spec.object.type finding at its line, and the rest of
// the schema is checked. A null default or example is data, left alone.
func TestNullSchema(t *testing.T) {
	docs := loadDoc(t, "openapi.yaml", `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/B'}
      responses:
        "204": {description: ok}
components:
  schemas:
    B:
      allOf:
        - {required: [id]}
        -
      properties:
        id: {type: integer}
        any:
        list:
          type: array
          items:
      example:
        id:
      default:
    E:
`)
	wantLines(t, docs, specs.RuleObjectType, "", map[string]int{
		"/components/schemas/B/allOf/1":               17,
		"/components/schemas/B/properties/any":        20,
		"/components/schemas/B/properties/list/items": 23,
		"/components/schemas/E":                       27,
	})
	wantBodies(t, newValidator(t, docs), "/a", map[string]bool{`{"id": 1, "any": [1], "list": [1, "x"]}`: true, `{"id": "x"}`: false, `{}`: false})
}
