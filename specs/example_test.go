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

// Walk a document by its structure: every Schema object is reached, through $refs into other
// files too, and nothing under example, default, enum or an extension is taken for one.
func ExampleWalker() {
	docs, err := specs.LoadFiles(context.Background(), "testdata/vendor/openapi.yaml")
	if err != nil {
		log.Fatal(err)
	}
	d := docs[0]
	kinds := map[specs.Kind]int{}
	w := &specs.Walker{Sources: d.Sources, Dialect: specs.DialectOf(d.Spec.OpenAPI), Visit: func(n *specs.Node) bool {
		kinds[n.Kind]++
		return true
	}}
	if err := w.Walk(specs.Place{File: d.Path}, specs.KindDocument); err != nil {
		log.Fatal(err)
	}
	fmt.Println(kinds[specs.KindOperation], "operations,", kinds[specs.KindParameter], "parameters,", kinds[specs.KindSchema], "schemas")
	// Output:
	// 4 operations, 3 parameters, 87 schemas
}

// Resolve a $ref from where it is written to the value it stands for, across files.
func ExampleSources_Resolve() {
	docs, err := specs.LoadFiles(context.Background(), "testdata/vendor/openapi.yaml")
	if err != nil {
		log.Fatal(err)
	}
	d := docs[0]
	at, v, err := d.Sources.Resolve(specs.Place{File: d.Path, Pointer: "/paths/~1users~1{id}"})
	if err != nil {
		log.Fatal(err)
	}
	var methods []string
	for k := range v.(map[string]any) {
		methods = append(methods, k)
	}
	sort.Strings(methods)
	fmt.Println(d.Sources.DisplayName(at.File)+"#"+at.Pointer, methods)
	// Output:
	// testdata/vendor/paths/users-id.yaml# [parameters patch]
}
