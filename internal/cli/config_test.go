package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specgate/specgate/internal/schema"
)

// notRecordedLine is a JSON Lines exchange whose response body was sent but not recorded, and
// invalidUID one whose 200 reply carries a 36-character uid.
const (
	notRecordedLine = `{"request": {"method": "PATCH", "url": "https://acme.nonemployee.com/api/users/` + userID + `", "headers": {"Content-Type": "application/json"}, "body": {"user": {"id": "` + userID + `", "name": "bob"}}}, "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "bodyNotRecorded": true}}`
	invalidUIDLine  = `{"request": {"method": "PATCH", "url": "https://acme.nonemployee.com/api/users/` + userID + `", "headers": {"Content-Type": "application/json"}, "body": {"user": {"id": "` + userID + `", "name": "bob"}}}, "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": {"user": {"uid": "` + userID + `"}}}}`
)

// inDir runs the test in a fresh working directory holding files.
func inDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		writeFile(t, dir, name, []byte(text))
	}
	t.Chdir(dir)
	return dir
}

// TestConfigRuleLevels: a rule set to warning in specgate.yaml no longer fails the run, but is
// still reported with its level; --fail-on warning (or fail-on in the file) fails on it again.
func TestConfigRuleLevels(t *testing.T) {
	inDir(t, map[string]string{
		"rec.jsonl":     notRecordedLine + "\n",
		"specgate.yaml": "rules:\n  \"*.body.not_recorded\": warning\n",
	})
	res := run(t, "", nil, "validate", "--format", "json", "rec.jsonl")
	r := decodeReport(t, res.stdout)
	if res.code != exitOK || !r.Exchanges[0].Valid || len(r.Exchanges[0].Violations) != 1 {
		t.Fatalf("exit %d, %+v; want 0 and the violation reported", res.code, r.Exchanges)
	}
	if v := r.Exchanges[0].Violations[0]; v.Rule != "response.body.not_recorded" || v.Level != "warning" {
		t.Errorf("violation %+v, want response.body.not_recorded at warning", v)
	}
	if r.Summary.Lowered != 1 || r.Summary.Failing != 0 {
		t.Errorf("summary %+v", r.Summary)
	}
	if res := run(t, "", nil, "validate", "--fail-on", "warning", "rec.jsonl"); res.code != exitFindings || !strings.Contains(res.stdout, "warning response.body.not_recorded") {
		t.Errorf("--fail-on warning: exit %d\n%s", res.code, res.stdout)
	}
	if res := run(t, "", nil, "validate", "--fail-on", "bogus", "rec.jsonl"); res.code != exitUsage || !strings.Contains(res.stderr, "--fail-on") {
		t.Errorf("--fail-on bogus: exit %d, %s", res.code, res.stderr)
	}
	// Without the file, the rule is an error as before.
	os.Remove("specgate.yaml")
	if res := run(t, "", nil, "validate", "rec.jsonl"); res.code != exitFindings {
		t.Errorf("without the configuration: exit %d, want 1", res.code)
	}
}

// TestConfigWaivers: a waiver accepts the findings it matches with its reason; they stay in every
// report, marked waived (SARIF suppressions, valid against the SARIF schema), and do not fail
// the run. A waiver that matches another operation accepts nothing.
func TestConfigWaivers(t *testing.T) {
	inDir(t, map[string]string{
		"rec.jsonl": invalidUIDLine + "\n",
		".specgate.yaml": `waivers:
  - rule: response.body.schema
    operation: patchUser
    pointer: /user/uid
    reason: NERM returns 36-character uids (vendor ticket 1234)
`,
	})
	res := run(t, "", nil, "validate", "--format", "json", "rec.jsonl")
	r := decodeReport(t, res.stdout)
	if res.code != exitOK || len(r.Exchanges) != 1 || len(r.Exchanges[0].Violations) == 0 {
		t.Fatalf("exit %d, stdout %s", res.code, res.stdout)
	}
	for _, v := range r.Exchanges[0].Violations {
		if v.Waived == nil || !strings.Contains(v.Waived.Reason, "vendor ticket 1234") || v.Waived.Source != ".specgate.yaml:2" {
			t.Errorf("violation %+v is not waived with its reason and source", v)
		}
	}
	if r.Summary.Waived == 0 || r.Summary.Failing != 0 {
		t.Errorf("summary %+v", r.Summary)
	}
	text := run(t, "", nil, "validate", "rec.jsonl")
	if text.code != exitOK || !strings.Contains(text.stdout, "waived error response.body.schema /user/uid") || !strings.Contains(text.stdout, "waived: NERM returns") {
		t.Errorf("text: exit %d\n%s", text.code, text.stdout)
	}
	sarif := run(t, "", nil, "validate", "--format", "sarif", "rec.jsonl")
	doc := validSARIF(t, sarif.stdout)
	results := doc["runs"].([]any)[0].(map[string]any)["results"].([]any)
	if len(results) == 0 {
		t.Fatal("no SARIF results")
	}
	for _, x := range results {
		sup, _ := x.(map[string]any)["suppressions"].([]any)
		if len(sup) != 1 || sup[0].(map[string]any)["justification"] != "NERM returns 36-character uids (vendor ticket 1234)" {
			t.Errorf("result without its suppression: %v", x)
		}
	}

	writeFile(t, ".", ".specgate.yaml", []byte("waivers:\n  - rule: response.body.schema\n    operation: patchUsers\n    reason: another operation\n"))
	if res := run(t, "", nil, "validate", "rec.jsonl"); res.code != exitFindings || strings.Contains(res.stdout, "waived") {
		t.Errorf("a waiver of another operation: exit %d\n%s", res.code, res.stdout)
	}
}

