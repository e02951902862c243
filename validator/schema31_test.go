package validator

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/specgate/specgate/specs"
)

// loadLenient loads the document at root of fsys as `validate --spec` does: specs.Load is
// lenient, and leaves a 3.1 schema's $refs inside an $id resource, and its patterns, to the
// validator.
func loadLenient(t testing.TB, fsys fs.FS, root string) ([]*specs.Document, error) {
	t.Helper()
	return specs.Load(context.Background(), specs.NewSources(fsys, nil), root)
}

type bodyCase struct {
	name, path, body string
	// want is "" for a valid body, else the failed keyword and its location "file#pointer".
	keyword, schema string
}

func checkBodies(t *testing.T, v *Validator, cases []bodyCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := v.Validate(context.Background(), Exchange{Request: req("POST", "https://api.test"+c.path, c.body, "Content-Type", "application/json")})
			if c.keyword == "" {
				if len(res.Violations) > 0 {
					t.Fatalf("want valid, got %+v", res.Violations)
				}
				return
			}
			for _, x := range res.Violations {
				if x.Rule == RuleRequestBodySchema && x.Keyword == c.keyword && x.Schema == c.schema && x.Line > 0 {
					return
				}
			}
			t.Fatalf("want %s at %s, got %+v", c.keyword, c.schema, res.Violations)
		})
	}
}

// TestSchemaResources31 checks OpenAPI 3.1 schemas as JSON Schema 2020-12 resources: $ref
// against the schema's $id, $anchor, $ref "#", $dynamicRef across components, the meta-schema
// URI in $schema, and the 2020-12 keywords; failures are located in the spec file.
func TestSchemaResources31(t *testing.T) {
	v := load(t, "testdata/schema31", "resources.yaml")
	const tree = "resources.yaml#/paths/~1trees/post/requestBody/content/application~1json/schema"
	const shape = "resources.yaml#/components/schemas/Shape"
	checkBodies(t, v, []bodyCase{
		{name: "tree", path: "/trees", body: `{"value":1,"tag":"t","children":[{"value":2,"children":[{"value":3}]}]}`},
		{name: "$ref to $defs under $id", path: "/trees", body: `{"value":-1}`, keyword: "minimum", schema: tree + "/$defs/value/minimum"},
		{name: "$ref # recurses into the resource", path: "/trees", body: `{"value":1,"children":[{"value":"x"}]}`, keyword: "type", schema: tree + "/$defs/value/type"},
		{name: "$anchor", path: "/trees", body: `{"value":1,"tag":"much too long"}`, keyword: "maxLength", schema: tree + "/$defs/tag/maxLength"},
		{name: "unevaluatedProperties", path: "/trees", body: `{"value":1,"extra":true}`, keyword: "unevaluatedProperties", schema: tree + "/unevaluatedProperties"},
		{name: "$dynamicRef", path: "/names", body: `["a","b"]`},
		{name: "$dynamicRef resolves to the caller's anchor", path: "/names", body: `["a",""]`, keyword: "minLength", schema: "resources.yaml#/components/schemas/NameList/$defs/item/minLength"},
		{name: "$ref siblings apply", path: "/names", body: `["a","b","c","d"]`, keyword: "maxItems", schema: "resources.yaml#/components/schemas/NameList/maxItems"},
		{name: "OpenAPI's dialect in $schema", path: "/pets", body: `{"name":"Rex"}`},
		{name: "OpenAPI's dialect checked as 2020-12", path: "/pets", body: `{"name":""}`, keyword: "minLength", schema: "pet.yaml#/properties/name/minLength"},
		{name: "shape", path: "/shapes", body: `{"kind":"circle","radius":2,"pair":["a",1],"tags":["x","y","x"],"seq":["a"],"anything":{}}`},
		{name: "const", path: "/shapes", body: `{"kind":"square"}`, keyword: "const", schema: shape + "/properties/kind/const"},
		{name: "prefixItems with items false", path: "/shapes", body: `{"pair":["a",1,2]}`, keyword: "items", schema: shape + "/properties/pair/items"},
		{name: "prefixItems", path: "/shapes", body: `{"pair":[1]}`, keyword: "type", schema: shape + "/properties/pair/prefixItems/0/type"},
		{name: "minContains", path: "/shapes", body: `{"tags":["x","y"]}`, keyword: "minContains", schema: shape + "/properties/tags/minContains"},
		{name: "unevaluatedItems", path: "/shapes", body: `{"seq":["a",1]}`, keyword: "unevaluatedItems", schema: shape + "/properties/seq/unevaluatedItems"},
		{name: "false schema", path: "/shapes", body: `{"never":1}`, keyword: "false", schema: shape + "/properties/never"},
		{name: "empty enum accepts nothing", path: "/shapes", body: `{"nothing":null}`, keyword: "enum", schema: shape + "/properties/nothing/enum"},
		{name: "dependentSchemas", path: "/shapes", body: `{"radius":1}`, keyword: "required", schema: shape + "/dependentSchemas/radius/required"},
	})
}

