package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Anything that is no OpenAPI document is an input error naming the file, in every command:
// a wrong path to a base spec must never turn a gate green.
func TestNoOpenAPIDocumentIsAnInputError(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join("..", "..", "specs", "testdata", "vendor", "openapi.yaml")
	har := filepath.Join(dir, "empty.har")
	files := map[string]string{
		"empty.yaml":  "",
		"foo.json":    `{"foo": 1}`,
		"schema.json": `{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}`,
		"list.yaml":   "- openapi: 3.0.3\n",
		"v4.yaml":     "openapi: 4.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
		"broken.json": "{\n  \"openapi\": \"3.0.3\",\n  \"info\": {\"title\": \"t\",}\n}\n",
	}
	files["empty.har"] = `{"log":{"version":"1.2","entries":[]}}`
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name := range files {
		if name == "empty.har" {
			continue
		}
		bad := filepath.Join(dir, name)
		for _, args := range [][]string{
			{"validate", "--spec", bad, har},
			{"lint", "--no-contracts", bad},
			{"diff", bad, good},
			{"diff", good, bad},
		} {
			var out, errOut bytes.Buffer
			code := Run(context.Background(), args, &out, &errOut)
			if code != exitUsage || !strings.Contains(errOut.String(), name) || (!strings.HasPrefix(name, "v4") && !strings.HasPrefix(name, "broken") && !strings.Contains(errOut.String(), "no OpenAPI document")) {
				t.Errorf("%s on %s: exit %d, want %d and the file named\nstdout: %s\nstderr: %s", args[0], name, code, exitUsage, out.String(), errOut.String())
			}
		}
	}
	// JSON syntax errors are told in JSON's words, at the right line and column.
	var out, errOut bytes.Buffer
	Run(context.Background(), []string{"validate", "--spec", filepath.Join(dir, "broken.json"), har}, &out, &errOut)
	if !strings.Contains(errOut.String(), "line 3, column 25: invalid character '}' looking for beginning of object key string") {
		t.Errorf("JSON syntax error: %s", errOut.String())
	}
}

// A Swagger 2.0 document (OAI's petstore example) is converted and validates traffic like any
// OpenAPI 3 document; a violation points at the 2.0 file.
func TestValidateSwagger2Traffic(t *testing.T) {
	spec := filepath.Join("..", "..", "..", "shared", "real-specs", "oai-learn", "examples", "v2.0", "json", "petstore.json")
	dir := t.TempDir()
	good := filepath.Join(dir, "good.jsonl")
	bad := filepath.Join(dir, "bad.jsonl")
	line := func(body string) string {
		return `{"request": {"method": "GET", "url": "http://petstore.swagger.io/v1/pets?limit=2"}, "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "bodyText": ` + body + `}}` + "\n"
	}
	if err := os.WriteFile(good, []byte(line(`"[{\"id\": 1, \"name\": \"rex\"}]"`)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(line(`"[{\"id\": \"one\", \"name\": \"rex\"}]"`)), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := Run(context.Background(), []string{"validate", "--spec", spec, good}, &out, &errOut); code != exitOK {
		t.Fatalf("valid exchange: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	out.Reset()
	errOut.Reset()
	code := Run(context.Background(), []string{"validate", "--format", "json", "--spec", spec, bad}, &out, &errOut)
	if code != exitFindings || !strings.Contains(out.String(), "response.body.schema") || !strings.Contains(out.String(), "petstore.json") {
		t.Errorf("invalid exchange: exit %d, want %d with response.body.schema located in petstore.json\n%s%s", code, exitFindings, out.String(), errOut.String())
	}
	// Conversion is a note, not a defect: strict mode accepts a 2.0 document.
	out.Reset()
	errOut.Reset()
	if code := Run(context.Background(), []string{"validate", "--strict", "--spec", spec, good}, &out, &errOut); code != exitOK {
		t.Errorf("--strict on a clean 2.0 document: exit %d\n%s", code, errOut.String())
	}
}
