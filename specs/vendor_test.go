package specs

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The vendor fixture is the NERM endpoints split over 28 files the way vendors keep their OpenAPI
// repositories, in YAML and JSON, with refs to whole files and to fragments, and the pages'
// defects in several files.
func TestVendorTreeLoadsWithEveryDefectLocated(t *testing.T) {
	docs, err := Load(context.Background(), NewSources(os.DirFS("testdata/vendor"), nil), "openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range Findings(docs) {
		got = append(got, r.File+":"+itoa(r.Line)+" "+r.Rule)
	}
	want := []string{
		"schemas/common/Uid.yaml:5 " + RepairLowercaseAccess,
		"schemas/profile/UserProfile.yaml:6 " + RepairLowercaseAccess,
		"schemas/profile/UserProfileUpdate.json:5 " + RepairBooleanRequired,
		"schemas/profile/UserProfileUpdate.json:6 " + RepairBooleanRequired,
		"schemas/user/User.yaml:6 " + RepairLowercaseAccess,
		"schemas/user/User.yaml:22 " + RepairLowercaseAccess,
		"schemas/user/UserUpdate.yaml:10 " + RepairBooleanRequired,
		"schemas/user/UserUpdate.yaml:13 " + RepairBooleanRequired,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("repairs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	spec := docs[0].Spec
	upd := spec.Paths.Value("/users/{id}").Patch.RequestBody.Value.Content.Get("application/json").Schema.Value.Properties["user"].Value
	if strings.Join(upd.Required, ",") != "email" {
		t.Errorf("UserUpdate required = %v, want [email] (login said required: false)", upd.Required)
	}
	if typ := upd.Properties["type"]; typ.Ref == "" || len(typ.Value.Enum) != 2 {
		t.Errorf("the JSON file UserType.json was not followed")
	}
	var de *DefectsError
	if err := Strict(docs); !errors.As(err, &de) || len(de.Findings) != len(want) {
		t.Errorf("Strict = %v, want all %d defects", err, len(want))
	}
}

func TestBrokenRefsAreAllNamedWhereWritten(t *testing.T) {
	src := NewSources(os.DirFS("testdata/vendor-broken"), nil)
	docs, err := Load(context.Background(), src, "openapi.yaml")
	if err != nil {
		t.Fatalf("a document with unresolved $refs loads leniently: %v", err)
	}
	want := []string{"openapi.yaml:12 schemas/missing.yaml", "schemas/things.yaml:5 #/Part", "schemas/things.yaml:7 parts.yaml#/Nope"}
	var got []string
	for _, f := range Findings(docs) {
		if f.Rule == RuleRefUnresolved {
			got = append(got, f.File+":"+itoa(f.Line)+" "+strings.TrimSuffix(strings.TrimPrefix(f.Message, "$ref \""), "\""))
		}
	}
	bad, err := BrokenRefs(src, "openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, r := range bad {
		refs = append(refs, r.File+":"+itoa(r.Line)+" "+r.Ref)
	}
	if strings.Join(refs, "\n") != strings.Join(want, "\n") {
		t.Errorf("BrokenRefs:\n%s\nwant:\n%s", strings.Join(refs, "\n"), strings.Join(want, "\n"))
	}
	if len(got) != len(want) {
		t.Errorf("%s findings:\n%s\nwant one per ref of:\n%s", RuleRefUnresolved, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := range min(len(got), len(want)) {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("finding %d = %q, want it to start %q", i, got[i], want[i])
		}
	}
	err = Strict(docs)
	var de *DefectsError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "schemas/missing.yaml does not exist") || !strings.Contains(err.Error(), RuleRefUnresolved) {
		t.Errorf("Strict = %v, want every unresolved $ref named, saying the file does not exist", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
