package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestValidateSpecJSONSchemaTestSuite is a spot check of the JSON Schema Test Suite (draft 2020-12)
// through the command as users run it: groups of the suite become operations of an OpenAPI 3.1
// spec file, their instances a JSON Lines file of requests, and `specgate validate --spec` must
// give each exchange the suite's verdict. The whole suite runs in package validator
// (TestJSONSchemaTestSuite); these groups are 2020-12 keywords OpenAPI 3.0 did not have, in
// schemas that specs.Load accepts today ($anchor and $defs under an $id wait for its lenient
// loading: kin-openapi resolves those $refs against the document).
func TestValidateSpecJSONSchemaTestSuite(t *testing.T) {
	groups := []struct{ file, description string }{
		{"enum.json", "empty enum"},
		{"prefixItems.json", "a schema given for prefixItems"},
		{"minContains.json", "minContains=2 with contains"},
		{"minContains.json", "maxContains = minContains"},
		{"unevaluatedProperties.json", "unevaluatedProperties with adjacent properties"},
		{"dependentSchemas.json", "single dependency"},
		{"boolean_schema.json", "boolean schema 'false'"},
		{"const.json", "const with object"},
		{"items.json", "prefixItems with no additional items allowed"},
	}
	paths, schemas := map[string]any{}, map[string]any{}
	var lines bytes.Buffer
	var want []bool
	for i, g := range groups {
		data, err := os.ReadFile(filepath.Join("../../../shared/json-schema-test-suite/tests/draft2020-12", g.file))
		if err != nil {
			t.Fatal(err)
		}
		var all []struct {
			Description string
			Schema      any
			Tests       []struct {
				Data  json.RawMessage
				Valid bool
			}
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&all); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, x := range all {
			if x.Description != g.description {
				continue
			}
			found = true
			name := fmt.Sprintf("G%d", i)
			if m, ok := x.Schema.(map[string]any); ok && m["$id"] == nil {
				m["$id"] = "https://specgate.test/jsts/" + name // a resource of its own
			}
			schemas[name] = x.Schema
			paths["/"+name] = map[string]any{"post": map[string]any{
				"operationId": name,
				"requestBody": map[string]any{"required": true, "content": map[string]any{
					"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/" + name}},
				}},
				"responses": map[string]any{"204": map[string]any{"description": "checked"}},
			}}
			for _, tc := range x.Tests {
				line, _ := json.Marshal(map[string]any{"request": map[string]any{
					"method": "POST", "url": "https://api.test/" + name,
					"headers":  map[string]string{"Content-Type": "application/json"},
					"bodyText": string(tc.Data),
				}})
				lines.Write(append(line, '\n'))
				want = append(want, tc.Valid)
			}
		}
		if !found {
			t.Fatalf("%s has no group %q", g.file, g.description)
		}
	}
	doc, _ := json.Marshal(map[string]any{
		"openapi": "3.1.0", "info": map[string]any{"title": "JSON Schema Test Suite", "version": "1"},
		"servers": []any{map[string]any{"url": "https://api.test"}},
		"paths":   paths, "components": map[string]any{"schemas": schemas},
	})
	dir := t.TempDir()
	spec := writeFile(t, dir, "suite.json", doc)
	in := writeFile(t, dir, "suite.jsonl", lines.Bytes())
	res := run(t, "", nil, "validate", "--spec", spec, "--format", "json", "--verbose", in)
	if res.code != 1 {
		t.Fatalf("exit %d, want 1 (some instances are invalid)\n%s", res.code, res.stderr)
	}
	r := decodeReport(t, res.stdout)
	if len(r.Exchanges) != len(want) {
		t.Fatalf("%d exchanges reported, %d sent", len(r.Exchanges), len(want))
	}
	for i, x := range r.Exchanges {
		if x.Valid != want[i] {
			t.Errorf("exchange %d (%s): valid=%v, the suite says %v: %+v", i, x.Operation, x.Valid, want[i], x.Violations)
		}
	}
	t.Logf("%d instances of %d groups, every verdict the suite's", len(want), len(groups))
}
