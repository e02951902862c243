package specs_test

import (
	"testing"

	"github.com/specgate/specgate/specs"
)

// TestRefOfAnotherKind: a $ref naming a component of another kind than its place holds (a
// response naming a schema: libopenapi's burgershop, speakeasy's pagerduty.json; a callback's
// expression naming a callback: libopenapi's bundler tests) no longer
// refuses the document (kin-openapi: "bad data in ... (expecting ref to response object)"); it
// is a spec.ref.unresolved finding, and read as an unresolved one is.
func TestRefOfAnotherKind(t *testing.T) {
	docs := loadDoc(t, "openapi.yaml", `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      parameters:
        - $ref: '#/components/schemas/Error'
        - {name: n, in: query, schema: {type: integer}}
      responses:
        "200": {$ref: '#/components/requestBodies/B'}
        "404": {$ref: '#/components/responses/NotFound'}
      callbacks:
        onData:
          "{$request.query.url}": {$ref: '#/components/callbacks/C'}
components:
  callbacks:
    C: {"{$request.body#/url}": {post: {responses: {"204": {description: ok}}}}}
  schemas:
    Error: {type: object}
  requestBodies:
    B: {content: {application/json: {schema: {type: string}}}}
  responses:
    NotFound: {description: nf}
`)
	wantLines(t, docs, "", "", map[string]int{
		specs.RuleRefUnresolved + " /paths/~1a/get/parameters/0/$ref":                          7,
		specs.RuleRefUnresolved + " /paths/~1a/get/responses/200/$ref":                         10,
		specs.RuleRefUnresolved + " /paths/~1a/get/callbacks/onData/{$request.query.url}/$ref": 14,
	})
	wantQueries(t, newValidator(t, docs))
}

// TestSwagger2PointerRef: in Swagger 2.0, a $ref to any other place of the document than
// #/definitions/X, #/parameters/X or #/responses/X (grpc-gateway writes
// "#/x-stream-definitions/X"; go-openapi's fixtures "#/responses/E/schema") is read as what it
// points to (kin-openapi's conversion refused the document: "struct field "x-stream-definitions"
// not found"), and a $ref to a section of another kind is a spec.ref.unresolved finding.
func TestSwagger2PointerRef(t *testing.T) {
	docs := loadDoc(t, "swagger.yaml", `swagger: "2.0"
info: {title: t, version: "1"}
paths:
  /a:
    get:
      produces: [application/json]
      responses:
        200:
          description: ok
          schema: {$ref: '#/x-stream-definitions/Msg'}
        400:
          description: bad
          schema: {$ref: '#/responses/E/schema'}
        500:
          description: bad
          schema: {$ref: '#/responses/E'}
responses:
  E:
    description: e
    schema: {type: object, required: [code]}
x-stream-definitions:
  Msg: {type: object, required: [result]}
`)
	wantLines(t, docs, specs.RuleRefUnresolved, "", map[string]int{"/paths/~1a/get/responses/500/schema/$ref": 16})
	v := newValidator(t, docs)
	for c, ok := range map[call]bool{
		{method: "GET", target: "/a", status: 200, resp: `{"result": 1}`}: true,
		{method: "GET", target: "/a", status: 200, resp: `{}`}:            false, // x-stream-definitions/Msg is checked
		{method: "GET", target: "/a", status: 400, resp: `{"code": 1}`}:   true,
		{method: "GET", target: "/a", status: 400, resp: `{}`}:            false, // responses/E/schema is checked
		{method: "GET", target: "/a", status: 500, resp: `{}`}:            true,  // the $ref of another kind accepts anything
	} {
		wantValid(t, v, c, ok)
	}
}

// TestRefCycle: a $ref whose chain leads back into itself names nothing (ogen's
// cyclic/pathItem.json); it is a spec.ref.unresolved finding, and the validator builds.
func TestRefCycle(t *testing.T) {
	docs := loadDoc(t, "openapi.yaml", `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /foo: {$ref: '#/components/pathItems/P'}
  /bar:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json: {schema: {$ref: '#/components/schemas/A'}}
components:
  pathItems:
    P: {$ref: '#/components/pathItems/P'}
  schemas:
    A: {$ref: '#/components/schemas/B'}
    B: {$ref: '#/components/schemas/A'}
`)
	if len(ruleFindings(docs, specs.RuleRefUnresolved, "")) == 0 {
		t.Errorf("no spec.ref.unresolved finding: %v", specs.Findings(docs))
	}
	newValidator(t, docs)
}
