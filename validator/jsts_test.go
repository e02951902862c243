package validator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/specgate/specgate/specs"
)

// The JSON Schema Test Suite (draft 2020-12), run the way a user runs `specgate validate --spec`:
// each test schema becomes components/schemas/T of an OpenAPI 3.1 document whose one operation
// takes it as its request body, the document is loaded by specs.Load and compiled by New, and
// each test instance is sent as a request body. The verdict must be the suite's.

// jstsDir is where CI keeps the suite, relative to this package.
const jstsDir = "../../shared/json-schema-test-suite/tests/draft2020-12"

// jstsSetApart are the files of the suite whose subject specgate does not have, by design.
var jstsSetApart = map[string]string{
	// The validator resolves references only within the loaded spec files: it never fetches a
	// URL, and the suite's remotes live at http://localhost:1234.
	"refRemote.json": "references to remote documents are not fetched",
	// specgate asserts format (OpenAPI's formats are contracts between client and server), where
	// 2020-12 makes format an annotation by default; optional/format covers assertion.
	"format.json": "specgate asserts format",
}

// jstsRemoteGroups are the groups of other files that, like refRemote.json, refer to the suite's
// remotes at http://localhost:1234 (the test checks that each does), set apart for the same reason.
var jstsRemoteGroups = []string{
	"dynamicRef.json: $ref and $dynamicAnchor are independent of order - $defs first",
	"dynamicRef.json: $ref and $dynamicAnchor are independent of order - $ref first",
	"dynamicRef.json: $ref to $dynamicRef finds detached $dynamicAnchor",
	"dynamicRef.json: strict-tree schema, guards against misspelled properties",
	"dynamicRef.json: tests for implementation dynamic anchor and reference link",
}

// jstsKnownFailures are the required tests that still fail, each with its reason. The test
// asserts that they do fail, so that a fix shows up here.
var jstsKnownFailures = map[string]string{
	// jsonschema/v5.3.1 gives the same verdicts on the schema alone, outside any OpenAPI document.
	"dynamicRef.json: $dynamicRef skips over intermediate resources - direct reference: integer property passes": "jsonschema/v5 resolves the $dynamicRef in the intermediate resource",
	"dynamicRef.json: $dynamicRef skips over intermediate resources - direct reference: string property fails":   "jsonschema/v5 resolves the $dynamicRef in the intermediate resource",
	// The custom meta-schema is a remote (not fetched), and jsonschema/v5 reads $schema only at
	// the root of a document, which here is the OpenAPI document.
	"vocabulary.json: schema that uses custom metaschema with with no validation vocabulary: no validation: invalid number, but it still validates": "$vocabulary of a remote meta-schema is not honoured",
}

type jstsGroup struct {
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Tests       []struct {
		Description string          `json:"description"`
		Data        json.RawMessage `json:"data"`
		Valid       bool            `json:"valid"`
	} `json:"tests"`
}

// jstsDocument places schema in an OpenAPI 3.1 document as components/schemas/T, the request
// body of POST /t. A schema object without $id is given one, which makes it a schema resource of
// its own as OpenAPI 3.1 intends: its "#" and "#/$defs/..." then mean the schema, not the
// document.
func jstsDocument(schema json.RawMessage) ([]byte, error) {
	var s any
	dec := json.NewDecoder(bytes.NewReader(schema))
	dec.UseNumber()
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	if m, ok := s.(map[string]any); ok {
		if _, ok := m["$id"]; !ok {
			m["$id"] = "https://specgate.test/jsts/T"
		}
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "JSON Schema Test Suite", "version": "1"},
		"paths": map[string]any{"/t": map[string]any{"post": map[string]any{
			"operationId": "t",
			"requestBody": map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/T"}},
			}},
			"responses": map[string]any{"204": map[string]any{"description": "checked"}},
		}}},
		"components": map[string]any{"schemas": map[string]any{"T": s}},
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep the document as close to the suite's text as JSON allows
	enc.SetIndent("", " ")
	err := enc.Encode(doc)
	return buf.Bytes(), err
}

// jstsVerdict reports whether instance is accepted as the request body of docs.
func jstsVerdict(docs []*specs.Document, instance []byte) (bool, error) {
	v, err := New(docs, Options{})
	if err != nil {
		return false, err
	}
	res := v.Validate(context.Background(), Exchange{Request: req("POST", "https://api.test/t", string(instance), "Content-Type", "application/json")})
	return len(res.Violations) == 0, nil
}

// TestJSONSchemaTestSuite runs the suite through plain specs.Load and New. It is cheap (about
// 3 s under the race detector), so it stays in the race run, not among the TestCorpus tests.
func TestJSONSchemaTestSuite(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(jstsDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("the JSON Schema Test Suite is missing at %s: %v", jstsDir, err)
	}
	pass, total, remote := 0, 0, 0
	var unexpected []string
	stillFailing := map[string]bool{}
	for _, file := range files {
		name := filepath.Base(file)
		if _, ok := jstsSetApart[name]; ok {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var groups []jstsGroup
		if err := json.Unmarshal(data, &groups); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, g := range groups {
			if slices.Contains(jstsRemoteGroups, name+": "+g.Description) {
				if !bytes.Contains(g.Schema, []byte("http://localhost:1234/")) {
					t.Errorf("%s: %s is set apart as using the remotes, but does not", name, g.Description)
				}
				remote++
				continue
			}
			doc, err := jstsDocument(g.Schema)
			if err != nil {
				t.Fatalf("%s %q: %v", name, g.Description, err)
			}
			docs, loadErr := loadLenient(t, fstest.MapFS{"openapi.json": {Data: doc}}, "openapi.json")
			for _, tc := range g.Tests {
				id := name + ": " + g.Description + ": " + tc.Description
				total++
				ok, err := false, loadErr
				if err == nil {
					ok, err = jstsVerdict(docs, tc.Data)
				}
				passed := err == nil && ok == tc.Valid
				_, known := jstsKnownFailures[id]
				switch {
				case passed && known:
					t.Errorf("%s passes now: remove it from jstsKnownFailures", id)
				case passed:
					pass++
				case known:
					stillFailing[id] = true
				default:
					why := fmt.Sprintf("want valid=%v, got %v", tc.Valid, ok)
					if err != nil {
						why = "load: " + firstLine(err.Error())
					}
					unexpected = append(unexpected, fmt.Sprintf("%q: %q,", id, why))
				}
			}
		}
	}
	if remote != len(jstsRemoteGroups) {
		t.Errorf("%d of the %d groups set apart for their remotes were found", remote, len(jstsRemoteGroups))
	}
	for id := range jstsKnownFailures {
		if !stillFailing[id] {
			t.Errorf("known failure %s was not run: the suite changed?", id)
		}
	}
	sort.Strings(unexpected)
	for _, u := range unexpected {
		t.Error(u)
	}
	t.Logf("JSON Schema Test Suite 2020-12 through specs.Load and validate --spec's validator: %d/%d required tests pass (%.1f%%)", pass, total, 100*float64(pass)/float64(total))
	if pass*100 < total*99 {
		t.Errorf("fewer than 99%% of the required tests pass")
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
