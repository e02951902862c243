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
	for _, r := range Repairs(docs) {
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
	if err := Strict(docs); !errors.As(err, &de) || len(de.Repairs) != len(want) {
		t.Errorf("Strict = %v, want all %d defects", err, len(want))
	}
}

func TestBrokenRefsAreAllNamedWhereWritten(t *testing.T) {
	_, err := Load(context.Background(), NewSources(os.DirFS("testdata/vendor-broken"), nil), "openapi.yaml")
	var re *RefsError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a *RefsError", err)
	}
	var got []string
	for _, r := range re.Refs {
		got = append(got, r.File+":"+itoa(r.Line)+" "+r.Ref)
	}
	want := []string{"openapi.yaml:12 schemas/missing.yaml", "schemas/things.yaml:5 #/Part", "schemas/things.yaml:7 parts.yaml#/Nope"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("unresolved refs:\n%s\nwant:\n%s\n(error: %v)", strings.Join(got, "\n"), strings.Join(want, "\n"), err)
	}
	if !strings.Contains(err.Error(), "schemas/missing.yaml does not exist") {
		t.Errorf("error %q should say the file does not exist", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
