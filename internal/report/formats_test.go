package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"strings"
	"testing"

	"github.com/specgate/specgate/internal/schema"
	"github.com/specgate/specgate/rules"
	"github.com/specgate/specgate/validator"
)

// sarifSchema is the SARIF 2.1.0 JSON Schema (rtm.5, as published with the OASIS standard's
// last draft), vendored in testdata.
func sarifSchemaOf(t *testing.T) *schema.Document {
	t.Helper()
	data, err := os.ReadFile("testdata/sarif-2.1.0-rtm.5.json")
	if err != nil {
		t.Fatal(err)
	}
	c := schema.NewDocuments()
	if err := c.Add("sarif.json", data); err != nil {
		t.Fatal(err)
	}
	d, err := c.Compile("sarif.json")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func checkSARIF(t *testing.T, out string) map[string]any {
	t.Helper()
	var v any
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if ve, err := sarifSchemaOf(t).Validate(v); ve != nil || err != nil {
		t.Fatalf("not valid SARIF 2.1.0: %#v %v\n%s", ve, err, out)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["version"] != "2.1.0" {
		t.Errorf("version %v", doc["version"])
	}
	return doc
}

func sampleFindings() Findings {
	return Findings{
		Command: "lint",
		Inputs:  []string{"specs/a.yaml", "specs/clean.yaml"},
		Rules:   []rules.Rule{{ID: "lint.oneof.ambiguous", Level: rules.Error, Summary: "ambiguous"}},
		FailOn:  LevelError,
		Findings: []Finding{
			{Rule: "lint.oneof.ambiguous", Level: LevelError, File: "specs/a.yaml", Pointer: "/paths/~1x/get/responses/200/content/application~1json/schema/oneOf", Line: 58,
				Operation: "GET /x (getX)", Message: "branches 0 and 1 both accept the witness", Witness: map[string]any{}},
			{Rule: "lint.example.invalid", Level: LevelWarning, File: "specs/a.yaml", Pointer: "/components/schemas/A/example", Line: 70, Message: "bad, with: a colon\nand a newline 100%",
				Details: []string{"`/uid`: too long"}},
			{Rule: "diff.traffic.regression", Level: LevelBreaking, File: "trace.har", Message: "was valid", Violations: []validator.Violation{{Rule: "request.param.schema", Part: "request", Instance: "X-Requested-By", Message: "too long"}}},
		},
	}
}

func TestFindingsSARIF(t *testing.T) {
	var b bytes.Buffer
	if err := WriteFindings(&b, "sarif", sampleFindings()); err != nil {
		t.Fatal(err)
	}
	doc := checkSARIF(t, b.String())
	run := doc["runs"].([]any)[0].(map[string]any)
	results := run["results"].([]any)
	if len(results) != 3 {
		t.Fatalf("%d results", len(results))
	}
	r0 := results[0].(map[string]any)
	loc := r0["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
	if loc["artifactLocation"].(map[string]any)["uri"] != "specs/a.yaml" || loc["region"].(map[string]any)["startLine"] != float64(58) {
		t.Errorf("location %v", loc)
	}
	if r0["level"] != "error" || !strings.Contains(r0["message"].(map[string]any)["text"].(string), "Witness: {}") {
		t.Errorf("result %v", r0)
	}
	if results[1].(map[string]any)["level"] != "warning" {
		t.Errorf("warning level %v", results[1])
	}
	rules := run["tool"].(map[string]any)["driver"].(map[string]any)["rules"].([]any)
	if len(rules) != 3 {
		t.Errorf("rules %v: want the listed one and the two added on use", rules)
	}
	for i, r := range results {
		idx := int(r.(map[string]any)["ruleIndex"].(float64))
		if rules[idx].(map[string]any)["id"] != r.(map[string]any)["ruleId"] {
			t.Errorf("result %d: ruleIndex %d names another rule", i, idx)
		}
	}
	var empty bytes.Buffer
	if err := WriteFindings(&empty, "sarif", Findings{Command: "lint"}); err != nil {
		t.Fatal(err)
	}
	checkSARIF(t, empty.String())
}

func TestFindingsJUnit(t *testing.T) {
	var b bytes.Buffer
	f := sampleFindings()
	if err := WriteFindings(&b, "junit", f); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	// specs/a.yaml: two findings (the warning passes at fail level error); specs/clean.yaml: one
	// passing case; trace.har: one failure.
	if doc.Tests != 4 || doc.Failures != 2 || len(doc.Suites) != 3 {
		t.Errorf("tests %d failures %d suites %d\n%s", doc.Tests, doc.Failures, len(doc.Suites), b.String())
	}
	if f.Failing() != 2 {
		t.Errorf("failing %d", f.Failing())
	}
	f.FailOn = LevelWarning
	if f.Failing() != 3 {
		t.Errorf("failing at warning %d", f.Failing())
	}
}

func TestFindingsGitHubAndText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteFindings(&b, "github", sampleFindings()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("lines %q", lines)
	}
	if !strings.HasPrefix(lines[0], "::error file=specs/a.yaml,line=58,title=lint.oneof.ambiguous::GET /x (getX): branches") {
		t.Errorf("line 0 %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "::warning file=specs/a.yaml,line=70,title=lint.example.invalid::bad, with: a colon%0Aand a newline 100%25") {
		t.Errorf("line 1 %q", lines[1])
	}
	b.Reset()
	if err := WriteFindings(&b, "text", sampleFindings()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"specs/a.yaml:58: error lint.oneof.ambiguous [GET /x (getX)] at #/paths/~1x/get/responses/200/content/application~1json/schema/oneOf: branches 0 and 1 both accept the witness\n  witness: {}\n",
		"  request.param.schema X-Requested-By: too long\n",
		"3 findings: 1 breaking, 1 error, 1 warning in 2 files checked\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := WriteFindings(&b, "json", sampleFindings()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Findings []map[string]any `json:"findings"`
		Summary  map[string]any   `json:"summary"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || len(doc.Findings) != 3 || doc.Summary["failing"] != float64(2) {
		t.Errorf("json %v %v\n%s", err, doc.Summary, b.String())
	}
	if err := WriteFindings(&b, "xml", sampleFindings()); err == nil {
		t.Error("unknown format accepted")
	}
	if _, err := ParseLevel("fatal"); err == nil {
		t.Error("unknown level accepted")
	}
}

// junit and sarif are single documents: nothing is written before Close, and a writer's error
// comes back from Close.
func TestDocumentFormats(t *testing.T) {
	for _, format := range formatNames(false) {
		var buf bytes.Buffer
		r, err := New(&buf, format)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Add(entries()[1]); err != nil || buf.Len() != 0 {
			t.Errorf("%s: wrote %q before Close (err %v)", format, buf.String(), err)
		}
		if err := r.Close(); err != nil || !strings.Contains(buf.String(), "/user/uid") {
			t.Errorf("%s: Close: %v\n%s", format, err, buf.String())
		}
		r, _ = New(&failWriter{}, format)
		if err := r.Close(); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: error %v, want the writer's", format, err)
		}
	}
}

// Validation results in junit, sarif and github: SARIF results point at the spec keyword's file
// and line, and never show a credential from the URL.
func TestValidationFormats(t *testing.T) {
	out, _ := write(t, "sarif", entries())
	if strings.Contains(out, "t0ps3cret") {
		t.Error("sarif shows a query credential")
	}
	doc := checkSARIF(t, out)
	results := doc["runs"].([]any)[0].(map[string]any)["results"].([]any)
	// Three violations and one unreadable entry.
	if len(results) != 4 {
		t.Fatalf("%d results\n%s", len(results), out)
	}
	loc := results[0].(map[string]any)["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
	if loc["artifactLocation"].(map[string]any)["uri"] != "specs/nerm-lifecycle.yaml" || loc["region"].(map[string]any)["startLine"] != float64(224) {
		t.Errorf("first result location %v", loc)
	}

	out, _ = write(t, "junit", entries())
	var suites junitSuites
	if err := xml.Unmarshal([]byte(out), &suites); err != nil {
		t.Fatalf("not XML: %v\n%s", err, out)
	}
	if suites.Tests != 6 || suites.Failures != 1 || suites.Errors != 1 || suites.Skipped != 1 {
		t.Errorf("junit counts %+v\n%s", suites, out)
	}
	if strings.Contains(out, "t0ps3cret") {
		t.Error("junit shows a query credential")
	}

	out, _ = write(t, "github", entries())
	if !strings.Contains(out, "::error file=specs/nerm-lifecycle.yaml,line=224,title=response.body.schema::a.har entry 1 (PATCH /api/users/1?token=REDACTED → patchUser): /user/uid: too long\n") {
		t.Errorf("github output\n%s", out)
	}
	if !strings.Contains(out, "::notice title=specgate::6 exchanges") {
		t.Errorf("github summary\n%s", out)
	}
}
