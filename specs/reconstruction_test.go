package specs

// These tests hold RECONSTRUCTION.md to the specs and to the pages: its quirk table and the
// specs' x-specgate-quirk markers must agree, and the defects it reports must be real. The
// defects are shown on faithful copies of the NERM pages (testdata/faithful, the operation
// objects exactly as published) with the libraries users would reach for: kin-openapi, and
// santhosh-tekuri/jsonschema/v5 used directly on the published schemas.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	// jsonschema/v5 itself (specgate's copy, patched only for compile speed), not specgate's
	// engine: the pages' defects shown with the library users reach for.
	"github.com/specgate/specgate/internal/third_party/jsonschema"
)

const (
	faithfulProfiles = "testdata/faithful/nerm-patch-user-profiles.json"
	faithfulUser     = "testdata/faithful/nerm-patch-user.json"
)

// TestQuirkTableMatchesSpecs checks both directions: every x-specgate-quirk value in the
// embedded specs has a row in the Quirk table, and every row of that table names a marker that
// exists. Rows of the Decision table (decisions without a marker) must not name one: once the
// spec gains the marker, the row belongs in the Quirk table.
func TestQuirkTableMatchesSpecs(t *testing.T) {
	inSpecs := specQuirks(t)
	if len(inSpecs) == 0 {
		t.Fatal("the embedded specs carry no x-specgate-quirk marker")
	}
	md, err := os.ReadFile("RECONSTRUCTION.md")
	if err != nil {
		t.Fatal(err)
	}
	quirks := tableIDs(t, string(md), "Quirk")
	decisions := tableIDs(t, string(md), "Decision")

	for id, where := range inSpecs {
		if _, ok := quirks[id]; !ok {
			t.Errorf("quirk %q (%s) has no row in the Quirk table of RECONSTRUCTION.md", id, strings.Join(where, ", "))
		}
	}
	for id, line := range quirks {
		if _, ok := inSpecs[id]; !ok {
			t.Errorf("RECONSTRUCTION.md:%d: quirk %q is marked in neither spec", line, id)
		}
	}
	for id, line := range decisions {
		if where, ok := inSpecs[id]; ok {
			t.Errorf("RECONSTRUCTION.md:%d: decision %q is now marked (%s); move its row to the Quirk table", line, id, strings.Join(where, ", "))
		}
		if qline, ok := quirks[id]; ok {
			t.Errorf("RECONSTRUCTION.md:%d: id %q is also a quirk row at line %d", line, id, qline)
		}
	}
}

// specQuirks maps every x-specgate-quirk value of the embedded specs to where it is set.
func specQuirks(t *testing.T) map[string][]string {
	t.Helper()
	found := map[string][]string{}
	for _, name := range DefaultNames {
		data, err := fs.ReadFile(Embedded(), name)
		if err != nil {
			t.Fatal(err)
		}
		var root yaml.Node
		if err := yaml.Unmarshal(data, &root); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var walk func(n *yaml.Node)
		walk = func(n *yaml.Node) {
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					k, v := n.Content[i], n.Content[i+1]
					if k.Value == "x-specgate-quirk" {
						if v.Kind != yaml.ScalarNode || v.Value == "" {
							t.Errorf("%s:%d: x-specgate-quirk must be a non-empty string", name, v.Line)
							continue
						}
						found[v.Value] = append(found[v.Value], fmt.Sprintf("%s:%d", name, v.Line))
					}
				}
			}
			for _, c := range n.Content {
				walk(c)
			}
		}
		walk(&root)
	}
	return found
}

