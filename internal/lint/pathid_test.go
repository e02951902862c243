package lint

import (
	"testing"

	"github.com/specgate/specgate/internal/report"
)

// TestPathParamInBody: a request body that requires the id the path already carries is reported
// as a warning, at the property, once per operation; optional ids, non-JSON bodies and ids that
// are not path parameters are not.
func TestPathParamInBody(t *testing.T) {
	res := lint(t, Options{}, "testdata/path-param-in-body.yaml")
	got := find(res, RulePathParamInBody, "")
	want := map[string]string{
		"PATCH /users/{id}": "/components/schemas/UserFields/properties/id",
		"PUT /users/{id}":   "/paths/~1users~1{id}/put/requestBody/content/application~1merge-patch+json/schema/properties/id",
	}
	if len(got) != len(want) {
		dump(t, res)
		t.Fatalf("%d findings of %s, want %d", len(got), RulePathParamInBody, len(want))
	}
	for _, f := range got {
		if want[f.Operation] != f.Pointer || f.Level != report.LevelWarning || f.Line == 0 {
			t.Errorf("finding %s at %s (line %d, %s); want %q at %s, a warning with a line", f.Operation, f.Pointer, f.Line, f.Level, f.Operation, want[f.Operation])
		}
	}
}

// TestPathParamInBodyOnThePage: NERM's page, as published, requires user.id with its boolean
// "required", which clients ignore; the embedded spec does not (TestOurSpecsAreClean).
func TestPathParamInBodyOnThePage(t *testing.T) {
	res := lint(t, Options{}, "../../specs/testdata/faithful/nerm-patch-user.json")
	got := find(res, RulePathParamInBody, "/properties/user/properties/id")
	if len(got) != 1 || got[0].Operation != "PATCH /users/{id} (patchUser)" || got[0].Line != 42 || got[0].Level != report.LevelWarning {
		dump(t, res)
		t.Fatalf("findings %+v, want one on user.id of patchUser", got)
	}
}
