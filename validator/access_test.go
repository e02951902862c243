package validator

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// accessSpec has a readOnly id and a writeOnly secret; the comments name their lines.
const accessSpec = `openapi: 3.0.3
info: {title: access, version: "1"}
paths:
  /pets/{id}:
    put:
      operationId: putPet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Pet"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
components:
  schemas:
    Pet:
      type: object
      properties:
        id:
          type: integer
          readOnly: true
        secret:
          type: string
          writeOnly: true
        tags:
          type: array
          items:
            type: object
            properties:
              code: {type: string, readOnly: true}
`

// TestAccessViolationsPointAtTheSpec: a readOnly property sent, or a writeOnly one returned, is
// located at the readOnly or writeOnly keyword of the user's spec, file, pointer and line, never
// at the keyword the conversion adds.
func TestAccessViolationsPointAtTheSpec(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pets.yaml"), []byte(accessSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	v := load(t, dir, "pets.yaml")
	const json = "application/json"
	res := v.Validate(context.Background(), Exchange{
		Request:  req("PUT", "https://x.example/pets/1", `{"id": 1, "tags": [{"code": "a"}]}`, "Content-Type", json),
		Response: resp(200, `{"secret": "s"}`, "Content-Type", json),
	})
	want := map[string]struct {
		rule, keyword, schema string
		line                  int
	}{
		"/id":          {RuleRequestBodyReadOnly, "readOnly", "pets.yaml#/components/schemas/Pet/properties/id/readOnly", 26},
		"/tags/0/code": {RuleRequestBodyReadOnly, "readOnly", "pets.yaml#/components/schemas/Pet/properties/tags/items/properties/code/readOnly", 35},
		"/secret":      {RuleResponseBodyWriteOnly, "writeOnly", "pets.yaml#/components/schemas/Pet/properties/secret/writeOnly", 29},
	}
	if len(res.Violations) != len(want) {
		t.Fatalf("violations %+v", res.Violations)
	}
	for _, x := range res.Violations {
		w, ok := want[x.Instance]
		if !ok {
			t.Errorf("unexpected %+v", x)
			continue
		}
		if x.Rule != w.rule || x.Keyword != w.keyword || x.Schema != w.schema || x.Line != w.line {
			t.Errorf("%s: %s keyword %q at %s:%d, want %s keyword %q at %s:%d", x.Instance, x.Rule, x.Keyword, x.Schema, x.Line, w.rule, w.keyword, w.schema, w.line)
		}
		if strings.Contains(x.Schema+x.Keyword+x.Message, "x-specgate") {
			t.Errorf("%s names the conversion's keyword: %+v", x.Instance, x)
		}
	}
}
