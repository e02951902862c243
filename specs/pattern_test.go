package specs

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
)

// ECMA-262 patterns that Go's RE2 refuses never stop loading; each is reported once, at load,
// where it is written. kin-openapi's own validation would refuse the document at the first.
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
	var got []string
	for _, f := range Findings(docs) {
		got = append(got, itoa(f.Line)+" "+f.Rule+" #"+f.Pointer)
	}
	want := []string{
		"19 " + RulePatternUnsupported + " #/components/schemas/Q/properties/pattern/pattern",
		"20 " + RulePatternUnsupported + " #/components/schemas/Q/properties/big/pattern",
		"23 " + RulePatternUnsupported + " #/components/schemas/Q/patternProperties/^(?!x-)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
