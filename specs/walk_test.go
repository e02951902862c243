package specs

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// tree is a multi-file spec tree in memory.
func tree(files map[string]string) *Sources {
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	return NewSources(fsys, nil)
}

func TestResolve(t *testing.T) {
	src := tree(map[string]string{
		"api.yaml": `
paths:
  /users/{id}:
    $ref: paths/user.yaml
components:
  schemas:
    a/b~c: {type: string}
    Escaped: {$ref: '#/components/schemas/a~1b~0c'}
    Loop1: {$ref: '#/components/schemas/Loop2'}
    Loop2: {$ref: '#/components/schemas/Loop1'}
    Self: {$ref: '#/components/schemas/Self'}
    Remote: {$ref: 'https://example.com/x.yaml#/X'}
    Missing: {$ref: 'nope.yaml#/X'}
    Nowhere: {$ref: '#/components/schemas/None'}
    Chain: {$ref: 'paths/user.yaml#/get/parameters/0'}
`,
		"paths/user.yaml": `
get:
  parameters:
    - $ref: ../parameters/id.yaml
`,
		"parameters/id.yaml": `{name: id, in: path, required: true, schema: {type: string}}`,
	})
	tests := []struct {
		from Place
		to   Place  // where it resolves, or where resolving stops
		err  error  // wrapped by the error, when not nil
		msg  string // in the error, when not ""
	}{
		{from: Place{"api.yaml", "/paths/~1users~1{id}"}, to: Place{"paths/user.yaml", ""}},
		{from: Place{"api.yaml", "/components/schemas/Escaped"}, to: Place{"api.yaml", "/components/schemas/a~1b~0c"}},
		{from: Place{"api.yaml", "/components/schemas/Chain"}, to: Place{"parameters/id.yaml", ""}},
		{from: Place{"paths/user.yaml", "/get/parameters/0"}, to: Place{"parameters/id.yaml", ""}},
		{from: Place{"api.yaml", "/components/schemas/Loop1"}, to: Place{"api.yaml", "/components/schemas/Loop1"}, err: ErrRefCycle},
		{from: Place{"api.yaml", "/components/schemas/Self"}, to: Place{"api.yaml", "/components/schemas/Self"}, err: ErrRefCycle},
		{from: Place{"api.yaml", "/components/schemas/Remote"}, to: Place{"api.yaml", "/components/schemas/Remote"}, err: errRemote},
		{from: Place{"api.yaml", "/components/schemas/Missing"}, to: Place{"api.yaml", "/components/schemas/Missing"}, msg: "nope.yaml does not exist"},
		{from: Place{"api.yaml", "/components/schemas/Nowhere"}, to: Place{"api.yaml", "/components/schemas/Nowhere"}, msg: "api.yaml has nothing at #/components/schemas/None"},
		{from: Place{"api.yaml", "/components/schemas/None"}, to: Place{"api.yaml", "/components/schemas/None"}, msg: "nothing at"},
	}
	for _, tt := range tests {
		to, v, err := src.Resolve(tt.from)
		if tt.err == nil && tt.msg == "" {
			if err != nil || to != tt.to || v == nil {
				t.Errorf("Resolve(%v) = %v, %v, %v; want %v", tt.from, to, v, err, tt.to)
			}
			continue
		}
		var re *ResolveError
		if !errors.As(err, &re) || re.At != tt.to || to != tt.to || (tt.err != nil && !errors.Is(err, tt.err)) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Resolve(%v) = %v, %v; want an error at %v (%v %q)", tt.from, to, err, tt.to, tt.err, tt.msg)
		}
	}
	// A 3.1 $ref with constraining siblings is a schema of its own: ResolveWhile stops there.
	if to, _, err := src.ResolveWhile(Place{"api.yaml", "/components/schemas/Chain"}, func(m map[string]any) bool { return !strings.Contains(m["$ref"].(string), "id.yaml") }); err != nil || to != (Place{"paths/user.yaml", "/get/parameters/0"}) {
		t.Errorf("ResolveWhile = %v, %v", to, err)
	}
	if to, v, err := src.ResolveRef("paths/user.yaml", "../api.yaml#/components/schemas/a~1b~0c"); err != nil || to.File != "api.yaml" || v.(map[string]any)["type"] != "string" {
		t.Errorf("ResolveRef = %v, %v, %v", to, v, err)
	}
}