// tableIDs returns the first column (backticks stripped) of the markdown table whose header
// starts with the cell first, keyed to its line number. Duplicate ids are errors.
func tableIDs(t *testing.T, md, first string) map[string]int {
	t.Helper()
	ids := map[string]int{}
	lines := strings.Split(md, "\n")
	start := -1
	for i, l := range lines {
		if c := cells(l); len(c) > 1 && c[0] == first {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatalf("RECONSTRUCTION.md has no table whose first column is %q", first)
	}
	for i := start + 2; i < len(lines); i++ {
		c := cells(lines[i])
		if c == nil {
			break
		}
		id := strings.Trim(c[0], "`")
		if id == "" {
			t.Errorf("RECONSTRUCTION.md:%d: row without an id", i+1)
			continue
		}
		if prev, ok := ids[id]; ok {
			t.Errorf("RECONSTRUCTION.md:%d: id %q already has a row at line %d", i+1, id, prev)
		}
		ids[id] = i + 1
	}
	if len(ids) == 0 {
		t.Errorf("RECONSTRUCTION.md: the %s table has no rows", first)
	}
	return ids
}

// cells splits a markdown table row into trimmed cells, or returns nil for a non-table line.
// A pipe escaped as \| stays inside its cell.
func cells(line string) []string {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "|") {
		return nil
	}
	parts := strings.Split(strings.ReplaceAll(strings.Trim(line, "|"), `\|`, "\x00"), "|")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(strings.ReplaceAll(p, "\x00", "|"))
	}
	return parts
}

// TestFaithfulCopiesArePages re-extracts the api: JSON of each NERM page and compares it with
// the fixture, so that "faithful" stays true. testdata/pages holds verbatim copies of the pages
// (shared/sources/ beside the repository), so the test runs on any clone.
func TestFaithfulCopiesArePages(t *testing.T) {
	dir := filepath.Join("testdata", "pages")
	for page, fixture := range map[string]string{
		"nerm-patch-user-profiles.txt": faithfulProfiles,
		"nerm-patch-user.txt":          faithfulUser,
	} {
		t.Run(page, func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join(dir, page))
			if err != nil {
				t.Fatal(err)
			}
			i := bytes.Index(text, []byte("api: "))
			if i < 0 {
				t.Fatalf("%s: no api: line", page)
			}
			var api map[string]any
			if err := json.NewDecoder(bytes.NewReader(text[i+len("api: "):])).Decode(&api); err != nil {
				t.Fatalf("%s: api: %v", page, err)
			}
			op := map[string]any{}
			for k, v := range api {
				switch k {
				case "method", "path", "info", "jsonRequestBodyExample", "postman":
				default:
					op[k] = v
				}
			}
			want := map[string]any{
				"openapi": "3.0.3",
				"info":    api["info"],
				"paths":   map[string]any{api["path"].(string): map[string]any{api["method"].(string): op}},
			}
			var got map[string]any
			data, err := os.ReadFile(fixture)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatalf("%s: %v", fixture, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s is not the operation object of %s wrapped in openapi, info and paths", fixture, page)
			}
		})
	}
}

// TestKinOpenAPIOnFaithfulCopies shows what kin-openapi makes of the pages as published.
func TestKinOpenAPIOnFaithfulCopies(t *testing.T) {
	ctx := context.Background()

	t.Run("boolean-required: patch-user does not load", func(t *testing.T) {
		_, err := openapi3.NewLoader().LoadFromFile(faithfulUser)
		if err == nil {
			t.Fatalf("%s loaded although user.id carries \"required\": true", faithfulUser)
		}
		// Schema.required is a []string; the error must say so and point at user.id.
		for _, want := range []string{"Schema.required", "/properties/user/properties/id/required"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not name %q: %v", want, err)
			}
		}
	})

	t.Run("readonly-spelling: patch-user without the boolean is still invalid", func(t *testing.T) {
		var doc map[string]any
		data, err := os.ReadFile(faithfulUser)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		id := at(t, doc, "/paths/~1users~1{id}/patch/requestBody/content/application~1json/schema/properties/user/properties/id").(map[string]any)
		delete(id, "required")
		data, err = json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		spec, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			t.Fatal(err)
		}
		user := spec.Paths.Find("/users/{id}").Patch.Responses.Status(200).Value.
			Content.Get("application/json").Schema.Value.Properties["user"].Value
		if got := user.Properties["id"].Value; got.ReadOnly || got.Extensions["readonly"] != true {
			t.Errorf("200 user.id: readOnly = %v, extension readonly = %v; want false and true", got.ReadOnly, got.Extensions["readonly"])
		}
		err = spec.Validate(ctx)
		if err == nil || !strings.Contains(err.Error(), "readonly") {
			t.Errorf("Validate = %v, want an error naming readonly", err)
		}
	})

	t.Run("uid-length: patch-user-profiles contradicts its own uid example", func(t *testing.T) {
		spec, err := openapi3.NewLoader().LoadFromFile(faithfulProfiles)
		if err != nil {
			t.Fatal(err)
		}
		err = spec.Validate(ctx)
		var se *openapi3.SchemaError
		if !errors.As(err, &se) {
			t.Fatalf("Validate = %v, want a schema error on the uid example", err)
		}
		if se.SchemaField != "maxLength" || se.Value != "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e" {
			t.Errorf("schema error on %s with value %v, want maxLength on the 36-character uid example", se.SchemaField, se.Value)
		}
	})
}

