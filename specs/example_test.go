package specs_test

import (
	"context"
	"fmt"
	"log"
	"sort"

	"github.com/specgate/specgate/specs"
)

// Load the specs embedded in the module (the NERM and OIG documents specgate reconstructed from
// the vendors' pages) and list their operations.
func ExampleDefault() {
	docs, err := specs.Default(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range docs {
		var ops []string
		for path, item := range d.Spec.Paths.Map() {
			for method, op := range item.Operations() {
				ops = append(ops, method+" "+path+" "+op.OperationID)
			}
		}
		sort.Strings(ops)
		fmt.Println(d.Name(), ops)
	}
	// Output:
	// specs/nerm-lifecycle.yaml [PATCH /user_profiles patchUserProfiles PATCH /users/{id} patchUser]
	// specs/oig-selfservice.yaml [PATCH /users patchUsers PUT /users putUsers]
}

// Load a spec of your own from disk; its relative $refs to other files are followed, and a
// $ref that does not resolve is an error naming the file and line.
func ExampleLoadFiles() {
	docs, err := specs.LoadFiles(context.Background(), "testdata/vendor/openapi.yaml")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(docs), docs[0].Spec.Info.Title != "")
	// Output:
	// 1 true
}