// TestECMAPatterns checks patterns in ECMA-262 syntax that RE2 refuses, with an ECMA-262 engine;
// one that no engine compiles is reported once at load, and the rest of its schema is checked.
func TestECMAPatterns(t *testing.T) {
	v := load(t, "testdata/schema31", "patterns.yaml")
	const props = "patterns.yaml#/paths/~1files/post/requestBody/content/application~1json/schema/properties"
	checkBodies(t, v, []bodyCase{
		{name: "lookahead", path: "/files", body: `{"path":"docs/letter.pdf"}`},
		{name: "lookahead refuses", path: "/files", body: `{"path":"https://x.test/letter.pdf"}`, keyword: "pattern", schema: props + "/path/pattern"},
		{name: "repeat over 1000", path: "/files", body: `{"blob":"` + strings.Repeat("QUJD", 400) + `"}`},
		{name: "repeat over 1000 refuses", path: "/files", body: `{"blob":"not base64!"}`, keyword: "pattern", schema: props + "/blob/pattern"},
		{name: "backreference", path: "/files", body: `{"twice":"abab"}`},
		{name: "backreference refuses", path: "/files", body: `{"twice":"abba"}`, keyword: "pattern", schema: props + "/twice/pattern"},
		{name: "RE2 pattern", path: "/files", body: `{"plain":"Abc"}`, keyword: "pattern", schema: props + "/plain/pattern"},
		{name: "unsupported pattern is not checked", path: "/files", body: `{"broken":"("}`},
		{name: "the rest of its schema is", path: "/files", body: `{"broken":"abcd"}`, keyword: "maxLength", schema: props + "/broken/maxLength"},
		{name: "format regex is ECMA-262", path: "/files", body: `{"regex":"^(?!x)y$"}`},
		{name: "format regex refuses", path: "/files", body: `{"regex":"^(x"}`, keyword: "format", schema: props + "/regex/format"},
		{name: "\\s is every Unicode space", path: "/files", body: "{\"spaced\":\"a\u00a0b\"}"},
		{name: "\\s is no letter", path: "/files", body: `{"spaced":"axb"}`, keyword: "pattern", schema: props + "/spaced/pattern"},
		{name: "a match out of time fails", path: "/files", body: `{"slow":"` + strings.Repeat("a", 40) + `!"}`, keyword: "pattern", schema: props + "/slow/pattern"},
	})
	for _, sch := range v.schema.compiled {
		if !sch.Walked() {
			t.Errorf("%s is left to jsonschema/v5: ECMA-262 patterns and empty enums belong to the fast path", sch.Location())
		}
	}
	got := v.SpecFindings()
	if len(got) != 1 {
		t.Fatalf("want one finding, got %v", got)
	}
	if f := got[0]; f.Rule != RuleSpecPatternUnsupported || f.Level != specs.LevelWarning || f.File != "patterns.yaml" || f.Pointer != "/paths/~1files/post/requestBody/content/application~1json/schema/properties/broken/pattern" || f.Line != 31 {
		t.Errorf("finding %+v", f)
	}
	c, err := NewChecker(specs.NewSources(os.DirFS("testdata/schema31"), nil), "patterns.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cf := c.SpecFindings(); len(cf) != 1 || cf[0] != got[0] {
		t.Errorf("the Checker finds %v", cf)
	}
	// Lob's published spec writes one of these.
	lob := specs.NewSources(os.DirFS("../../shared/real-specs/lob"), nil)
	lc, err := NewChecker(lob, "lob-api-public.yml")
	if err != nil {
		t.Fatal(err)
	}
	sch, err := lc.Compile(PartRequest, lob, "shared/attributes/local_file_path.yml", "")
	if err != nil {
		t.Fatal(err)
	}
	if !sch.Accepts("letters/front.pdf") || sch.Accepts("https://lob.test/front.pdf") {
		t.Error("Lob's lookahead pattern is not checked as ECMA-262")
	}
	// The time limit is reported as such.
	res := v.Validate(context.Background(), Exchange{Request: req("POST", "https://api.test/files", `{"slow":"`+strings.Repeat("a", 40)+`!"}`, "Content-Type", "application/json")})
	if len(res.Violations) != 1 || !strings.Contains(res.Violations[0].Message, "within") {
		t.Errorf("a timed-out match says %+v", res.Violations)
	}
}