// A Redocly-style $ref the load inlines (a Markdown description) resolves to what it stands
// for: Resolve reads the Values the load repaired.
func TestResolveReadsRepairedValues(t *testing.T) {
	src := tree(map[string]string{
		"api.yaml": "openapi: 3.0.3\ninfo: {title: t, version: '1', description: {$ref: intro.md}}\npaths: {}\n",
		"intro.md": "# Hello\n",
	})
	if _, _, err := Reach(src, "api.yaml"); err != nil {
		t.Fatal(err)
	}
	to, v, err := src.Resolve(Place{"api.yaml", "/info/description"})
	if err != nil || v != "# Hello\n" || to.File != "api.yaml" {
		t.Errorf("Resolve = %v, %q, %v; want the inlined text", to, v, err)
	}
}

// walked walks the document at root and returns "kind file#pointer" for every node visited.
func walked(t *testing.T, src *Sources, d Dialect, compiled bool, root string) []string {
	t.Helper()
	var out []string
	w := &Walker{Sources: src, Dialect: d, Compiled: compiled, Examples: true, Visit: func(n *Node) bool {
		out = append(out, n.Kind.String()+" "+n.Place.String())
		return true
	}}
	if err := w.Walk(Place{File: root}, KindDocument); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestWalkerKnowsOpenAPIStructure(t *testing.T) {
	src := tree(map[string]string{
		"api.yaml": `
openapi: 3.0.3
paths:
  /pets:
    $ref: paths/pets.yaml
  x-internal:
    get: {responses: {'200': {description: ok, content: {application/json: {schema: {type: string}}}}}}
components:
  schemas:
    Pet:
      type: object
      required: [name]
      example: {properties: {name: {type: string}}, $ref: '#/nowhere'}
      default: {items: {$ref: '#/nowhere'}}
      enum: [{$ref: '#/nowhere'}]
      x-extra: {schema: {$ref: '#/nowhere'}}
      properties:
        name: {type: string}
        example: {type: string}
        enum: {$ref: '#/components/schemas/Tag'}
      if: {properties: {a: {}}}
    Tag: {$ref: schemas/tag.yaml, description: ignored in 3.0, properties: {never: {}}}
`,
		"paths/pets.yaml": `
get:
  parameters:
    - $ref: ../parameters/limit.yaml
  responses:
    '200':
      description: ok
      headers:
        X-Rate: {schema: {type: integer}}
      content:
        application/json:
          schema: {type: array, items: {$ref: '../api.yaml#/components/schemas/Pet'}}
          examples:
            one: {$ref: ../examples/one.yaml}
    x-note: {content: {application/json: {schema: {type: string}}}}
`,
		"parameters/limit.yaml": `{name: limit, in: query, required: true, schema: {type: integer, default: 10}}`,
		"schemas/tag.yaml":      `{type: string, const: {$ref: '#/nowhere'}}`,
		"examples/one.yaml":     `{value: [{$ref: '#/nowhere'}]}`,
	})
	got := walked(t, src, DialectOpenAPI30, false, "api.yaml")
	want := []string{
		"document api.yaml#",
		"example examples/one.yaml#",
		"header paths/pets.yaml#/get/responses/200/headers/X-Rate",
		"media type paths/pets.yaml#/get/responses/200/content/application~1json",
		"operation paths/pets.yaml#/get",
		"parameter parameters/limit.yaml#",
		"path item api.yaml#/paths/~1pets",
		"path item paths/pets.yaml#",
		"response paths/pets.yaml#/get/responses/200",
		"schema api.yaml#/components/schemas/Pet",
		"schema api.yaml#/components/schemas/Pet/properties/enum",
		"schema api.yaml#/components/schemas/Pet/properties/example",
		"schema api.yaml#/components/schemas/Pet/properties/name",
		"schema api.yaml#/components/schemas/Tag",
		"schema parameters/limit.yaml#/schema",
		"schema paths/pets.yaml#/get/responses/200/content/application~1json/schema",
		"schema paths/pets.yaml#/get/responses/200/content/application~1json/schema/items",
		"schema paths/pets.yaml#/get/responses/200/headers/X-Rate/schema",
		"schema schemas/tag.yaml#",
	}
	sameLines(t, "walked", got, want)
	// Without Examples the walk never goes into Example objects nor reads their files.
	read := map[string]bool{}
	w := &Walker{Sources: src, Read: func(p string) (any, error) {
		read[p] = true
		f, err := src.File(p)
		if err != nil {
			return nil, err
		}
		return f.Value, nil
	}, Visit: func(n *Node) bool {
		if n.Kind == KindExample {
			t.Errorf("example %v walked", n.Place)
		}
		return true
	}}
	if err := w.Walk(Place{File: "api.yaml"}, KindDocument); err != nil || read["examples/one.yaml"] || !read["schemas/tag.yaml"] {
		t.Errorf("without Examples: %v, read %v", err, read)
	}
	// The same document read as 2020-12: if is a subschema keyword and $ref's siblings apply.
	got = walked(t, src, Dialect2020, false, "api.yaml")
	for _, p := range []string{"schema api.yaml#/components/schemas/Pet/if", "schema api.yaml#/components/schemas/Pet/if/properties/a", "schema api.yaml#/components/schemas/Tag/properties/never"} {
		if !slices.Contains(got, p) {
			t.Errorf("2020-12: %s not walked", p)
		}
	}
	// A 3.0 document walked for a 2020-12 compiler: every keyword it reads, $ref siblings still ignored.
	got = walked(t, src, DialectOpenAPI30, true, "api.yaml")
	if !slices.Contains(got, "schema api.yaml#/components/schemas/Pet/if") || slices.Contains(got, "schema api.yaml#/components/schemas/Tag/properties/never") {
		t.Errorf("3.0 compiled: if walked %v, $ref sibling walked %v", slices.Contains(got, "schema api.yaml#/components/schemas/Pet/if"), slices.Contains(got, "schema api.yaml#/components/schemas/Tag/properties/never"))
	}
}

func TestWalkerSchemaRefs(t *testing.T) {
	src := tree(map[string]string{
		"api.yaml": `
openapi: 3.1.0
components:
  schemas:
    Node:
      type: object
      properties:
        next: {$ref: '#/components/schemas/Node'}
        kids: {type: array, items: {$ref: '#/components/schemas/Node'}}
    Res:
      $id: https://example.com/res
      $defs: {inner: {type: string}}
      properties:
        a: {$ref: '#/$defs/inner'}
        b: {$ref: 'other.yaml#/Thing'}
    Named:
      properties: {$ref: props.yaml}
    Never: false
    Tuple:
      items: [{type: string}, {$ref: other.yaml#/Thing}]
      additionalItems: true
      prefixItems: [{type: integer}]
      contentSchema: {type: object}
`,
		"other.yaml": `{Thing: {type: integer}}`,
		"props.yaml": `{id: {type: string}, name: {$ref: 'other.yaml#/Thing'}}`,
	})
	var targets []string
	roots := map[string]bool{}
	inRes := map[string]bool{}
	booleans := map[string]bool{}
	w := &Walker{Sources: src, Dialect: Dialect2020, Visit: func(n *Node) bool {
		if n.Boolean != nil {
			booleans[n.Place.Pointer] = *n.Boolean
		}
		if n.HasTarget {
			targets = append(targets, n.Place.Pointer+" -> "+n.Target.String())
		}
		roots[n.Place.String()] = n.Root
		inRes[n.Place.String()] = n.InResource
		return true
	}}
	if err := w.Walk(Place{File: "api.yaml"}, KindDocument); err != nil {
		t.Fatal(err)
	}
	slices.Sort(targets)
	want := []string{
		"/components/schemas/Node/properties/kids/items -> api.yaml#/components/schemas/Node",
		"/components/schemas/Node/properties/next -> api.yaml#/components/schemas/Node",
		"/components/schemas/Res/properties/b -> other.yaml#/Thing",
		"/components/schemas/Tuple/items/1 -> other.yaml#/Thing",
		"/name -> other.yaml#/Thing",
	}
	sameLines(t, "followed", targets, want)
	for p, want := range map[string]bool{"props.yaml#/id": true, "other.yaml#/Thing": true, "api.yaml#/components/schemas/Node/properties/next": false} {
		if got, ok := roots[p]; !ok || got != want {
			t.Errorf("%s: visited %v, root %v; want root %v", p, ok, got, want)
		}
	}
	if !inRes["api.yaml#/components/schemas/Res/$defs/inner"] || inRes["other.yaml#/Thing"] {
		t.Errorf("InResource: inner %v, Thing %v; want true, false", inRes["api.yaml#/components/schemas/Res/$defs/inner"], inRes["other.yaml#/Thing"])
	}
	if len(booleans) != 2 || booleans["/components/schemas/Never"] || !booleans["/components/schemas/Tuple/additionalItems"] || !roots["api.yaml#/components/schemas/Never"] {
		t.Errorf("boolean schemas: %v", booleans)
	}
	for _, p := range []string{"api.yaml#/components/schemas/Tuple/prefixItems/0", "api.yaml#/components/schemas/Tuple/contentSchema", "api.yaml#/components/schemas/Tuple/items/0"} {
		if _, ok := roots[p]; !ok {
			t.Errorf("%s not walked", p)
		}
	}
}

// Visit returning false keeps the walk out of the object and away from where its $ref points;
// a Walker walks a place once over all its walks.
func TestWalkerPrunesAndVisitsOnce(t *testing.T) {
	src := tree(map[string]string{
		"a.yaml":      "openapi: 3.0.3\ncomponents: {schemas: {A: {$ref: 'shared.yaml#/S'}, B: {properties: {x: {}}}}}\n",
		"b.yaml":      "openapi: 3.0.3\ncomponents: {schemas: {A: {$ref: 'shared.yaml#/S'}}}\n",
		"shared.yaml": "{S: {type: object, properties: {y: {}}}}",
	})
	count := map[string]int{}
	w := &Walker{Sources: src, Visit: func(n *Node) bool {
		count[n.Place.String()]++
		return n.Place.Pointer != "/components/schemas/B"
	}}
	for _, root := range []string{"a.yaml", "b.yaml"} {
		if err := w.Walk(Place{File: root}, KindDocument); err != nil {
			t.Fatal(err)
		}
	}
	if count["shared.yaml#/S"] != 1 || count["shared.yaml#/S/properties/y"] != 1 {
		t.Errorf("shared schema visited %d times, its property %d; want once each", count["shared.yaml#/S"], count["shared.yaml#/S/properties/y"])
	}
	if count["a.yaml#/components/schemas/B/properties/x"] != 0 {
		t.Error("the walk went into a schema Visit refused")
	}
	if err := w.Walk(Place{File: "missing.yaml"}, KindDocument); err == nil {
		t.Error("a root that cannot be read is no error")
	}
}

func TestIsDataKeyword(t *testing.T) {
	for k, want := range map[string]bool{"example": true, "examples": true, "default": true, "enum": true, "const": true, "x-foo": true,
		"properties": false, "items": false, "schema": false, "$ref": false, "description": false} {
		if IsDataKeyword(k) != want {
			t.Errorf("IsDataKeyword(%q) = %v", k, !want)
		}
	}
	for _, k := range SchemaKeywords(Dialect2020) {
		if IsDataKeyword(k) {
			t.Errorf("%s is a subschema keyword and data", k)
		}
	}
	if slices.Contains(SchemaKeywords(DialectOpenAPI30), "if") || !slices.Contains(SchemaKeywords(Dialect2020), "if") {
		t.Error("if is a subschema keyword of 2020-12 only")
	}
}

func TestDialectOf(t *testing.T) {
	for v, want := range map[string]Dialect{"2.0": DialectOpenAPI30, "3.0.3": DialectOpenAPI30, "3.0": DialectOpenAPI30, "3.1.0": Dialect2020, "3.2.0": Dialect2020, "": DialectOpenAPI30} {
		if got := DialectOf(v); got != want {
			t.Errorf("DialectOf(%q) = %v, want %v", v, got, want)
		}
	}
}
