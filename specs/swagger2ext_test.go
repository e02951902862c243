package specs_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// TestSwagger2SharedFormsBesideBody: a path item whose shared parameters have a body and
// formData (go-openapi's diff/testdata/extensions.v1.json) loads; openapi2conv refused it
// ("body and form parameters cannot exist together"). The formData parameter is one
// spec.converted.dropped finding at its line; the body is checked.
func TestSwagger2SharedFormsBesideBody(t *testing.T) {
	fsys := fstest.MapFS{"swagger.yaml": {Data: []byte(`swagger: "2.0"
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
`)}}
	docs, err := specs.Load(context.Background(), specs.NewSources(fsys, nil), "swagger.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var dropped []specs.Finding
	for _, f := range specs.Findings(docs) {
		if f.Rule == specs.RuleConversionDropped {
			dropped = append(dropped, f)
		}
	}
	if len(dropped) != 1 || dropped[0].Pointer != "/paths/~1b/parameters/1" || dropped[0].Line != 8 || !strings.Contains(dropped[0].Message, `"d"`) {
		t.Errorf("spec.converted.dropped findings %v", dropped)
	}
	v, err := validator.New(docs, validator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for body, ok := range map[string]bool{`{"id": 1}`: true, `{}`: false} {
		u, _ := url.Parse("https://x.test/b")
		res := v.Validate(context.Background(), validator.Exchange{Request: &validator.Request{Method: "POST", URL: u, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)}})
		if got := len(res.Violations) == 0; got != ok {
			t.Errorf("%s: valid = %v, want %v: %v", body, got, ok, res.Violations)
		}
	}
}

// TestSwagger2RefsDeepInAdditionalProperties: a $ref to a definition below additionalProperties
// deeper than openapi2conv converts (go-swagger's fixture-2385.yaml: additionalProperties, then
// items, then additionalProperties) loads; the conversion refused the document ("failed to
// resolve "definitions" in fragment in URI"). Nothing is lost, so there is no finding beyond the
// conversion's own, and each $ref checks what its definition says.
func TestSwagger2RefsDeepInAdditionalProperties(t *testing.T) {
	fsys := fstest.MapFS{"swagger.yaml": {Data: []byte(`swagger: "2.0"
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
`)}}
	docs, err := specs.Load(context.Background(), specs.NewSources(fsys, nil), "swagger.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range specs.Findings(docs) {
		if f.Rule != specs.RuleConvertedSwagger2 {
			t.Errorf("finding %v", f)
		}
	}
	v, err := validator.New(docs, validator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for body, ok := range map[string]bool{
		`{"a": [{"p": 1, "q": 2}]}`: true,
		`{"a": [{"p": "x"}]}`:       false, // properties/p is N
		`{"a": [{"q": "x"}]}`:       false, // additionalProperties is N
	} {
		u, _ := url.Parse("https://x.test/m")
		res := v.Validate(context.Background(), validator.Exchange{Request: &validator.Request{Method: "POST", URL: u, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)}})
		if got := len(res.Violations) == 0; got != ok {
			t.Errorf("%s: valid = %v, want %v: %v", body, got, ok, res.Violations)
		}
	}
}
