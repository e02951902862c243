package specs_test

import (
	"strings"
	"testing"

	"github.com/specgate/specgate/specs"
)

// TestKeywordOfWrongType: a keyword whose value kin-openapi cannot unmarshal no longer refuses
// the document. Each is one spec.keyword.type finding with file, pointer and line; a number
// written as a string is read as the number (and checked), anything else is dropped; the rest
// of the schema is checked as strictly as before.
func TestKeywordOfWrongType(t *testing.T) {
	docs := loadTree(t, "openapi.yaml", map[string]string{
		"openapi.yaml": `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [n, s]
              properties:
                n: {type: integer, minimum: zero, maximum: 9}
                s: {type: string, maxLength: "3"}
                e: {type: string, enum: foo}
                l: {type: array, items: {type: string, required: true}}
                x: {$ref: "schemas.yaml#/X"}
      responses:
        "204": {description: ok}
`,
		"schemas.yaml": `X:
  type: array
  maxItems: "2"
  minItems: many
`,
	})
	want := []struct {
		file, ptr string
		line      int
		msg       string
	}{
		{"openapi.yaml", "/paths/~1a/post/requestBody/content/application~1json/schema/properties/n/minimum", 13, "is dropped"},
		{"openapi.yaml", "/paths/~1a/post/requestBody/content/application~1json/schema/properties/s/maxLength", 14, `"3" is read as the number 3`},
		{"openapi.yaml", "/paths/~1a/post/requestBody/content/application~1json/schema/properties/e/enum", 15, "is dropped"},
		{"openapi.yaml", "/paths/~1a/post/requestBody/content/application~1json/schema/properties/l/items/required", 16, "is dropped"},
		{"schemas.yaml", "/X/maxItems", 3, `"2" is read as the number 2`},
		{"schemas.yaml", "/X/minItems", 4, "is dropped"},
	}
	got := ruleFindings(docs, specs.RuleKeywordType, "")
	if len(got) != len(want) {
		t.Fatalf("%d spec.keyword.type findings, want %d: %v", len(got), len(want), got)
	}
	for _, w := range want {
		found := false
		for _, f := range got {
			if f.File == w.file && f.Pointer == w.ptr && f.Line == w.line && strings.Contains(f.Message, w.msg) && f.Level == specs.LevelError {
				found = true
			}
		}
		if !found {
			t.Errorf("no finding in %s at %s line %d saying %q; got %v", w.file, w.ptr, w.line, w.msg, got)
		}
	}
	v := newValidator(t, docs)
	if fs := v.SpecFindings(); len(fs) != 0 {
		t.Errorf("the repaired schemas do not compile: %v", fs)
	}
	for _, c := range []struct {
		body string
		ok   bool
	}{
		{`{"n": 1, "s": "abc", "x": [1, 2]}`, true},
		{`{"n": -5, "s": "abc", "e": "bar"}`, true},     // minimum and enum dropped
		{`{"n": 10, "s": "abc"}`, false},                // maximum kept
		{`{"n": 1, "s": "abcd"}`, false},                // maxLength read as 3
		{`{"n": 1, "s": "abc", "x": [1, 2, 3]}`, false}, // maxItems read as 2
		{`{"s": "abc"}`, false},                         // required kept
	} {
		wantValid(t, v, call{method: "POST", target: "/a", body: c.body}, c.ok)
	}
}

// TestVersionWithoutMinor: openapi: "3" (kin-openapi's own test documents have one) is read as
// 3.0, as Redocly reads it, with a finding at /openapi.
func TestVersionWithoutMinor(t *testing.T) {
	docs := loadDoc(t, "openapi.yaml", "openapi: '3'\ninfo: {title: t, version: \"1\"}\npaths: {}\n")
	fs := specs.Findings(docs)
	if len(fs) != 1 || fs[0].Rule != specs.RuleInvalid || fs[0].Pointer != "/openapi" || fs[0].Line != 1 {
		t.Errorf("findings %v", fs)
	}
	if docs[0].Spec.IsOpenAPI31OrLater() {
		t.Error("read as 3.1")
	}
}
