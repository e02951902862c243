package diff

import (
	"testing"
	"testing/fstest"

	"github.com/specgate/specgate/specs"
)

// A finding's pointer is located through the $refs on its way, into the file that holds it
// (SailPoint's path items are each a $ref to a file); a field beside a $ref is taken first.
func TestLocateFollowsRefs(t *testing.T) {
	src := specs.NewSources(fstest.MapFS{
		"api.yaml":        {Data: []byte("paths:\n  /users/{id}:\n    $ref: paths/user.yaml\n  /a:\n    $ref: paths/user.yaml\n    summary: here\n")},
		"paths/user.yaml": {Data: []byte("get:\n  parameters:\n    - $ref: ../params.yaml#/id\n")},
		"params.yaml":     {Data: []byte("id:\n  name: id\n  in: path\n")},
	}, nil)
	for _, tt := range []struct {
		ptr, file, at string
		ok            bool
	}{
		{"/paths/~1users~1{id}/get/parameters/0/in", "params.yaml", "/id/in", true},
		{"/paths/~1a/summary", "api.yaml", "/paths/~1a/summary", true},
		{"/paths/~1a/get", "paths/user.yaml", "/get", true},
		{"/paths/~1users~1{id}/post", "", "", false},
	} {
		f, at, ok := locate(src, "api.yaml", tt.ptr)
		if ok != tt.ok || ok && (f.Path != tt.file || at != tt.at) {
			t.Errorf("locate(%s) = %v, %q, %v; want %s#%s, %v", tt.ptr, f, at, ok, tt.file, tt.at, tt.ok)
		}
	}
}
