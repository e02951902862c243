package lint

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/internal/report"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

func lint(t *testing.T, opts Options, files ...string) *Result {
	t.Helper()
	in, err := Files(files...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Lint(context.Background(), in, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// find returns the findings of rule whose pointer ends with suffix.
func find(res *Result, rule, suffix string) []report.Finding {
	var out []report.Finding
	for _, f := range res.Findings {
		if f.Rule == rule && strings.HasSuffix(f.Pointer, suffix) {
			out = append(out, f)
		}
	}
	return out
}

func dump(t *testing.T, res *Result) {
	t.Helper()
	var b strings.Builder
	_ = report.WriteFindings(&b, "text", report.Findings{Findings: res.Findings, Inputs: res.Inputs})
	t.Log("\n" + b.String())
}

// The specs specgate ships, and the contracts written against them, lint clean: their oneOf
// branches are exclusive and every example fits its schema.
func TestOurSpecsAreClean(t *testing.T) {
	res, err := Lint(context.Background(), Embedded(), Options{Contracts: contracts.Embedded(), ContractsName: "contracts"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) > 0 {
		dump(t, res)
		t.Fatalf("%d findings on the embedded specs and contracts, want none", len(res.Findings))
	}
	if len(res.Inputs) != 2 || res.Inputs[0] != "specs/nerm-lifecycle.yaml" {
		t.Errorf("inputs %v", res.Inputs)
	}
	files := lint(t, Options{}, "../../specs/nerm-lifecycle.yaml", "../../specs/oig-selfservice.yaml")
	if len(files.Findings) > 0 {
		dump(t, files)
		t.Fatal("the spec files on disk have findings")
	}
}

// The faithful copies of the vendors' pages carry the defects the reconstruction fixed: both
// oneOfs accept {} in both branches, a boolean required, readonly in lower case, and uid
// examples of 36 characters under a 32-character schema.
func TestFaithfulCopies(t *testing.T) {
	res := lint(t, Options{}, "../../specs/testdata/faithful/nerm-patch-user-profiles.json", "../../specs/testdata/faithful/nerm-patch-user.json")
	type want struct {
		rule, file, pointer string
		line                int
	}
	wants := []want{
		{RuleOneOfAmbiguous, "nerm-patch-user-profiles.json", "/paths/~1user_profiles/patch/responses/200/content/application~1json/schema/oneOf", 78},
		{RuleOneOfAmbiguous, "nerm-patch-user-profiles.json", "/paths/~1user_profiles/patch/responses/400/content/application~1json/schema/oneOf", 186},
		{RuleOneOfAmbiguous, "nerm-patch-user.json", "/paths/~1users~1{id}/patch/responses/400/content/application~1json/schema/oneOf", 210},
		{specs.RepairBooleanRequired, "nerm-patch-user.json", "/paths/~1users~1{id}/patch/requestBody/content/application~1json/schema/properties/user/properties/id/required", 46},
		{specs.RepairLowercaseAccess, "nerm-patch-user.json", "/paths/~1users~1{id}/patch/responses/200/content/application~1json/schema/properties/user/properties/id/readonly", 128},
		{specs.RepairLowercaseAccess, "nerm-patch-user.json", "/paths/~1users~1{id}/patch/responses/200/content/application~1json/schema/properties/user/properties/uid/readonly", 136},
		{RuleExampleInvalid, "nerm-patch-user.json", "/paths/~1users~1{id}/patch/responses/200/content/application~1json/schema/properties/user/properties/uid/example", 137},
		{RuleExampleInvalid, "nerm-patch-user-profiles.json", "/paths/~1user_profiles/patch/responses/200/content/application~1json/schema/oneOf/0/properties/user_profiles/items/properties/uid/example", 100},
		{RuleExampleInvalid, "nerm-patch-user-profiles.json", "/paths/~1user_profiles/patch/responses/200/content/application~1json/schema/oneOf/0/properties/user_profiles/example", 131},
	}
	for _, w := range wants {
		got := find(res, w.rule, w.pointer)
		if len(got) != 1 || got[0].Pointer != w.pointer || !strings.HasSuffix(got[0].File, w.file) || got[0].Line != w.line {
			dump(t, res)
			t.Fatalf("want one %s at %s#%s line %d, got %+v", w.rule, w.file, w.pointer, w.line, got)
		}
		if got[0].Level != report.LevelError {
			t.Errorf("%s: level %s", w.rule, got[0].Level)
		}
	}
	// Besides, the warning on user.id repeating the path id (TestPathParamInBodyOnThePage).
	if n := len(res.Findings) - len(find(res, RulePathParamInBody, "")); n != len(wants) {
		dump(t, res)
		t.Errorf("%d findings, want %d", n, len(wants))
	}
	// The witness is a reply the pages document: the job-status example for the 200 (the body
	// SailPoint's Go SDK cannot decode), the syntax-error example for the 400s.
	for _, f := range find(res, RuleOneOfAmbiguous, "/oneOf") {
		b, _ := json.Marshal(f.Witness)
		want := `{"error":"Invalid JSON syntax. Please check your syntax and try again."}`
		if strings.Contains(f.Pointer, "/200/") {
			want = `{"info":"job has started","job_status":{"job_id":"3ce88e47ad6dba2ddf349d21","status":"queued"},"status":200}`
		}
		if string(b) != want {
			t.Errorf("witness %s, want %s", b, want)
		}
		if f.Operation == "" {
			t.Errorf("finding without its operation: %+v", f)
		}
	}
	// A repair replaces the schema finding at the same place: no lint.oas.schema is left.
	if got := find(res, RuleDocumentSchema, ""); len(got) != 0 {
		t.Errorf("schema findings a repair covers: %+v", got)
	}
}

func TestDefects(t *testing.T) {
	res := lint(t, Options{}, "testdata/defects.yaml")
	checks := []struct{ rule, pointer string }{
		{RuleDocumentSchema, "/paths/~1things~1{id}/get/summery"},
		{specs.RuleRefUnresolved, "/paths/~1things~1{id}/get/responses/404/content/application~1json/schema/$ref"},
		{RuleExampleInvalid, "/paths/~1things~1{id}/parameters/0/example"},
		{RuleExampleInvalid, "/paths/~1things~1{id}/get/responses/200/content/application~1json/example"},
		{RuleOneOfAmbiguous, "/paths/~1numbers/get/responses/200/content/application~1json/schema/oneOf"},
	}
	for _, c := range checks {
		if got := find(res, c.rule, c.pointer); len(got) != 1 || got[0].Pointer != c.pointer || got[0].Line == 0 {
			dump(t, res)
			t.Fatalf("want one %s at %s with a line, got %+v", c.rule, c.pointer, got)
		}
	}
	// Overlapping types: 0 is both a number and an integer.
	amb := find(res, RuleOneOfAmbiguous, "")
	if len(amb) != 1 || amb[0].Witness == nil || amb[0].Operation != "GET /numbers (getNumber)" {
		dump(t, res)
		t.Fatalf("ambiguous oneOfs %+v: want only the number/integer one (Cat and Dog exclude each other)", amb)
	}
	// kin-openapi's refusal is not repeated when an unresolved $ref explains it.
	if got := find(res, RuleOpenAPIInvalid, ""); len(got) != 0 {
		t.Errorf("kin-openapi finding beside the unresolved ref: %+v", got)
	}
}

func TestOpenAPI31(t *testing.T) {
	if res := lint(t, Options{}, "testdata/clean31.yaml"); len(res.Findings) != 0 {
		dump(t, res)
		t.Fatal("a clean 3.1 document has findings")
	}
	res := lint(t, Options{}, "testdata/bad31.yaml")
	if got := find(res, RuleDocumentSchema, "/responses/200/descripton"); len(got) != 1 {
		dump(t, res)
		t.Fatalf("3.1 schema finding: %+v", got)
	}
}

func TestContracts(t *testing.T) {
	fsys := fstest.MapFS{
		// Claims valid, but the uid has 36 characters.
		"nerm-lifecycle/patchUser/valid-wrong.yaml": {Data: []byte(`description: wrong verdict
operation: patchUser
response:
  status: 200
  headers: {Content-Type: application/json}
  body: {user: {uid: db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e}}
expect:
  valid: true
`)},
		"nerm-lifecycle/patchUser/valid-broken.yaml": {Data: []byte("description: no operation\n")},
		"other-spec/op/valid-x.yaml": {Data: []byte(`description: another spec
operation: op
response: {status: 200}
expect: {valid: true}
`)},
	}
	res, err := Lint(context.Background(), Embedded(), Options{Contracts: fsys, ContractsName: "c"})
	if err != nil {
		t.Fatal(err)
	}
	byRule := map[string]report.Finding{}
	for _, f := range res.Findings {
		byRule[f.Rule+" "+f.File] = f
	}
	m, ok := byRule[RuleContractMismatch+" c/nerm-lifecycle/patchUser/valid-wrong.yaml"]
	if !ok || m.Line != 7 || len(m.Details) == 0 || !strings.Contains(m.Details[0], "response.body.schema") {
		dump(t, res)
		t.Fatalf("mismatch finding %+v", m)
	}
	if _, ok := byRule[RuleContractInvalid+" c/nerm-lifecycle/patchUser/valid-broken.yaml"]; !ok {
		dump(t, res)
		t.Fatal("no finding for the broken contract")
	}
	if f, ok := byRule[RuleContractUnmatched+" c/other-spec/op/valid-x.yaml"]; !ok || f.Level != report.LevelWarning {
		dump(t, res)
		t.Fatal("no warning for the contract of another spec")
	}
	if len(res.Findings) != 3 {
		dump(t, res)
		t.Errorf("%d findings, want 3", len(res.Findings))
	}
}

func TestUnreadableInput(t *testing.T) {
	in, err := Files("testdata/does-not-exist.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lint(context.Background(), in, Options{}); err == nil || !strings.Contains(err.Error(), "does-not-exist.yaml") {
		t.Fatalf("error %v, want one naming the file", err)
	}
}

// Lint reports every finding of package specs' lenient load, with the level specs.Rules gives
// it, in the root and in every file the root reaches, and no schema finding for what specs has
// read the Redocly way; a Swagger 2.0 and a 3.2 document are not checked against 3.0's document
// schema.
func TestLintReportsEveryLoadFinding(t *testing.T) {
	res := lint(t, Options{}, "../../specs/testdata/redocly/openapi.yaml")
	for _, want := range []struct{ rule, file, pointer string }{
		{specs.RuleRefText, "openapi.yaml", "/info/description/$ref"},
		{specs.RuleRefText, "orders_{orderId}.yaml", "/get/description/$ref"},
		{specs.RuleRefMisplaced, "orders_{orderId}.yaml", "/get/responses/200/content/$ref"},
		{specs.RuleFieldUnknown, "Order.yaml", "/properties/id/summary"},
		{specs.RuleOperationIDDuplicate, "openapi.yaml", "/paths/~1orders~1search/get/operationId"},
		{validator.RuleSpecPropertiesRef, "Order.yaml", "/properties/customer/properties/$ref"},
	} {
		got := find(res, want.rule, want.pointer)
		if len(got) != 1 || !strings.HasSuffix(got[0].File, want.file) || got[0].Line == 0 || string(got[0].Level) != string(specs.LevelOf(want.rule)) && want.rule != validator.RuleSpecPropertiesRef {
			dump(t, res)
			t.Fatalf("want one %s in %s at %s with its line and level, got %+v", want.rule, want.file, want.pointer, got)
		}
	}
	if got := find(res, RuleDocumentSchema, ""); len(got) != 0 {
		dump(t, res)
		t.Errorf("schema findings for what specs read the Redocly way: %+v", got)
	}
	for _, c := range []struct{ file, rule string }{
		{"../../../shared/real-specs/oai-learn/examples/v2.0/yaml/petstore.yaml", specs.RuleConvertedSwagger2},
		{"../../../shared/real-specs/oai-learn/examples/v3.2/3.2-tags-example.yaml", specs.RuleVersion32},
	} {
		res := lint(t, Options{}, c.file)
		if got := find(res, c.rule, ""); len(got) != 1 || got[0].Level != report.LevelInfo {
			dump(t, res)
			t.Errorf("%s: want one %s note, got %+v", c.file, c.rule, got)
		}
		if got := find(res, RuleDocumentSchema, ""); len(got) != 0 {
			dump(t, res)
			t.Errorf("%s: checked against another version's document schema: %+v", c.file, got)
		}
	}
}

// TestUncompilableSchemaOneIDEverywhere: a schema the validator cannot compile (an $id'd
// schema whose $ref names a $defs entry it lacks) is one spec.schema.uncompilable finding, the
// one validate --spec reports at load, with its file, pointer, line and words; lint reports it
// once, not also under an id of its own.
func TestUncompilableSchemaOneIDEverywhere(t *testing.T) {
	dir := t.TempDir()
	spec := dir + "/openapi.yaml"
	if err := os.WriteFile(spec, []byte(`openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /a:
    post:
      operationId: postA
      requestBody:
        content:
          application/json:
            schema: {$id: "https://specgate.test/a", type: object, properties: {n: {$ref: "#/$defs/missing"}}}
            example: {n: 1}
      responses:
        "204": {description: ok}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	docs, err := specs.LoadFiles(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	v, err := validator.New(docs, validator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := v.SpecFindings()
	if len(want) != 1 || want[0].Rule != validator.RuleSpecSchemaUncompilable {
		t.Fatalf("validator: %+v", want)
	}
	res := lint(t, Options{}, spec)
	var got []report.Finding
	for _, f := range res.Findings {
		if f.Rule == validator.RuleSpecSchemaUncompilable || strings.HasPrefix(f.Rule, "lint.schema") {
			got = append(got, f)
		}
	}
	if len(got) != 1 || got[0].Rule != want[0].Rule || got[0].Pointer != want[0].Pointer || got[0].Line != want[0].Line || got[0].Message != want[0].Message || got[0].Level != want[0].Level {
		dump(t, res)
		t.Fatalf("lint: %+v\nvalidator: %+v", got, want)
	}
	for _, r := range Rules {
		if r.ID == "lint.schema.invalid" {
			t.Error("lint.schema.invalid is still a rule of lint")
		}
	}
}
