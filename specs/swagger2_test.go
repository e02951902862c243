package specs

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestSwagger2ConversionReportsWhatItDrops(t *testing.T) {
	fsys := fstest.MapFS{"api.yaml": {Data: []byte(`swagger: "2.0"
info: {title: t, version: "1"}
basePath: /v1
paths:
  /items/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, type: string}
        - {name: tags, in: query, type: array, items: {type: string}, collectionFormat: tsv}
      responses:
        "200":
          description: ok
          schema:
            $ref: "#/definitions/Item"
definitions:
  Item:
    type: object
    properties:
      id: {type: string}
`)}}
	docs, err := Load(context.Background(), NewSources(fsys, nil), "api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range Findings(docs) {
		got = append(got, f.File+":"+itoa(f.Line)+" "+f.Rule+" #"+f.Pointer)
	}
	want := []string{
		"api.yaml:1 " + RuleConvertedSwagger2 + " #/swagger",
		"api.yaml:9 " + RuleConversionDropped + " #/paths/~1items~1{id}/get/parameters/1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	doc := docs[0]
	if doc.Spec.Servers[0].URL != "/v1" || doc.Spec.Paths.Value("/items/{id}").Get.Responses.Value("200").Value.Content.Get("application/json") == nil {
		t.Errorf("converted document: servers %v", doc.Spec.Servers)
	}
	// The converted file reports the 2.0 file's lines: its schema is at definitions/Item.
	cf, err := doc.Sources.File(doc.Path)
	if err != nil {
		t.Fatal(err)
	}
	if cf.Name != "api.yaml" || cf.Line("/components/schemas/Item/properties/id") != 19 || cf.Line("/paths/~1items~1{id}/get/responses/200/content/application~1json/schema") != 13 {
		t.Errorf("converted file %s: lines %d, %d; want 19, 13", cf.Name, cf.Line("/components/schemas/Item/properties/id"), cf.Line("/paths/~1items~1{id}/get/responses/200/content/application~1json/schema"))
	}
}

// TestSwagger2ConversionDropsTable: what openapi2conv drops or refuses, each a
// spec.converted.dropped finding at the 2.0 parameter's line, the rest converted.
func TestSwagger2ConversionDropsTable(t *testing.T) {
	fsys := fstest.MapFS{"api.yaml": {Data: []byte(`swagger: "2.0"
info: {title: t, version: "1"}
parameters:
  Flag: {name: flag, in: query, type: string, allowEmptyValue: true}
paths:
  /a/{ids}:
    post:
      consumes: [application/json]
      parameters:
        - {name: ids, in: path, required: true, type: array, items: {type: string}, collectionFormat: pipes}
        - {name: h, in: header, type: array, items: {type: string}, collectionFormat: ssv}
        - {$ref: "#/parameters/Flag"}
        - {name: one, in: body, schema: {type: object}}
        - {name: two, in: body, schema: {type: string}}
        - {name: f, in: formData, type: string}
      responses: {"204": {description: ok}}
  /b:
    post:
      consumes: [multipart/form-data]
      parameters:
        - {name: up, in: formData, type: file, x-note: upload}
        - {name: tags, in: formData, type: array, items: {type: string}, collectionFormat: csv}
      responses: {"204": {description: ok}}
`)}}
	docs, err := Load(context.Background(), NewSources(fsys, nil), "api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range Findings(docs) {
		if f.Rule == RuleConversionDropped {
			got = append(got, itoa(f.Line)+" #"+f.Pointer+" "+f.Message)
		}
	}
	for _, want := range []string{
		"10 #/paths/~1a~1{ids}/post/parameters/0 path parameter \"ids\" has collectionFormat pipes",
		"11 #/paths/~1a~1{ids}/post/parameters/1 header parameter \"h\" has collectionFormat ssv",
		"12 #/paths/~1a~1{ids}/post/parameters/2 parameter \"flag\" has allowEmptyValue: true",
		"14 #/paths/~1a~1{ids}/post/parameters/4 body parameter \"two\" is a second body",
		"15 #/paths/~1a~1{ids}/post/parameters/5 formData parameter \"f\" stands beside a body parameter",
		"21 #/paths/~1b/post/parameters/0 formData parameter \"up\" has extension x-note",
		"22 #/paths/~1b/post/parameters/1 formData parameter \"tags\" has collectionFormat csv",
	} {
		found := false
		for _, g := range got {
			if strings.HasPrefix(g, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("no finding %q in:\n%s", want, strings.Join(got, "\n"))
		}
	}
	a := docs[0].Spec.Paths.Value("/a/{ids}").Post
	if a.RequestBody == nil || a.RequestBody.Value.Content.Get("application/json").Schema.Value.Type.Is("object") == false {
		t.Errorf("POST /a: the first body is not the request body: %+v", a.RequestBody)
	}
	if b := docs[0].Spec.Paths.Value("/b").Post; b.RequestBody == nil || b.RequestBody.Value.Content.Get("multipart/form-data") == nil {
		t.Error("POST /b: the formData parameters are not a multipart body")
	}
}

// TestSwagger2KeywordOfWrongType: openapi2 refused a whole Swagger 2.0 document for one keyword
// of the wrong type; each is a spec.keyword.type finding at the 2.0 file's line now, repaired or
// dropped before the conversion.
func TestSwagger2KeywordOfWrongType(t *testing.T) {
	fsys := fstest.MapFS{"api.yaml": {Data: []byte(`swagger: "2.0"
info: {title: t, version: "1"}
paths:
  /a:
    get:
      parameters:
        - {name: q, in: query, required: true, type: integer, minimum: zero}
      responses:
        "200":
          description: ok
          schema: {$ref: "#/definitions/A"}
          headers:
            X-N: {type: string, maxLength: "4"}
definitions:
  A: {type: object, properties: {n: {type: integer, enum: foo}}}
`)}}
	docs, err := Load(context.Background(), NewSources(fsys, nil), "api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range Findings(docs) {
		if f.Rule == RuleKeywordType {
			got = append(got, itoa(f.Line)+" #"+f.Pointer)
		}
	}
	want := "7 #/paths/~1a/get/parameters/0/minimum\n13 #/paths/~1a/get/responses/200/headers/X-N/maxLength\n15 #/definitions/A/properties/n/enum"
	if strings.Join(got, "\n") != want {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	h := docs[0].Spec.Paths.Value("/a").Get.Responses.Value("200").Value.Headers["X-N"].Value.Schema.Value
	if h.MaxLength == nil || *h.MaxLength != 4 {
		t.Errorf("maxLength %v, want 4", h.MaxLength)
	}
	if !docs[0].Spec.Paths.Value("/a").Get.Parameters[0].Value.Required {
		t.Error("the parameter's boolean required was taken for a keyword of the wrong type")
	}
}

// TestPlainValueEqualsJSONRoundTrip: plainValue gives what writing a value as JSON and reading
// it again gives, for what the model holds and for what it hands to the round trip.
func TestPlainValueEqualsJSONRoundTrip(t *testing.T) {
	type other struct {
		A int     `json:"a"`
		B float32 `json:"b,omitempty"`
	}
	ten := 10.0
	for _, v := range []any{
		map[string]any{"i": 3.0, "f": 2.5, "big": 1e21, "edge": 9.223372036854775807e18, "neg": -0.0, "s": "a\xffb", "n": nil,
			"nilmap": map[string]any(nil), "nilslice": []any(nil), "strs": []string{"x"}, "u": uint64(1 << 63), "b": []byte("hi"),
			"struct": other{A: 1, B: 0.1}, "ptr": &ten, "nilptr": (*float64)(nil), "typed": map[string][]string{"k": nil}},
		&openapi3.Schema{Type: &openapi3.Types{"integer"}, Min: &ten, Enum: []any{1.0, "x"}, Extensions: map[string]any{"x-a": []any{1.5}}},
		openapi3.SecurityRequirement{"key": nil, "oauth": {"read"}},
	} {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		want, err := decodeJSONValue(data)
		if err != nil {
			t.Fatal(err)
		}
		got, err := plainValue(v)
		if err != nil {
			t.Fatalf("%v: %v", v, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("plainValue(%#v) = %#v, want %#v", v, got, want)
		}
	}
}
