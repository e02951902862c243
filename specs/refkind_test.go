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

// TestRefOfAnotherKind: a $ref naming a component of another kind than its place holds (a
// response naming a schema: libopenapi's burgershop, speakeasy's pagerduty.json; a callback's
// expression naming a callback: libopenapi's bundler tests) no longer
// refuses the document (kin-openapi: "bad data in ... (expecting ref to response object)"); it
// is a spec.ref.unresolved finding, and read as an unresolved one is.
func TestRefOfAnotherKind(t *testing.T) {
	fsys := fstest.MapFS{"openapi.yaml": {Data: []byte(`openapi: 3.0.3
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
`)}}
	docs, err := specs.Load(context.Background(), specs.NewSources(fsys, nil), "openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, f := range specs.Findings(docs) {
		got[f.Rule+" "+f.Pointer] = f.Line
	}
	want := map[string]int{
		specs.RuleRefUnresolved + " /paths/~1a/get/parameters/0/$ref":                          7,
		specs.RuleRefUnresolved + " /paths/~1a/get/responses/200/$ref":                         10,
		specs.RuleRefUnresolved + " /paths/~1a/get/callbacks/onData/{$request.query.url}/$ref": 14,
	}
	if len(got) != len(want) {
		t.Errorf("findings %v", specs.Findings(docs))
	}
	for k, line := range want {
		if got[k] != line {
			t.Errorf("no finding %s at line %d: %v", k, line, specs.Findings(docs))
		}
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
}

// TestSwagger2PointerRef: in Swagger 2.0, a $ref to any other place of the document than
// #/definitions/X, #/parameters/X or #/responses/X (grpc-gateway writes
// "#/x-stream-definitions/X"; go-openapi's fixtures "#/responses/E/schema") is read as what it
// points to (kin-openapi's conversion refused the document: "struct field "x-stream-definitions"
// not found"), and a $ref to a section of another kind is a spec.ref.unresolved finding.
func TestSwagger2PointerRef(t *testing.T) {
	fsys := fstest.MapFS{"swagger.yaml": {Data: []byte(`swagger: "2.0"
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
`)}}
	docs, err := specs.Load(context.Background(), specs.NewSources(fsys, nil), "swagger.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var refs []specs.Finding
	for _, f := range specs.Findings(docs) {
		if f.Rule == specs.RuleRefUnresolved {
			refs = append(refs, f)
		}
	}
	if len(refs) != 1 || refs[0].Pointer != "/paths/~1a/get/responses/500/schema/$ref" || refs[0].Line != 16 {
		t.Errorf("spec.ref.unresolved findings %v", refs)
	}
	v, err := validator.New(docs, validator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("https://x.test/a")
	for _, c := range []struct {
		status int
		body   string
		ok     bool
	}{
		{200, `{"result": 1}`, true},
		{200, `{}`, false}, // x-stream-definitions/Msg is checked
		{400, `{"code": 1}`, true},
		{400, `{}`, false}, // responses/E/schema is checked
		{500, `{}`, true},  // the $ref of another kind accepts anything
	} {
		res := v.Validate(context.Background(), validator.Exchange{
			Request:  &validator.Request{Method: "GET", URL: u, Header: http.Header{}},
			Response: &validator.Response{Status: c.status, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(c.body)},
		})
		if got := len(res.Violations) == 0; got != c.ok {
			t.Errorf("%d %s: valid = %v, want %v: %v", c.status, c.body, got, c.ok, res.Violations)
		}
	}
}

// TestRefCycle: a $ref whose chain leads back into itself names nothing (ogen's
// cyclic/pathItem.json); it is a spec.ref.unresolved finding, and the validator builds.
func TestRefCycle(t *testing.T) {
	fsys := fstest.MapFS{"openapi.yaml": {Data: []byte(`openapi: 3.1.0
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
`)}}
	docs, err := specs.Load(context.Background(), specs.NewSources(fsys, nil), "openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range specs.Findings(docs) {
		if f.Rule == specs.RuleRefUnresolved {
			n++
		}
	}
	if n == 0 {
		t.Errorf("no spec.ref.unresolved finding: %v", specs.Findings(docs))
	}
	if _, err := validator.New(docs, validator.Options{}); err != nil {
		t.Fatal(err)
	}
}
