package specs

import (
	"context"
	"testing"
	"testing/fstest"
)

// ECMA-262 patterns that Go's RE2 refuses never stop loading, nor are they findings of package
// specs: kin-openapi's pattern check would refuse the document at the first, so it is off, and
// the validator checks patterns with an ECMA-262 engine (reporting, once, those it cannot).
func TestPatternsRE2CannotCompile(t *testing.T) {
	fsys := fstest.MapFS{
		"api.yaml": {Data: []byte(`openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /a:
    get:
      parameters:
        - {name: q, in: query, schema: {$ref: "#/components/schemas/Q"}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Q"}
components:
  schemas:
    Q:
      type: object
      properties:
        pattern: {type: string, pattern: "^(?=.*[a-z]).+$"}
        big: {type: string, pattern: "^.{0,262144}$"}
        fine: {type: string, pattern: "^[a-z]+$"}
      patternProperties:
        "^(?!x-)": {type: string}
      example: {pattern: "(?!data)"}
`)}}
	docs, err := Load(context.Background(), NewSources(fsys, nil), "api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if fs := Findings(docs); len(fs) != 0 {
		t.Errorf("findings: %v", fs)
	}
	q := docs[0].Spec.Components.Schemas["Q"].Value
	if q.Properties["pattern"].Value.Pattern != "^(?=.*[a-z]).+$" || q.Properties["big"].Value.Pattern != "^.{0,262144}$" {
		t.Errorf("the patterns are kept as written: %+v", q.Properties)
	}
}
