package specs

import (
	"strings"
	"testing"
)

func TestParseJSONAsJSON(t *testing.T) {
	data := "{\n  \"openapi\": \"3.1.0\",\n  \"x-emoji\": \"\\ud83d\\udc4d\",\n  \"n\": [1, 2.5, 1e400],\n  \"dup\": 1,\n  \"dup\": 2,\n  \"deep\": {\n    \"a\": {\"b\": true, \"c\": null}\n  }\n}\n"
	_, err := parseFile("api.json", "api.json", []byte(data))
	if err == nil || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("1e400: err = %v, want a range error on line 4", err)
	}
	data = strings.Replace(data, "1e400", "-7", 1)
	f, err := parseFile("api.json", "api.json", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	m := f.Value.(map[string]any)
	if m["x-emoji"] != "👍" {
		t.Errorf("surrogate pair = %q", m["x-emoji"])
	}
	if n := m["n"].([]any); n[0] != 1 || n[1] != 2.5 || n[2] != -7 {
		t.Errorf("numbers = %#v, want int 1, float 2.5, int -7 (as the YAML parser gives)", n)
	}
	if m["dup"] != 2 {
		t.Errorf("a repeated key keeps the last value, as encoding/json does: %v", m["dup"])
	}
	for ptr, line := range map[string]int{"": 1, "/openapi": 2, "/n/1": 4, "/deep": 7, "/deep/a/c": 8, "/deep/a/nope": 8} {
		if got := f.Line(ptr); got != line {
			t.Errorf("Line(%q) = %d, want %d", ptr, got, line)
		}
	}
	for _, tt := range []struct{ data, want string }{
		{"", "the file is empty"},
		{"{\"a\": 1} x", "line 1, column 10: invalid character 'x' after top-level value"},
		{"{\n\"a\": [1,\n", "line 3, column 1: unexpected end of JSON input"},
		{"{\"a\" 1}", "line 1, column 6: invalid character '1' after object key"},
	} {
		if _, err := parseFile("x.json", "x.json", []byte(tt.data)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.data, err, tt.want)
		}
	}
}
