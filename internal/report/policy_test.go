package report

import "testing"

func TestPolicyLevelOf(t *testing.T) {
	p := &Policy{Levels: []RuleLevel{
		{Rule: "response.body.schema", Level: LevelInfo},
		{Rule: "*.body.*", Level: LevelWarning},
		{Rule: "*.body.not_recorded", Level: LevelInfo},
	}}
	tests := []struct {
		rule string
		want Level
	}{
		{"response.body.schema", LevelInfo},      // the exact id wins over a later pattern
		{"request.body.malformed", LevelWarning}, // a pattern
		{"request.body.not_recorded", LevelInfo}, // the later of two patterns
		{"route.not_found", LevelError},          // untouched
	}
	for _, tt := range tests {
		if got := p.LevelOf(tt.rule, LevelError); got != tt.want {
			t.Errorf("LevelOf(%s) = %s, want %s", tt.rule, got, tt.want)
		}
	}
	if got := (*Policy)(nil).LevelOf("x", LevelBreaking); got != LevelBreaking {
		t.Errorf("nil policy: %s", got)
	}
}

func TestPolicyWaiving(t *testing.T) {
	p := &Policy{Waivers: []Waiver{
		{Rule: "response.body.schema", Operation: "patchUser", Pointer: "/user/*", Reason: "r1"},
		{Rule: "lint.*", File: "specs/x.yaml", Reason: "r2"},
	}}
	tests := []struct {
		rule, op, ptr, file string
		want                string
	}{
		{"response.body.schema", "patchUser", "/user/uid", "rec.har", "r1"},
		{"response.body.schema", "PATCH /users/{id} (patchUser)", "/user/uid", "", "r1"},
		{"response.body.schema", "patchUsers", "/user/uid", "", ""},
		{"response.body.schema", "patchUser", "/users/0", "", ""},
		{"lint.oneof.ambiguous", "", "/paths", "/abs/repo/specs/x.yaml", "r2"},
		{"lint.oneof.ambiguous", "", "/paths", "/abs/repo/otherspecs/x.yaml", ""},
	}
	for _, tt := range tests {
		got := ""
		if w := p.Waiving(tt.rule, tt.op, tt.ptr, tt.file); w != nil {
			got = w.Reason
		}
		if got != tt.want {
			t.Errorf("Waiving(%s, %s, %s, %s) = %q, want %q", tt.rule, tt.op, tt.ptr, tt.file, got, tt.want)
		}
	}
	f := Findings{FailOn: LevelError, Findings: []Finding{{Rule: "lint.oneof.ambiguous", Level: LevelError, File: "specs/x.yaml"}, {Rule: "lint.ref.unresolved", Level: LevelError}}}
	p.Apply(&f)
	if f.Failing() != 1 || f.Findings[0].Waived == nil {
		t.Errorf("after Apply: %d failing, %+v", f.Failing(), f.Findings)
	}
}
