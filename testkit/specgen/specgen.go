// Package specgen writes large vendor-style OpenAPI trees for benchmarks and scale tests: a root
// document whose paths and schemas live in hundreds of files joined by relative $refs, with the
// defects published specs carry (a boolean required on a property, readonly in lower case) in
// some of them. The benchmarks of loading and linting such a tree (make bench) are this
// package's tests; it is in the testkit module since nothing but tests and benchmarks uses it.
package specgen

import (
	"fmt"
	"os"
	"path/filepath"
)

// Tree describes what WriteTree writes.
type Tree struct {
	// Paths is the number of path files, one operation each; Schemas the number of schema files.
	Paths, Schemas int
}

// ForFiles returns a Tree of about n files: one root, a fifth of the rest paths, the others
// schemas.
func ForFiles(n int) Tree {
	paths := max(1, (n-1)/5)
	return Tree{Paths: paths, Schemas: max(1, n-1-paths)}
}

// Files is the number of files the tree has.
func (t Tree) Files() int { return 1 + t.Paths + t.Schemas }

// Defects is the number of defects WriteTree puts in the tree.
func (t Tree) Defects() int {
	n := 0
	for i := range t.Schemas {
		if i%10 == 3 {
			n++
		}
		if i%10 == 7 {
			n++
		}
	}
	return n
}

// WriteTree writes the tree under dir; the root is dir/openapi.yaml.
func WriteTree(dir string, t Tree) error {
	write := func(name, text string) error {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, []byte(text), 0o644)
	}
	root := "openapi: 3.0.3\ninfo: {title: Generated vendor tree, version: '1'}\nservers:\n  - url: https://api.example.com/v1\npaths:\n"
	for i := range t.Paths {
		root += fmt.Sprintf("  /things%d/{id}:\n    $ref: paths/group%d/things%d.yaml\n", i, i%10, i)
	}
	if err := write("openapi.yaml", root); err != nil {
		return err
	}
	for i := range t.Paths {
		s := i % t.Schemas
		op := fmt.Sprintf(`parameters:
  - name: id
    in: path
    required: true
    schema: {type: string, format: uuid}
patch:
  operationId: patchThing%d
  requestBody:
    required: true
    content:
      application/json:
        schema:
          $ref: ../../schemas/area%d/Schema%d.yaml
  responses:
    '200':
      description: The thing.
      content:
        application/json:
          schema:
            $ref: ../../schemas/area%d/Schema%d.yaml#/properties/child
    default:
      description: An error.
      content:
        application/json:
          schema:
            oneOf:
              - {type: object, required: [error], properties: {error: {type: string}}}
              - {type: object, required: [errors], properties: {errors: {type: object}}}
`, i, s%20, s, s%20, s)
		if err := write(fmt.Sprintf("paths/group%d/things%d.yaml", i%10, i), op); err != nil {
			return err
		}
	}
	for i := range t.Schemas {
		next := (i + 1) % t.Schemas
		extra := ""
		if i%10 == 3 {
			extra += "  code:\n    type: string\n    required: true\n"
		}
		if i%10 == 7 {
			extra += "  created:\n    type: string\n    format: date-time\n    readonly: true\n"
		}
		child := fmt.Sprintf("    $ref: ../area%d/Schema%d.yaml#/properties/leaf\n", next%20, next)
		s := fmt.Sprintf(`type: object
properties:
  id: {type: string, format: uuid}
  name: {type: string, maxLength: 64}
  count: {type: integer, format: int32, minimum: 0}
  kind: {type: string, enum: [a, b, c]}
  leaf:
    type: object
    properties:
      value: {type: number}
  child:
%s%s`, child, extra)
		if err := write(fmt.Sprintf("schemas/area%d/Schema%d.yaml", i%20, i), s); err != nil {
			return err
		}
	}
	return nil
}
