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

// TestObjectOfWrongType: a path item, operation, parameter, response, header or component
// that is no object (a YAML key left empty is null: go-openapi's and ogen's test documents
// have them), a parameter list that is no list, and a parameter with both schema and content
// no longer refuse the document (kin-openapi: "invalid response: value MUST be an object").
// Each is one finding with file, pointer and line; a response is kept as one without content,
// a parameter keeps its schema, and what is left is checked as before.
func TestObjectOfWrongType(t *testing.T) {
	fsys := fstest.MapFS{
		"openapi.yaml": {Data: []byte(`openapi: 3.1.0
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
`)},
	}
	docs, err := specs.Load(context.Background(), specs.NewSources(fsys, nil), "openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		rule, ptr string
		line      int
	}{
		{specs.RuleObjectType, "/paths/~1a/parameters/0", 6},
		{specs.RuleParameterSchemaContent, "/paths/~1a/get/parameters/0/content", 12},
		{specs.RuleObjectType, "/paths/~1a/get/responses/200", 16},
		{specs.RuleObjectType, "/paths/~1a/get/responses/404/headers/X-A", 20},
		{specs.RuleObjectType, "/paths/~1a/put", 21},
		{specs.RuleObjectType, "/paths/~1b/post/parameters", 24},
		{specs.RuleObjectType, "/paths/~1c", 27},
		{specs.RuleObjectType, "/components/parameters/gone", 30},
		{specs.RuleObjectType, "/components/examples/E", 32},
		{specs.RuleRefUnresolved, "/paths/~1a/get/parameters/1/$ref", 14},
	}
	got := map[string]specs.Finding{}
	for _, f := range specs.Findings(docs) {
		got[f.Rule+" "+f.Pointer] = f
	}
	for _, w := range want {
		f, ok := got[w.rule+" "+w.ptr]
		if !ok || f.Line != w.line || f.File != "openapi.yaml" {
			t.Errorf("no %s finding at %s line %d; got %v", w.rule, w.ptr, w.line, specs.Findings(docs))
		}
	}
	if n := len(specs.Findings(docs)); n != len(want) {
		t.Errorf("%d findings, want %d: %v", n, len(want), specs.Findings(docs))
	}
	v, err := validator.New(docs, validator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		query  string
		status int
		ok     bool
	}{
		{"n=1", 200, true},  // the null response is a response without content
		{"n=x", 200, false}, // the parameter's schema is checked
		{"n=1", 404, true},  // the header that is null is dropped
		{"n=1", 500, false}, // no other status is documented
	} {
		u, _ := url.Parse("https://x.test/a?" + c.query)
		res := v.Validate(context.Background(), validator.Exchange{
			Request:  &validator.Request{Method: "GET", URL: u, Header: http.Header{}},
			Response: &validator.Response{Status: c.status, Header: http.Header{}},
		})
		if ok := len(res.Violations) == 0; ok != c.ok {
			t.Errorf("GET /a?%s -> %d: valid = %v, want %v: %v", c.query, c.status, ok, c.ok, res.Violations)
		}
	}
}

// TestSwagger2ObjectOfWrongType: the same in Swagger 2.0 (go-openapi's fixtures leave
// responses empty), and an extension of its paths that is a string (libopenapi's
// petstorev2-complete.yaml; legal 2.0, which kin-openapi's openapi2 cannot read).
func TestSwagger2ObjectOfWrongType(t *testing.T) {
	fsys := fstest.MapFS{"swagger.yaml": {Data: []byte(`swagger: "2.0"
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
`)}}
	docs, err := specs.Load(context.Background(), specs.NewSources(fsys, nil), "swagger.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var objs []specs.Finding
	for _, f := range specs.Findings(docs) {
		if f.Rule == specs.RuleObjectType {
			objs = append(objs, f)
		}
	}
	if len(objs) != 2 || objs[0].Pointer != "/paths/~1a/get/responses/200" || objs[0].Line != 10 || objs[1].Pointer != "/responses/R" || objs[1].Line != 12 {
		t.Errorf("spec.object.type findings %v", objs)
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

// TestNullSchema: a schema left empty in YAML (go-swagger's fixture-1042-bad.yaml has
// `allOf: [{$ref: ...}, ]`) no longer refuses the document (kin-openapi: "invalid schema: value
// MUST be an object"): dropped from its list, removed with its keyword, or, named, read as a
// schema that accepts anything; each is a spec.object.type finding at its line, and the rest of
// the schema is checked. A null default or example is data, left alone.
func TestNullSchema(t *testing.T) {
	fsys := fstest.MapFS{"openapi.yaml": {Data: []byte(`openapi: 3.0.3
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
`)}}
	docs, err := specs.Load(context.Background(), specs.NewSources(fsys, nil), "openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, f := range specs.Findings(docs) {
		if f.Rule == specs.RuleObjectType {
			got[f.Pointer] = f.Line
		}
	}
	want := map[string]int{
		"/components/schemas/B/allOf/1":               17,
		"/components/schemas/B/properties/any":        20,
		"/components/schemas/B/properties/list/items": 23,
		"/components/schemas/E":                       27,
	}
	if len(got) != len(want) {
		t.Errorf("spec.object.type findings %v", specs.Findings(docs))
	}
	for ptr, line := range want {
		if got[ptr] != line {
			t.Errorf("no finding at %s line %d: %v", ptr, line, specs.Findings(docs))
		}
	}
	v, err := validator.New(docs, validator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for body, ok := range map[string]bool{`{"id": 1, "any": [1], "list": [1, "x"]}`: true, `{"id": "x"}`: false, `{}`: false} {
		u, _ := url.Parse("https://x.test/a")
		res := v.Validate(context.Background(), validator.Exchange{Request: &validator.Request{Method: "POST", URL: u, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)}})
		if got := len(res.Violations) == 0; got != ok {
			t.Errorf("%s: valid = %v, want %v: %v", body, got, ok, res.Violations)
		}
	}
}
