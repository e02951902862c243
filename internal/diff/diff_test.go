package diff

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oasdiff/oasdiff/checker"
	"gopkg.in/yaml.v3"

	"github.com/specgate/specgate/internal/report"
)

const (
	nerm = "../../specs/nerm-lifecycle.yaml"
	oig  = "../../specs/oig-selfservice.yaml"
)

// mutate writes a copy of the spec file src, changed by fn, into dir, and returns its path.
func mutate(t *testing.T, dir, src string, fn func(doc map[string]any)) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	fn(doc)
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// at walks a decoded document along keys, creating nothing: it fails the test when a key is missing.
func at(t *testing.T, doc map[string]any, keys ...string) map[string]any {
	t.Helper()
	m := doc
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			t.Fatalf("no object at %v (stopped at %q)", keys, k)
		}
		m = next
	}
	return m
}

func compare(t *testing.T, base, rev string, opts Options) *Result {
	t.Helper()
	b, err := Files(base)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Files(rev)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Compare(context.Background(), b, r, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

type expected struct {
	rule  string
	level report.Level
}

// The mutation corpus: each entry changes one thing in a copy of an embedded spec and lists the
// findings (rule and level) that the change must produce, and no others.
var corpus = []struct {
	name string
	spec string
	fn   func(t *testing.T, doc map[string]any)
	want []expected
}{
	{"unchanged", nerm, func(*testing.T, map[string]any) {}, nil},
	{"description reworded", oig, func(t *testing.T, d map[string]any) {
		at(t, d, "paths", "/users", "patch")["description"] = "Reworded."
	}, nil},
	{"operation removed", nerm, func(t *testing.T, d map[string]any) {
		delete(at(t, d, "paths"), "/users/{id}")
	}, []expected{{RuleOperationRemoved, report.LevelBreaking}}},
	{"success status removed", oig, func(t *testing.T, d map[string]any) {
		delete(at(t, d, "paths", "/users", "patch", "responses"), "200")
	}, []expected{{RuleStatusRemoved, report.LevelBreaking}}},
	{"error status removed", nerm, func(t *testing.T, d map[string]any) {
		delete(at(t, d, "paths", "/user_profiles", "patch", "responses"), "500")
	}, []expected{{RuleStatusRemoved, report.LevelInfo}}},
	{"request property became required", nerm, func(t *testing.T, d map[string]any) {
		s := at(t, d, "components", "schemas", "UserUpdateFields")
		s["required"] = []any{"name"}
	}, []expected{{RuleRequestPropRequired, report.LevelBreaking}}},
	{"new required request header", oig, func(t *testing.T, d map[string]any) {
		at(t, d, "paths", "/users", "put")["parameters"] = []any{map[string]any{"$ref": "#/components/parameters/XRequestedBy"}}
	}, []expected{{RuleRequestParamRequired, report.LevelBreaking}}},
	{"request type narrowed", oig, func(t *testing.T, d map[string]any) {
		at(t, d, "components", "schemas", "PatchUserRequest", "properties", "id")["type"] = "integer"
	}, []expected{{RuleRequestType, report.LevelBreaking}}},
	{"request format narrowed", nerm, func(t *testing.T, d map[string]any) {
		at(t, d, "components", "schemas", "UserUpdateFields", "properties", "profile_id")["format"] = "email"
	}, []expected{{RuleRequestType, report.LevelBreaking}}},
	{"request enum narrowed", nerm, func(t *testing.T, d map[string]any) {
		at(t, d, "components", "schemas", "RelationshipType")["enum"] = []any{"owner"}
	}, []expected{{RuleRequestEnumNarrowed, report.LevelBreaking}, {RuleResponseEnumNarrowed, report.LevelInfo}}},
	{"request enum widened", nerm, func(t *testing.T, d map[string]any) {
		at(t, d, "components", "schemas", "RelationshipType")["enum"] = []any{"owner", "contributor", "viewer"}
	}, []expected{{RuleRequestEnumWidened, report.LevelInfo}, {RuleResponseEnumWidened, report.LevelBreaking}}},
	{"request length narrowed", oig, func(t *testing.T, d map[string]any) {
		at(t, d, "components", "parameters", "XRequestedBy", "schema")["maxLength"] = 8
	}, []expected{{RuleRequestConstraint, report.LevelBreaking}}},
	{"response enum widened", oig, func(t *testing.T, d map[string]any) {
		s := at(t, d, "components", "schemas", "UserOperationStatus")
		s["enum"] = append(s["enum"].([]any), "PENDING")
	}, []expected{{RuleResponseEnumWidened, report.LevelBreaking}, {RuleResponseEnumWidened, report.LevelBreaking}}},
	{"response required property removed", oig, func(t *testing.T, d map[string]any) {
		at(t, d, "components", "schemas", "PatchUserResult")["required"] = []any{"id"}
	}, []expected{{RuleResponseRequiredRemove, report.LevelBreaking}}},
	{"request content type changed", nerm, func(t *testing.T, d map[string]any) {
		c := at(t, d, "paths", "/users/{id}", "patch", "requestBody", "content")
		c["application/x-www-form-urlencoded"] = c["application/json"]
		delete(c, "application/json")
	}, []expected{{RuleContentType, report.LevelBreaking}, {RuleContentType, report.LevelInfo}}},
	{"security scheme changed", oig, func(t *testing.T, d map[string]any) {
		at(t, d, "components", "securitySchemes", "basicAuth")["scheme"] = "bearer"
	}, []expected{{RuleSecurity, report.LevelBreaking}}},
	{"operation added", oig, func(t *testing.T, d map[string]any) {
		at(t, d, "paths", "/users")["get"] = map[string]any{"operationId": "getUsers", "responses": map[string]any{"200": map[string]any{"description": "ok"}}}
	}, []expected{{RuleOperationAdded, report.LevelInfo}}},
}

func TestMutationCorpus(t *testing.T) {
	for _, c := range corpus {
		t.Run(c.name, func(t *testing.T) {
			rev := mutate(t, t.TempDir(), c.spec, func(d map[string]any) { c.fn(t, d) })
			res := compare(t, c.spec, rev, Options{})
			var got []expected
			for _, f := range res.Findings {
				if f.Rule == RuleVersion {
					continue // oasdiff's versioning policy, tested on its own
				}
				got = append(got, expected{f.Rule, f.Level})
				if f.File == "" || f.Line == 0 || f.Message == "" || !strings.HasPrefix(f.Origin, "oasdiff:") {
					t.Errorf("finding without file, line, message or origin: %+v", f)
				}
			}
			key := func(e expected) string { return e.rule + "/" + string(e.level) }
			sortKeys := func(es []expected) []string {
				var ks []string
				for _, e := range es {
					ks = append(ks, key(e))
				}
				slices.Sort(ks)
				return ks
			}
			if g, w := sortKeys(got), sortKeys(c.want); !slices.Equal(g, w) {
				var b strings.Builder
				_ = report.WriteFindings(&b, "text", report.Findings{Findings: res.Findings})
				t.Fatalf("findings %v, want %v\n%s", g, w, b.String())
			}
		})
	}
}

// An operation removed is located in the base (the revision no longer has it) and names the
// operation.
func TestRemovedOperationLocation(t *testing.T) {
	rev := mutate(t, t.TempDir(), nerm, func(d map[string]any) { delete(at(t, d, "paths"), "/users/{id}") })
	res := compare(t, nerm, rev, Options{})
	var f report.Finding
	for _, x := range res.Findings {
		if x.Rule == RuleOperationRemoved {
			f = x
		}
	}
	if !strings.HasSuffix(f.File, "specs/nerm-lifecycle.yaml") || f.Pointer != "/paths/~1users~1{id}/patch" || f.Operation != "PATCH /users/{id} (patchUser)" || f.Line == 0 {
		t.Errorf("finding %+v", f)
	}
}

// oasdiff's versioning policy: a breaking change under an unchanged info.version.
func TestVersionNotBumped(t *testing.T) {
	rev := mutate(t, t.TempDir(), nerm, func(d map[string]any) { delete(at(t, d, "paths"), "/users/{id}") })
	res := compare(t, nerm, rev, Options{})
	var v *report.Finding
	for i, f := range res.Findings {
		if f.Rule == RuleVersion {
			v = &res.Findings[i]
		}
	}
	if v == nil || v.Pointer != "/info/version" || v.Line == 0 || v.Level != report.LevelInfo {
		t.Fatalf("version finding %+v", v)
	}
	bumped := mutate(t, t.TempDir(), nerm, func(d map[string]any) {
		delete(at(t, d, "paths"), "/users/{id}")
		at(t, d, "info")["version"] = "2.0.0"
	})
	for _, f := range compare(t, nerm, bumped, Options{}).Findings {
		if f.Rule == RuleVersion {
			t.Errorf("version finding after a major bump: %+v", f)
		}
	}
}

// Folders pair their files by name; a spec that went away is breaking.
func TestFolders(t *testing.T) {
	dir := t.TempDir()
	mutate(t, dir, oig, func(map[string]any) {})
	res := compare(t, "../../specs", dir, Options{})
	if len(res.Findings) != 1 || res.Findings[0].Rule != RuleSpecRemoved || !strings.HasSuffix(res.Findings[0].File, "nerm-lifecycle.yaml") {
		t.Fatalf("findings %+v", res.Findings)
	}
	if _, err := Files(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("a missing file is not an error")
	}
}

// Traffic-aware: the documented PATCH sends X-Requested-By: <anyvalue> (10 characters); a
// revision that caps the header at 8 characters breaks it, and the PUT (which sends no such
// header) stays valid.
func TestTrafficRegression(t *testing.T) {
	rev := mutate(t, t.TempDir(), oig, func(d map[string]any) {
		at(t, d, "components", "parameters", "XRequestedBy", "schema")["maxLength"] = 8
	})
	res := compare(t, oig, rev, Options{Traffic: []string{"testdata/oig.har"}})
	if res.Exchanges != 2 || res.Regressions != 1 {
		t.Fatalf("exchanges %d, regressions %d, want 2 and 1", res.Exchanges, res.Regressions)
	}
	var reg *report.Finding
	for i, f := range res.Findings {
		if f.Rule == RuleTrafficRegression {
			reg = &res.Findings[i]
		}
	}
	if reg == nil || reg.File != "testdata/oig.har" || reg.Operation != "patchUsers" || reg.Level != report.LevelBreaking {
		t.Fatalf("regression finding %+v", reg)
	}
	if len(reg.Violations) != 1 || reg.Violations[0].Rule != "request.param.schema" || reg.Violations[0].Instance != "X-Requested-By" {
		t.Errorf("violations %+v", reg.Violations)
	}
	// Unchanged specs: nothing regresses.
	same := compare(t, oig, oig, Options{Traffic: []string{"testdata/oig.har"}})
	if same.Regressions != 0 || len(same.Findings) != 0 {
		t.Errorf("unchanged spec: %+v", same.Findings)
	}
	b, _ := Files(oig)
	if _, err := Compare(context.Background(), b, b, Options{Traffic: []string{"testdata/none.har"}}); err == nil {
		t.Error("a missing recording is not an error")
	}
}

// Every oasdiff check maps onto a rule id of Rules, and the checks the issue names map where
// they should.
func TestRuleMapping(t *testing.T) {
	ids := map[string]bool{}
	for _, r := range Rules {
		if ids[r.ID] {
			t.Errorf("rule %s listed twice", r.ID)
		}
		ids[r.ID] = true
	}
	all := checker.GetAllRules()
	if len(all) < 100 {
		t.Fatalf("only %d oasdiff rules", len(all))
	}
	for _, r := range all {
		if got := ruleFor(r.Id); !ids[got] {
			t.Errorf("oasdiff %s maps to %s, which Rules does not list", r.Id, got)
		}
	}
	for id, want := range map[string]string{
		"api-path-removed-without-deprecation":       RuleOperationRemoved,
		"api-removed-without-deprecation":            RuleOperationRemoved,
		"endpoint-added":                             RuleOperationAdded,
		"response-success-status-removed":            RuleStatusRemoved,
		"response-non-success-status-removed":        RuleStatusRemoved,
		"new-required-request-property":              RuleRequestPropRequired,
		"request-property-became-required":           RuleRequestPropRequired,
		"request-body-became-required":               RuleRequestPropRequired,
		"new-required-request-parameter":             RuleRequestParamRequired,
		"request-parameter-became-required":          RuleRequestParamRequired,
		"new-required-request-header-property":       RuleRequestParamRequired,
		"request-property-type-changed":              RuleRequestType,
		"request-parameter-type-changed":             RuleRequestType,
		"request-property-enum-value-removed":        RuleRequestEnumNarrowed,
		"request-parameter-enum-value-removed":       RuleRequestEnumNarrowed,
		"request-property-max-length-decreased":      RuleRequestConstraint,
		"request-parameter-min-length-increased":     RuleRequestConstraint,
		"response-property-enum-value-added":         RuleResponseEnumWidened,
		"response-required-property-removed":         RuleResponseRequiredRemove,
		"response-property-became-optional":          RuleResponseRequiredRemove,
		"response-body-type-changed":                 RuleResponseType,
		"request-body-media-type-removed":            RuleContentType,
		"response-media-type-removed":                RuleContentType,
		"api-security-removed":                       RuleSecurity,
		"api-global-security-removed":                RuleSecurity,
		"api-security-component-http-scheme-changed": RuleSecurity,
		"request-property-deprecated":                RuleLifecycle,
	} {
		if got := ruleFor(id); got != want {
			t.Errorf("oasdiff %s maps to %s, want %s", id, got, want)
		}
	}
}
