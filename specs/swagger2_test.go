package specs

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
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
