package lint

import (
	"context"
	"io/fs"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// countingFS counts the opens of each file: a file read again is a file parsed again.
type countingFS struct {
	fs.FS
	mu    sync.Mutex
	opens map[string]int
}

func (c *countingFS) Open(name string) (fs.File, error) {
	c.mu.Lock()
	c.opens[name]++
	c.mu.Unlock()
	return c.FS.Open(name)
}

// Every check of lint (the document schema, kin-openapi's validation, the examples, the oneOfs)
// and what --strict and lintcorpus do after it (the strict verdict, a validator) use one read
// and parse of each file: on GitHub's 12 MB REST spec a second one cost seconds and hundreds of
// megabytes.
func TestLintReadsEachFileOnce(t *testing.T) {
	files := fstest.MapFS{
		"api.yaml": {Data: []byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pets:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "schemas.yaml#/Pet"}
              example: {name: 7}
`)},
		"schemas.yaml": {Data: []byte(`Pet:
  type: object
  properties:
    name: {type: string, required: true}
    kind:
      oneOf:
        - {type: object}
        - {type: object, properties: {a: {type: string}}}
`)},
		"next.yaml": {Data: []byte("openapi: 4.0.0\ninfo: {title: t, version: \"1\"}\npaths: {}\n")},
	}
	fsys := &countingFS{FS: files, opens: map[string]int{}}
	in := Input{Sources: specs.NewSources(fsys, nil), Roots: []string{"api.yaml"}}
	res, err := Lint(context.Background(), in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, rule := range []string{RuleExampleInvalid, RuleOneOfAmbiguous, specs.RepairBooleanRequired} {
		if len(find(res, rule, "")) == 0 {
			dump(t, res)
			t.Errorf("no %s finding: the checks that read the files did not all run", rule)
		}
	}
	docs, err := res.Documents()
	if err != nil || len(docs) != 1 || docs[0].Sources != in.Sources {
		t.Fatalf("Documents() = %v, %v; want the one document lint loaded from its Sources", docs, err)
	}
	if err := specs.Strict(docs); err == nil {
		t.Error("--strict's verdict on lint's documents found no defect in a spec with a boolean required")
	}
	if _, err := validator.New(docs, validator.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"api.yaml", "schemas.yaml"} {
		if n := fsys.opens[name]; n != 1 {
			t.Errorf("%s was opened %d times, want once", name, n)
		}
	}

	// A root that does not load is a finding, and Documents gives its error, as specs.Load does.
	in = Input{Sources: specs.NewSources(files, nil), Roots: []string{"api.yaml", "next.yaml"}}
	if res, err = Lint(context.Background(), in, Options{}); err != nil {
		t.Fatal(err)
	}
	_, want := specs.Load(context.Background(), specs.NewSources(files, nil), "api.yaml", "next.yaml")
	if docs, err := res.Documents(); docs != nil || err == nil || want == nil || err.Error() != want.Error() {
		t.Errorf("Documents() = %v, %v; want nil and specs.Load's error %v", docs, err, want)
	}
	if len(find(res, RuleOpenAPIInvalid, "")) != 1 {
		t.Errorf("the root that does not load is not one %s finding", RuleOpenAPIInvalid)
	}
}
