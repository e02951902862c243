package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// jstsSetApart are the files and groups of the suite the CLI check leaves out, with the reason:
// the same as package validator's TestJSONSchemaTestSuite sets apart or knows to fail.
var jstsSetApart = map[string]string{
	"refRemote.json": "references to remote documents are not fetched",
	"format.json":    "specgate asserts format",
	"dynamicRef.json: $dynamicRef skips over intermediate resources - direct reference":      "jsonschema/v5 resolves the $dynamicRef in the intermediate resource",
	"vocabulary.json: schema that uses custom metaschema with with no validation vocabulary": "$vocabulary of a remote meta-schema is not honoured",
}

// TestValidateSpecJSONSchemaTestSuite runs the JSON Schema Test Suite (draft 2020-12) through
// the command as users run it: every group of the suite that loads on its own as an OpenAPI 3.1
// document (through specs.Load and validator.New, as validate --spec does) becomes an operation
// of one spec file, its instances a JSON Lines file of requests, and `specgate validate --spec`
// must give each exchange the suite's verdict. Groups that use the suite's remotes
// (http://localhost:1234) or repeat another group's $id are left out, as is what jstsSetApart
// names; the count of groups run is asserted, so that a group that stops loading shows up.
func TestValidateSpecJSONSchemaTestSuite(t *testing.T) {
	const suite = "../../../shared/json-schema-test-suite/tests/draft2020-12"
	files, err := filepath.Glob(filepath.Join(suite, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("the JSON Schema Test Suite is missing at %s: %v", suite, err)
	}
	paths, schemas := map[string]any{}, map[string]any{}
	ids := map[string]bool{}
	var lines bytes.Buffer
	var want []bool
	groups, skipped := 0, 0
	for _, file := range files {
		name := filepath.Base(file)
		if _, ok := jstsSetApart[name]; ok {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var all []struct {
			Description string
			Schema      json.RawMessage
			Tests       []struct {
				Data  json.RawMessage
				Valid bool
			}
		}
		if err := json.Unmarshal(data, &all); err != nil {
			t.Fatal(err)
		}
		for _, x := range all {
			if _, ok := jstsSetApart[name+": "+x.Description]; ok || bytes.Contains(x.Schema, []byte("localhost:1234")) {
				continue
			}
			var schema any
			dec := json.NewDecoder(bytes.NewReader(x.Schema))
			dec.UseNumber()
			if err := dec.Decode(&schema); err != nil {
				t.Fatal(err)
			}
			op := fmt.Sprintf("G%d", groups+skipped)
			if m, ok := schema.(map[string]any); ok && m["$id"] == nil {
				m["$id"] = "https://specgate.test/jsts/" + op // a resource of its own
			}
			own := schemaIDs(schema, nil)
			clash := false
			for _, id := range own {
				clash = clash || ids[id]
			}
			if clash || !loadsAlone(t, op, schema) {
				skipped++
				t.Logf("left out: %s: %s (its $id repeats another group's: %v)", name, x.Description, clash)
				continue
			}
			for _, id := range own {
				ids[id] = true
			}
			groups++
			schemas[op] = schema
			paths["/"+op] = map[string]any{"post": map[string]any{
				"operationId": op,
				"requestBody": map[string]any{"required": true, "content": map[string]any{
					"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/" + op}},
				}},
				"responses": map[string]any{"204": map[string]any{"description": "checked"}},
			}}
			for _, tc := range x.Tests {
				line, _ := json.Marshal(map[string]any{"request": map[string]any{
					"method": "POST", "url": "https://api.test/" + op,
					"headers":  map[string]string{"Content-Type": "application/json"},
					"bodyText": string(tc.Data),
				}})
				lines.Write(append(line, '\n'))
				want = append(want, tc.Valid)
			}
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
	t.Logf("%d instances of %d groups, every verdict the suite's; %d groups left out (their $id repeats another's, or they do not load alone)", len(want), groups, skipped)
	if groups < 300 {
		t.Errorf("only %d groups of the suite ran", groups)
	}
}

// schemaIDs lists the $id values in a schema.
func schemaIDs(v any, out []string) []string {
	switch t := v.(type) {
	case map[string]any:
		if id, ok := t["$id"].(string); ok {
			out = append(out, id)
		}
		for _, e := range t {
			out = schemaIDs(e, out)
		}
	case []any:
		for _, e := range t {
			out = schemaIDs(e, out)
		}
	}
	return out
}

// loadsAlone reports whether schema, as the one schema of an OpenAPI 3.1 document, loads and
// compiles as validate --spec loads and compiles it.
func loadsAlone(t *testing.T, op string, schema any) bool {
	doc, err := json.Marshal(map[string]any{
		"openapi": "3.1.0", "info": map[string]any{"title": "one group", "version": "1"},
		"paths":      map[string]any{},
		"components": map[string]any{"schemas": map[string]any{op: schema}},
	})
	if err != nil {
		t.Fatal(err)
	}
	docs, err := specs.Load(context.Background(), specs.NewSources(fstest.MapFS{"g.json": {Data: doc}}, nil), "g.json")
	if err != nil {
		return false
	}
	_, err = validator.New(docs, validator.Options{})
	return err == nil
}
