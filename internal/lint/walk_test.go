package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Lint finds examples and oneOfs by the document's structure (specs.Walker): in callbacks and
// webhooks, in path-item files, beside a 3.1 $ref; never in data or extensions.
func TestLintWalksTheWholeDocument(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"openapi.yaml": `openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /a:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {n: {type: integer}}}
            example: {n: 1}
      callbacks:
        done:
          '{$request.body#/url}':
            post:
              requestBody:
                content:
                  application/json:
                    schema: {type: integer}
                    example: not a number
              responses: {'200': {description: ok}}
      responses: {'200': {description: ok}}
  /b:
    $ref: paths/b.yaml
webhooks:
  ping:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: 'schemas.yaml#/Ping'}
      responses: {'200': {description: ok}}
`,
		"paths/b.yaml": `get:
  responses:
    '200':
      description: ok
      content:
        application/json:
          schema:
            oneOf:
              - {type: object}
              - {type: object, properties: {a: {type: string}}}
`,
		"schemas.yaml": `Ping:
  type: object
  properties:
    id: {$ref: '#/Id', example: 7}
    name: {$ref: '#/Id', example: seven}
  x-sample: {example: {id: not checked}}
  default: {properties: {oneOf: [{}, {}]}}
Id: {type: integer}
`,
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := lint(t, Options{}, filepath.Join(dir, "openapi.yaml"))
	var got []string
	for _, f := range res.Findings {
		if f.Rule == RuleExampleInvalid || f.Rule == RuleOneOfAmbiguous {
			got = append(got, f.Rule+" "+filepath.Base(f.File)+"#"+f.Pointer)
		}
	}
	want := []string{
		RuleExampleInvalid + " openapi.yaml#/paths/~1a/post/callbacks/done/{$request.body#~1url}/post/requestBody/content/application~1json/example",
		RuleOneOfAmbiguous + " b.yaml#/get/responses/200/content/application~1json/schema/oneOf",
		RuleExampleInvalid + " schemas.yaml#/Ping/properties/name/example",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		dump(t, res)
		t.Errorf("found:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
