package specs

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"
)

// decodeAgain is what Written stands in for: the file's bytes decoded a second time, as JSON
// with UseNumber when they are JSON, else as YAML then as JSON.
func decodeAgain(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if json.Valid(data) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	v, err := normalize(v)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWrittenIsTheFileBeforeRepairs(t *testing.T) {
	files := fstest.MapFS{
		// Numbers keep their text in JSON, a repeated key its last value; the boolean required
		// is repaired in Value, not in what was written.
		"a.json": {Data: []byte(`{"openapi": "3.0.3", "x": 1.0, "y": 1e3, "z": -0, "s": "\ud83d\udc4d", "n": null, "t": true, "x": [2.50, {}],
			"components": {"schemas": {"A": {"type": "object", "properties": {"id": {"type": "string", "required": true}}}}}}`)},
		"b.yaml": {Data: []byte("openapi: 3.0.3\nx: 1.0\ny: 0x1F\nd: 2024-01-02\nk: &a {m: 1}\nl: *a\n1: one\n" +
			"components:\n  schemas:\n    A:\n      properties:\n        id: {type: string, required: true}\n")},
		"c.yaml": {Data: []byte(`{"openapi": "3.1.0", "big": 12345678901234567890}`)},
	}
	src := NewSources(files, nil)
	for _, name := range []string{"a.json", "b.yaml", "c.yaml"} {
		f, err := src.File(name)
		if err != nil {
			t.Fatal(err)
		}
		if !f.Modified() && name != "c.yaml" {
			t.Errorf("%s: the boolean required was not repaired, so the test shows nothing", name)
		}
		got, err := f.Written()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := decodeAgain(t, files[name].Data); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Written\n%#v\nwant\n%#v", name, got, want)
		}
		got.(map[string]any)["openapi"] = "changed"
		if again, _ := f.Written(); again.(map[string]any)["openapi"] == "changed" {
			t.Errorf("%s: Written returned a value another call shares", name)
		}
	}
}

func TestWrittenRefusesARepeatedYAMLKey(t *testing.T) {
	// yaml.v3 refuses the repetition the parse reports (spec.key.duplicate); so did decoding
	// the file again, and lint's document schema check said so.
	src := NewSources(fstest.MapFS{"d.yaml": {Data: []byte("openapi: 3.0.3\ninfo: {}\ninfo: {}\n")}}, nil)
	f, err := src.File("d.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Written(); err == nil {
		t.Error("Written accepted a YAML mapping that repeats a key")
	}
}