// TestConfigLintAndDiff: lint and diff take the same rules and waivers; a waived lint finding is
// in the SARIF log as suppressed and the run passes.
func TestConfigLintAndDiff(t *testing.T) {
	faithful, err := filepath.Abs(filepath.Join("..", "..", "specs", "testdata", "faithful", "nerm-patch-user-profiles.json"))
	if err != nil {
		t.Fatal(err)
	}
	inDir(t, nil)
	if res := run(t, "", nil, "lint", faithful); res.code != exitFindings {
		t.Fatalf("lint of the faithful page: exit %d, want 1\n%s", res.code, res.stdout)
	}
	writeFile(t, ".", "specgate.yaml", []byte("rules:\n  lint.oneof.ambiguous: warning\n  lint.example.invalid: info\n"))
	if res := run(t, "", nil, "lint", faithful); res.code != exitOK || !strings.Contains(res.stdout, "warning lint.oneof.ambiguous") {
		t.Errorf("lint with the rule at warning: exit %d\n%s", res.code, res.stdout)
	}
	if res := run(t, "", nil, "lint", "--fail-on", "warning", faithful); res.code != exitFindings {
		t.Errorf("lint --fail-on warning: exit %d", res.code)
	}
	writeFile(t, ".", "specgate.yaml", []byte("waivers:\n  - rule: lint.*\n    file: specs/testdata/faithful/nerm-patch-user-profiles.json\n    reason: the vendor's page as published\n"))
	res := run(t, "", nil, "lint", "--format", "sarif", faithful)
	if res.code != exitOK {
		t.Errorf("lint with the finding waived: exit %d\n%s", res.code, res.stderr)
	}
	doc := validSARIF(t, res.stdout)
	sup := 0
	for _, x := range doc["runs"].([]any)[0].(map[string]any)["results"].([]any) {
		if s, _ := x.(map[string]any)["suppressions"].([]any); len(s) == 1 {
			sup++
		}
	}
	if sup == 0 {
		t.Errorf("no suppressed result in\n%s", res.stdout)
	}
}