// TestPatternPanicsBecomeErrors checks the recover boundary around jsonschema/v5: a schema that
// reaches it unconverted (here a pattern RE2 refuses, on which its MustCompile panics) is an
// error naming the file and pointer, not a crash.
func TestPatternPanicsBecomeErrors(t *testing.T) {
	doc := `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"P":{"type":"string"}}}}`
	src := specs.NewSources(fstest.MapFS{"p.json": {Data: []byte(doc)}}, nil)
	s := newSchemaSet()
	if err := s.addRoot(src, "p.json", true); err != nil {
		t.Fatal(err)
	}
	for _, conv := range s.convs {
		p, _ := conv.out["p.json"].(map[string]any)["components"].(map[string]any)["schemas"].(map[string]any)["P"].(map[string]any)
		p["pattern"] = "^(?!x)"
	}
	if err := s.addResources(); err != nil {
		t.Fatal(err)
	}
	_, err := s.compile(src, toRequest, "p.json", "/components/schemas/P")
	if err == nil || !strings.Contains(err.Error(), "p.json#/components/schemas/P: ") {
		t.Fatalf("want an error naming p.json#/components/schemas/P, got %v", err)
	}
}

// TestOnlySchemaObjectsAreCompiled loads trees whose Parameter, RequestBody and Response objects
// sit in files of their own (their required: true is OpenAPI, not JSON Schema): Redocly's starter
// through specs.Load and New, and SailPoint's v3 tree, which the loader refuses today for refs to
// a folder that is not published, through the Checker lint uses, compiling every schema of it.
func TestOnlySchemaObjectsAreCompiled(t *testing.T) {
	t.Run("redocly", func(t *testing.T) {
		docs, err := specs.LoadFiles(context.Background(), "../../shared/real-specs/redocly-openapi-starter/openapi/openapi.yaml")
		if err != nil {
			t.Fatal(err)
		}
		v, err := New(docs, Options{})
		if err != nil {
			t.Fatal(err)
		}
		r := req("DELETE", "https://api.cafe.redocly.com/menu/nope", "", "Authorization", "Bearer x")
		res := v.Validate(context.Background(), Exchange{Request: r})
		if len(res.Violations) != 1 || res.Violations[0].Rule != RuleRequestParamSchema || !strings.HasSuffix(res.Violations[0].Schema, "components/parameters/MenuItemId.yaml#/schema/pattern") {
			t.Fatalf("want the path parameter's pattern from its own file, got %+v", res.Violations)
		}
		r = req("DELETE", "https://api.cafe.redocly.com/menu/prd_"+strings.Repeat("a", 26), "", "Authorization", "Bearer x")
		if res := v.Validate(context.Background(), Exchange{Request: r}); len(res.Violations) != 0 {
			t.Fatalf("want valid, got %+v", res.Violations)
		}
	})
	t.Run("sailpoint", func(t *testing.T) {
		const dir = "../../shared/real-specs/sailpoint-isc/idn"
		src := specs.NewSources(os.DirFS(dir), nil)
		c, err := NewChecker(src, "sailpoint-api.v3.yaml")
		if err != nil {
			t.Fatal(err)
		}
		compiled, missing, files := 0, 0, 0
		for k, conv := range c.set.convs {
			if k.dir != toRequest {
				continue
			}
			for p := range conv.out {
				files++
				f, err := src.File(p)
				if err != nil {
					t.Fatal(err)
				}
				for _, ptr := range schemaPlaces(f.Value, "") {
					_, err := c.Compile(PartRequest, src, p, ptr)
					switch {
					case err == nil:
						compiled++
					case strings.Contains(err.Error(), "v2024/"):
						missing++ // the unpublished folder the loader refuses the tree for
					default:
						t.Errorf("%s#%s: %v", p, ptr, err)
					}
				}
			}
		}
		if files < 500 || compiled < 500 {
			t.Errorf("only %d schemas of %d files compiled", compiled, files)
		}
		sch, err := c.Compile(PartRequest, src, "v3/parameters/path/search/id.yaml", "/schema")
		if err != nil || !sch.Accepts("2c91808568c529c60168cca6f90c1313") || sch.Accepts(json.Number("1")) {
			t.Errorf("the schema of a Parameter file: %v", err)
		}
		t.Logf("%d files, %d schemas compiled, %d refer to the unpublished v2024 folder", files, compiled, missing)
	})
}