// TestOneOfBranches validates instances, most of them the pages' own examples, against each
// branch of a published oneOf and of the spec's replacement. As published, the branches
// constrain nothing that tells them apart, so a documented reply matches both (a oneOf failure)
// or, for the user_profiles example whose uid breaks the page's own length, only the wrong one.
// The spec's branches each match exactly one documented reply.
func TestOneOfBranches(t *testing.T) {
	published := loadJSON(t, faithfulProfiles)
	ours := loadSpecValue(t, "nerm-lifecycle.yaml")

	pub200 := "/paths/~1user_profiles/patch/responses/200/content/application~1json/schema"
	pub400 := "/paths/~1user_profiles/patch/responses/400/content/application~1json/schema"
	jobStatus := documentedExample(at(t, published, pub200+"/oneOf/1"))
	userProfiles := documentedExample(at(t, published, pub200+"/oneOf/0"))
	uid32 := withUID(t, userProfiles, "db6f8e8b65c247d5a0db90bcc4e9df9e")

	groups := []struct {
		published string   // the oneOf in the faithful copy
		ours      string   // the oneOf in nerm-lifecycle.yaml
		branches  []string // the components the spec's oneOf refers to, in order
		cases     []oneOfCase
	}{{
		published: pub200,
		ours:      "/paths/~1user_profiles/patch/responses/200/content/application~1json/schema",
		branches:  []string{"UserProfilesResult", "JobStatusResult"},
		cases: []oneOfCase{
			{"job status from the page's examples", jobStatus, []int{0, 1}, []int{1}},
			{"job status alone", decode(t, `{"job_status":{"job_id":"3ce88e47ad6dba2ddf349d21","status":"queued"}}`), []int{0, 1}, []int{1}},
			{"user_profiles from the page's example, uid of 32 characters", uid32, []int{0, 1}, []int{0}},
			{"user_profiles from the page's example as published", userProfiles, []int{1}, nil},
		},
	}, {
		published: pub400,
		ours:      "/components/responses/BadRequest/content/application~1json/schema",
		branches:  []string{"SyntaxError", "RecordError"},
		cases: []oneOfCase{
			{"syntax error from the page's example", documentedExample(at(t, published, pub400+"/oneOf/0")), []int{0, 1}, []int{0}},
			{"record error from the page's examples", documentedExample(at(t, published, pub400+"/oneOf/1")), []int{0, 1}, []int{1}},
		},
	}}

	for _, g := range groups {
		pubWhole, pubBranches := compileOneOf(t, "file:///faithful.json", published, g.published, g.published+"/oneOf/0", g.published+"/oneOf/1")
		var ptrs []string
		for i, name := range g.branches {
			if ref := at(t, ours, fmt.Sprintf("%s/oneOf/%d/$ref", g.ours, i)); ref != "#/components/schemas/"+name {
				t.Fatalf("nerm-lifecycle.yaml %s/oneOf/%d refers to %v, want %s", g.ours, i, ref, name)
			}
			ptrs = append(ptrs, "/components/schemas/"+name)
		}
		ourWhole, ourBranches := compileOneOf(t, "file:///nerm-lifecycle.json", ours, g.ours, ptrs...)

		for _, c := range g.cases {
			t.Run(c.name, func(t *testing.T) {
				checkOneOf(t, "published", pubWhole, pubBranches, c.instance, c.published)
				checkOneOf(t, "spec", ourWhole, ourBranches, c.instance, c.ours)
			})
		}
	}
}

type oneOfCase struct {
	name      string
	instance  any
	published []int // branches of the page's oneOf the instance matches
	ours      []int // branches of the spec's oneOf it matches
}

