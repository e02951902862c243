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
			fsys := fstest.MapFS{"spec.yaml": {Data: []byte(c.doc)}}
			docs, err := specs.Load(context.Background(), specs.NewSources(fsys, nil), "spec.yaml")
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, f := range specs.Findings(docs) {
				if f.Rule == specs.RuleRefUnresolved && f.File == "spec.yaml" {
					got[f.Pointer] = f.Line
				}
			}
			if len(got) != len(c.want) {
				t.Errorf("spec.ref.unresolved findings %v, want %v", got, c.want)
			}
			for ptr, line := range c.want {
				if got[ptr] != line {
					t.Errorf("no finding at %s line %d: %v", ptr, line, specs.Findings(docs))
				}
			}
			v, err := validator.New(docs, validator.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range []struct {
				body, resp string
				ok         bool
			}{
				{"1", `"any"`, true}, // the response schema is empty: it accepts anything
				{`"x"`, `1`, false},  // the request body's schema is checked
			} {
				u, _ := url.Parse("https://x.test/a")
				json := http.Header{"Content-Type": {"application/json"}}
				res := v.Validate(context.Background(), validator.Exchange{
					Request:  &validator.Request{Method: "POST", URL: u, Header: json, Body: []byte(x.body)},
					Response: &validator.Response{Status: 200, Header: json, Body: []byte(x.resp)},
				})
				if got := len(res.Violations) == 0; got != x.ok {
					t.Errorf("POST /a %s -> %s: valid = %v, want %v: %v", x.body, x.resp, got, x.ok, res.Violations)
				}
			}
		})
	}
}