// schemaPlaces lists the pointers of the values under a "schema" key in v, outside examples:
// the schemas of parameters, headers and media types, and in a file of an Example object, none.
func schemaPlaces(v any, ptr string) []string {
	var out []string
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			switch {
			case k == "schema":
				out = append(out, ptr+"/schema")
			case k == "example" || k == "examples" || k == "value" || k == "properties" || strings.HasPrefix(k, "x-"):
			default:
				out = append(out, schemaPlaces(e, ptr+"/"+strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1"))...)
			}
		}
	case []any:
		for i, e := range t {
			out = append(out, schemaPlaces(e, ptr+"/"+itoa(i))...)
		}
	}
	return out
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestContentInAFileOfItsOwn follows a $ref written as the value of content (Redocly style):
// the schemas of that file are converted like any other, here an ECMA-262 pattern.
func TestContentInAFileOfItsOwn(t *testing.T) {
	src := specs.NewSources(fstest.MapFS{
		"openapi.yaml": {Data: []byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses:
        "200":
          description: ok
          content: {$ref: content.yaml}
`)},
		"content.yaml": {Data: []byte(`application/json:
  schema: {type: string, pattern: "^(?!x)", nullable: true}
`)},
	}, nil)
	c, err := NewChecker(src, "openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(PartResponse, src, "content.yaml", "/application~1json/schema")
	if err != nil {
		t.Fatal(err)
	}
	if !sch.Accepts("y") || sch.Accepts("x") || !sch.Accepts(nil) {
		t.Error("the schema of a content file was not converted")
	}
}

// TestRedoclyStyleFiles covers what Redocly-style trees write: a file of named parameters where a
// parameter is named like a JSON Schema keyword, and properties given by $ref to a map of them.
func TestRedoclyStyleFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"openapi.yaml": {Data: []byte(`openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://api.test"}]
paths:
  /images:
    post:
      operationId: postImage
      parameters: [{$ref: "parameters.yml#/type"}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties: {$ref: "attributes.yml#/image"}
      responses:
        "204": {description: ok}
`)},
		"parameters.yml": {Data: []byte(`type:
  in: query
  name: type
  required: true
  schema: {type: string, maxLength: 4}
`)},
		"attributes.yml": {Data: []byte(`image:
  size: {type: integer, minimum: 1}
`)},
	}
	docs, err := loadLenient(t, fsys, "openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(docs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := v.Validate(context.Background(), Exchange{Request: req("POST", "https://api.test/images?type=distribution", `{"size":0}`, "Content-Type", "application/json")})
	want := map[string]string{
		RuleRequestParamSchema: "parameters.yml#/type/schema/maxLength",
		RuleRequestBodySchema:  "attributes.yml#/image/size/minimum",
	}
	if len(res.Violations) != 2 {
		t.Fatalf("want 2 violations, got %+v", res.Violations)
	}
	for _, x := range res.Violations {
		if want[x.Rule] != x.Schema || x.Line == 0 {
			t.Errorf("%s at %s:%d, want at %s", x.Rule, x.Schema, x.Line, want[x.Rule])
		}
	}
	if f := v.SpecFindings(); len(f) != 1 || f[0].Rule != RuleSpecPropertiesRef || f[0].Level != specs.LevelWarning || f[0].Line != 15 {
		t.Errorf("findings %+v", f)
	}
}

// TestUncompilableSchemaIsAFinding checks that a schema jsonschema/v5 cannot compile is reported
// once, at load, and leaves only what it describes unchecked: the other schemas of the same file,
// compiled after the failure, are checked as usual.
func TestUncompilableSchemaIsAFinding(t *testing.T) {
	fsys := fstest.MapFS{"openapi.yaml": {Data: []byte(`openapi: 3.1.0
info: {title: t, version: "1"}
servers: [{url: "https://api.test"}]
paths:
  /a:
    post:
      operationId: postA
      requestBody:
        required: true
        content:
          application/json:
            schema: {$id: "https://specgate.test/a", type: object, properties: {n: {$ref: "#/$defs/missing"}}}
      responses:
        "204": {description: ok}
  /b:
    post:
      operationId: postB
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: string, maxLength: 2}
      responses:
        "204": {description: ok}
`)}}
	docs, err := loadLenient(t, fsys, "openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(docs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := v.SpecFindings()
	if len(f) != 1 || f[0].Rule != RuleSpecSchemaUncompilable || f[0].Level != specs.LevelError || f[0].Pointer != "/paths/~1a/post/requestBody/content/application~1json/schema" || f[0].Line != 12 {
		t.Fatalf("findings %+v", f)
	}
	checkBodies(t, v, []bodyCase{
		{name: "unchecked", path: "/a", body: `{"n":"x"}`},
		{name: "checked", path: "/b", body: `"abc"`, keyword: "maxLength", schema: "openapi.yaml#/paths/~1b/post/requestBody/content/application~1json/schema/maxLength"},
		{name: "valid", path: "/b", body: `"ab"`},
	})
}

// TestECMAPatternsConcurrently validates ECMA-262 patterns, a timed-out match included, from
// several goroutines at once: the engine and the memory of timed-out strings are shared.
func TestECMAPatternsConcurrently(t *testing.T) {
	v := load(t, "testdata/schema31", "patterns.yaml")
	bodies := map[string]int{
		`{"path":"docs/letter.pdf","twice":"abab"}`:               0,
		`{"path":"https://x.test/a.pdf","twice":"abba"}`:          2,
		`{"slow":"` + strings.Repeat("a", 40) + `!","plain":"a"}`: 1,
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				for body, want := range bodies {
					res := v.Validate(context.Background(), Exchange{Request: req("POST", "https://api.test/files", body, "Content-Type", "application/json")})
					if len(res.Violations) != want {
						t.Errorf("%s: %d violations, want %d", body, len(res.Violations), want)
					}
				}
			}
		}()
	}
	wg.Wait()
}