// checkOneOf asserts which branches match, and that the whole oneOf agrees: valid for exactly
// one, and for two the library's own verdict that the instance is valid against both.
func checkOneOf(t *testing.T, label string, whole *jsonschema.Schema, branches []*jsonschema.Schema, inst any, want []int) {
	t.Helper()
	var got []int
	for i, b := range branches {
		if b.Validate(inst) == nil {
			got = append(got, i)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: matches branches %v, want %v", label, got, want)
	}
	err := whole.Validate(inst)
	switch len(want) {
	case 1:
		if err != nil {
			t.Errorf("%s: oneOf: %v", label, err)
		}
	case 2:
		if !hasMessage(err, "oneOf", "valid against schemas at indexes 0 and 1") {
			t.Errorf("%s: oneOf = %v, want valid against schemas at indexes 0 and 1", label, err)
		}
	default:
		if err == nil {
			t.Errorf("%s: oneOf accepted an instance no branch matches", label)
		}
	}
}

func hasMessage(err error, keyword, msg string) bool {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	var walk func(*jsonschema.ValidationError) bool
	walk = func(v *jsonschema.ValidationError) bool {
		if strings.HasSuffix(v.KeywordLocation, "/"+keyword) && v.Message == msg {
			return true
		}
		return slices.ContainsFunc(v.Causes, walk)
	}
	return walk(ve)
}

// compileOneOf compiles the schemas at the given JSON pointers of doc. The OpenAPI 3.0 schema
// object extends JSON Schema draft-05, so draft-04 is the closest dialect; OpenAPI's own
// keywords (example, readOnly) are left in place, where a validator ignores them.
func compileOneOf(t *testing.T, url string, doc any, whole string, branches ...string) (*jsonschema.Schema, []*jsonschema.Schema) {
	t.Helper()
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft4
	c.LoadURL = func(s string) (io.ReadCloser, error) { return nil, fmt.Errorf("no remote schemas here: %s", s) }
	if err := c.AddResource(url, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	compile := func(ptr string) *jsonschema.Schema {
		s, err := c.Compile(url + "#" + ptr)
		if err != nil {
			t.Fatalf("%s#%s: %v", url, ptr, err)
		}
		return s
	}
	var bs []*jsonschema.Schema
	for _, b := range branches {
		bs = append(bs, compile(b))
	}
	return compile(whole), bs
}

// documentedExample builds the instance a page shows as "Example (from schema)": a schema's
// own example, else an object of its properties' examples.
func documentedExample(schema any) any {
	s, _ := schema.(map[string]any)
	if ex, ok := s["example"]; ok {
		return ex
	}
	obj := map[string]any{}
	props, _ := s["properties"].(map[string]any)
	for name, p := range props {
		obj[name] = documentedExample(p)
	}
	return obj
}

// withUID returns a copy of a user_profiles reply whose first item has the given uid.
func withUID(t *testing.T, reply any, uid string) any {
	t.Helper()
	data, err := json.Marshal(reply)
	if err != nil {
		t.Fatal(err)
	}
	cp := decode(t, string(data))
	at(t, cp, "/user_profiles/0").(map[string]any)["uid"] = uid
	return cp
}

// at returns the value at a JSON pointer of v.
func at(t *testing.T, v any, ptr string) any {
	t.Helper()
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch n := v.(type) {
		case map[string]any:
			next, ok := n[tok]
			if !ok {
				t.Fatalf("no %q at %s", tok, ptr)
			}
			v = next
		case []any:
			var i int
			if _, err := fmt.Sscan(tok, &i); err != nil || i < 0 || i >= len(n) {
				t.Fatalf("no index %q at %s", tok, ptr)
			}
			v = n[i]
		default:
			t.Fatalf("%s runs past a leaf at %q", ptr, tok)
		}
	}
	return v
}

func decode(t *testing.T, s string) any {
	t.Helper()
	// Numbers stay json.Number, as jsonschema/v5 asks of instances.
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func loadJSON(t *testing.T, path string) any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, string(data))
}

// loadSpecValue returns an embedded spec as plain values, decoded by yaml.v3 as written.
func loadSpecValue(t *testing.T, name string) any {
	t.Helper()
	data, err := fs.ReadFile(Embedded(), name)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}
