package specs

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
)

func TestDefaultLoads(t *testing.T) {
	docs, err := Default(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 {
		t.Fatalf("got %d documents, want 2", len(docs))
	}
	for _, d := range docs {
		f, err := d.Sources.File(d.Path)
		if err != nil {
			t.Fatal(err)
		}
		if l := f.Line("/components/schemas"); l < 10 {
			t.Errorf("%s: line of /components/schemas = %d", d.Name(), l)
		}
	}
}

func TestRepairsFaithfulPages(t *testing.T) {
	src := NewSources(os.DirFS("testdata/faithful"), nil)
	docs, err := Load(context.Background(), src, "nerm-patch-user.json", "nerm-patch-user-profiles.json")
	if err != nil {
		t.Fatalf("the repaired pages must load: %v", err)
	}
	var got []string
	for _, r := range Findings(docs) {
		if r.Line == 0 {
			t.Errorf("repair without a line: %v", r)
		}
		got = append(got, r.Rule+" "+r.Pointer)
	}
	want := []string{
		RepairBooleanRequired + " /paths/~1users~1{id}/patch/requestBody/content/application~1json/schema/properties/user/properties/id/required",
		RepairLowercaseAccess + " /paths/~1users~1{id}/patch/responses/200/content/application~1json/schema/properties/user/properties/id/readonly",
		RepairLowercaseAccess + " /paths/~1users~1{id}/patch/responses/200/content/application~1json/schema/properties/user/properties/uid/readonly",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("repairs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The boolean became an entry in the parent's required list, readonly became readOnly.
	user := docs[0].Spec.Paths.Value("/users/{id}").Patch.RequestBody.Value.Content.Get("application/json").Schema.Value.Properties["user"].Value
	if len(user.Required) != 1 || user.Required[0] != "id" {
		t.Errorf("required = %v, want [id]", user.Required)
	}
	out := docs[0].Spec.Paths.Value("/users/{id}").Patch.Responses.Value("200").Value.Content.Get("application/json").Schema.Value.Properties["user"].Value
	if !out.Properties["uid"].Value.ReadOnly {
		t.Error("uid must be readOnly after the repair")
	}
	var de *DefectsError
	if err := Strict(docs); !errors.As(err, &de) || len(de.Findings) != 3 || !strings.Contains(err.Error(), "nerm-patch-user.json:") {
		t.Errorf("Strict = %v, want the three defects named with file and line", err)
	}
	ours, err := Default(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := Strict(ours); err != nil {
		t.Errorf("the embedded specs need no repair: %v", err)
	}
}

// Loads of one Sources from many goroutines share parsed files; run with -race.
func TestConcurrentLoads(t *testing.T) {
	src := NewSources(os.DirFS("testdata/vendor"), nil)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			docs, err := Load(context.Background(), src, "openapi.yaml")
			if err == nil && len(Findings(docs)) == 0 {
				err = errors.New("no findings on the vendor tree")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