// TestConfigFlags: every key is a flag's name; the command line wins over the command's section,
// which wins over the top level; --config names another file.
func TestConfigFlags(t *testing.T) {
	inDir(t, map[string]string{
		"rec.jsonl": invalidUIDLine + "\n",
		"specgate.yaml": `format: junit
validate:
  format: json
  host: ["*.nonemployee.com", "other.example"]
`,
		"ci.yaml": "format: sarif\n",
	})
	if res := run(t, "", nil, "validate", "rec.jsonl"); !strings.HasPrefix(res.stdout, "{\n  \"exchanges\"") {
		t.Errorf("the validate section's format is not used:\n%s", res.stdout)
	}
	if res := run(t, "", nil, "validate", "--format", "text", "rec.jsonl"); !strings.Contains(res.stdout, "INVALID") {
		t.Errorf("the command line does not win:\n%s", res.stdout)
	}
	if res := run(t, "", nil, "lint", "--no-contracts", "--format", "text", "--config", "ci.yaml", "../nonexistent.yaml"); strings.Contains(res.stderr, "specgate.yaml") {
		t.Errorf("--config still reads specgate.yaml: %s", res.stderr)
	}
	spec := filepath.Join(repoRoot, "specs", "oig-selfservice.yaml")
	writeFile(t, ".", "specs.yaml", []byte("spec: ["+spec+"]\n"))
	if res := run(t, "", nil, "lint", "--config", "specs.yaml"); res.code != exitOK || !strings.Contains(res.stdout, "in 1 file checked") {
		t.Errorf("lint does not take the configuration's spec list: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if res := run(t, "", nil, "validate", "--config=ci.yaml", "rec.jsonl"); !strings.Contains(res.stdout, `"version":"2.1.0"`) && !strings.Contains(res.stdout, `"version": "2.1.0"`) {
		t.Errorf("--config=ci.yaml is not read:\n%s", res.stdout)
	}
	writeFile(t, ".", ".specgate.yaml", []byte("format: text\n"))
	if res := run(t, "", nil, "validate", "rec.jsonl"); res.code != exitUsage || !strings.Contains(res.stderr, "specgate.yaml and .specgate.yaml") {
		t.Errorf("two configuration files: exit %d, %s", res.code, res.stderr)
	}
}

// TestConfigErrors: a configuration that cannot be applied whole is refused, naming the file and
// the line, before anything runs.
func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"unknown key", "format: json\nfromat: json\n", `specgate.yaml:2: unknown setting "fromat"`},
		{"unknown key in a section", "validate:\n  fail-onn: warning\n", `specgate.yaml:2: unknown setting "fail-onn"`},
		{"unknown format", "format: xml\n", `specgate.yaml:1: format`},
		{"bool of the wrong type", "strict: maybe\n", `specgate.yaml:1: strict`},
		{"a mapping for a value", "host:\n  a: b\n", `specgate.yaml:2: host: want a value or a list`},
		{"a list for a single value", "format: [json, text]\n", `specgate.yaml:1: format takes one value`},
		{"bad fail-on", "validate:\n  fail-on: 3\n", `specgate.yaml:2: fail-on`},
		{"bad size", "proxy:\n  max-body: lots\n", `specgate.yaml:2: max-body`},
		{"unknown rule", "rules:\n  response.body.shcema: warning\n", `specgate.yaml:2: rules: "response.body.shcema" is not a rule id`},
		{"unknown level", "rules:\n  response.body.schema: fatal\n", `specgate.yaml:2: rules: response.body.schema: unknown level "fatal"`},
		{"waiver without a reason", "waivers:\n  - rule: response.body.schema\n", `specgate.yaml:2: waivers: the waiver of response.body.schema needs a reason`},
		{"waiver without a rule", "waivers:\n  - reason: because\n", `specgate.yaml:2: waivers: a waiver needs a rule`},
		{"waiver with an unknown key", "waivers:\n  - rule: response.body.schema\n    reason: x\n    pointr: /a\n", `specgate.yaml:4: waivers: unknown key "pointr"`},
		{"not a mapping", "- format\n", `specgate.yaml:1: want a mapping`},
		{"not YAML", "format: [json\n", `specgate.yaml: `},
		{"set twice", "format: json\nformat: text\n", `specgate.yaml:2: format is set twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inDir(t, map[string]string{"specgate.yaml": tt.text})
			res := run(t, "", nil, "validate", "--allow-empty")
			if res.code != exitUsage || !strings.Contains(res.stderr, tt.want) || res.stdout != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want 2 and %q", res.code, res.stderr, res.stdout, tt.want)
			}
		})
	}
	t.Run("--config of a missing file", func(t *testing.T) {
		inDir(t, nil)
		if res := run(t, "", nil, "validate", "--config", "none.yaml"); res.code != exitUsage || !strings.Contains(res.stderr, "none.yaml") {
			t.Errorf("exit %d, %s", res.code, res.stderr)
		}
	})
}

// repoRoot is the repository's root, absolute because tests change directory.
var repoRoot = func() string {
	p, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		panic(err)
	}
	return p
}()

// sarifSchemaPath is the vendored SARIF 2.1.0 schema.
var sarifSchemaPath = filepath.Join(repoRoot, "internal", "report", "testdata", "sarif-2.1.0-rtm.5.json")

// validSARIF decodes a SARIF log and validates it against the vendored SARIF 2.1.0 schema.
func validSARIF(t *testing.T, out string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(sarifSchemaPath)
	if err != nil {
		t.Fatal(err)
	}
	c := schema.NewDocuments()
	if err := c.Add("sarif.json", data); err != nil {
		t.Fatal(err)
	}
	sarif, err := c.Compile("sarif.json")
	if err != nil {
		t.Fatal(err)
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if ve, err := sarif.Validate(v); ve != nil || err != nil {
		t.Fatalf("not valid SARIF 2.1.0: %#v %v\n%s", ve, err, out)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestConfigWaiversInHTML: the HTML report shows a waived violation, marked waived with its
// reason, though it leaves the exchange valid.
func TestConfigWaiversInHTML(t *testing.T) {
	inDir(t, map[string]string{
		"rec.jsonl":     invalidUIDLine + "\n" + notRecordedLine + "\n",
		"specgate.yaml": "rules:\n  response.body.not_recorded: info\nwaivers:\n  - rule: response.body.schema\n    reason: vendor ticket 1234\n",
	})
	res := run(t, "", nil, "validate", "--format", "html", "rec.jsonl")
	if res.code != exitOK {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for _, want := range []string{`<span class="waived">waived</span>`, "waived: vendor ticket 1234 (specgate.yaml:4)", `<span class="level">info</span> <span class="vrule">response.body.not_recorded</span>`} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
}
