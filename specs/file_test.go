package specs

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"testing/fstest"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
	"strings"
	"testing"
)

func TestParseJSONAsJSON(t *testing.T) {
	data := "{\n  \"openapi\": \"3.1.0\",\n  \"x-emoji\": \"\\ud83d\\udc4d\",\n  \"n\": [1, 2.5, 1e400],\n  \"dup\": 1,\n  \"dup\": 2,\n  \"deep\": {\n    \"a\": {\"b\": true, \"c\": null}\n  }\n}\n"
	_, err := parseFile("api.json", "api.json", []byte(data), false)
	if err == nil || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("1e400: err = %v, want a range error on line 4", err)
	}
	data = strings.Replace(data, "1e400", "-7", 1)
	f, err := parseFile("api.json", "api.json", []byte(data), false)
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
		{"{\"a\":\n" + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "}", "line 2, column 10001: JSON nested more than 10000 deep"},
	} {
		if _, err := parseFile("x.json", "x.json", []byte(tt.data), false); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.data, err, tt.want)
		}
	}
}

// TestNodeValueEqualsDecoder checks the parse's own node-to-value walk against yaml.v3's
// decoder (plus normalize) on the scalars, keys and shapes YAML has, and on every YAML file of
// the development corpus in corpus_test.go's TestCorpusNodeValueEqualsDecoder.
func TestNodeValueEqualsDecoder(t *testing.T) {
	for _, doc := range []string{
		"a: 1\nb: -2\nc: +3\nd: 007\ne: 1.5\nf: -1e3\ng: .inf\ni: 0x1F\nj: 0o17\nk: 1_000\n",
		"t: true\nT: True\nu: TRUE\nf: false\ny: yes\nn: no\nnull1: null\nnull2: ~\nnull3:\n",
		"200: ok\n'201': quoted\n0: zero\n-1: neg\n",
		"date: 2026-12-01\nts: 2026-12-01T10:00:00Z\nbin: !!binary aGVsbG8=\ns: !!str 12\nbig: 18446744073709551616\nhuge: 9223372036854775808\n",
		"list: [1, two, {three: 3}, [4]]\nnested: {a: {b: {c: [x]}}}\nempty: {}\nemptylist: []\n",
	} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
			t.Fatal(err)
		}
		root := n.Content[0]
		got, ok := nodeValue(root)
		var want any
		if err := root.Decode(&want); err != nil {
			t.Fatal(err)
		}
		want, _ = normalize(want)
		if !ok {
			// Left to the decoder, which parseYAML then uses: no difference possible.
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\n got %#v\nwant %#v", doc, got, want)
		}
	}
	// What nodeValue leaves to the decoder.
	for _, doc := range []string{"a: &x {b: 1}\nc: *x\n", "a: {b: 1}\nc:\n  <<: {b: 2}\n", "? [1, 2]\n: x\n", "0x1F: hex\n"} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
			t.Fatal(err)
		}
		if _, ok := nodeValue(n.Content[0]); ok {
			t.Errorf("%q: nodeValue built it; want it left to the decoder", doc)
		}
	}
}

// TestDuplicateKeys: a repeated key, in YAML or JSON, is a spec.key.duplicate finding at the
// repetition's line, naming the first; the last value is read, and kin-openapi reads the Value
// (it refuses the YAML as written).
func TestDuplicateKeys(t *testing.T) {
	for _, c := range []struct{ name, data string }{
		{"api.yaml", "openapi: 3.1.0\ninfo: {title: t, version: \"1\"}\npaths: {}\ncomponents:\n  schemas:\n    A: {type: string}\n    B: {type: object}\n    A: {type: integer}\n"},
		{"api.json", "{\n \"openapi\": \"3.1.0\",\n \"info\": {\"title\": \"t\", \"version\": \"1\"},\n \"paths\": {},\n \"components\": {\"schemas\": {\n  \"A\": {\"type\": \"string\"},\n  \"B\": {\"type\": \"object\"},\n  \"A\": {\"type\": \"integer\"}}}\n}\n"},
	} {
		docs, err := Load(context.Background(), NewSources(fstest.MapFS{c.name: {Data: []byte(c.data)}}, nil), c.name)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		fs := Findings(docs)
		if len(fs) != 1 || fs[0].Rule != RuleKeyDuplicate || fs[0].Pointer != "/components/schemas/A" || fs[0].Line != 8 || !strings.Contains(fs[0].Message, "first on line 6") {
			t.Errorf("%s: findings %v", c.name, fs)
		}
		if got := docs[0].Spec.Components.Schemas["A"].Value.Type; !got.Is("integer") {
			t.Errorf("%s: A is %v, want the last value (integer)", c.name, got)
		}
	}
}

// sameJSONParse reports how scanJSON's reading of data differs from encoding/json's decoder's
// (parseJSONTokens): value, node tree with lines and columns, repeated keys; "" when it does
// not, or when scanJSON declines. parseJSON reads only UTF-8 text with scanJSON.
func sameJSONParse(data []byte) string {
	if !utf8.Valid(data) {
		return ""
	}
	v, n, dups, ok := scanJSON(data)
	if !ok {
		return ""
	}
	wv, wn, wdups, err := parseJSONTokens(data)
	switch {
	case err != nil:
		return fmt.Sprintf("scanJSON reads what encoding/json refuses: %v", err)
	case !reflect.DeepEqual(v, wv):
		return "the values differ"
	case !reflect.DeepEqual(dups, wdups):
		return fmt.Sprintf("repeated keys %v, want %v", dups, wdups)
	}
	if err := sameNodes3(n, wn); err != nil {
		return err.Error()
	}
	return ""
}

func TestScanJSONEqualsParseJSON(t *testing.T) {
	for _, src := range []string{
		`{"a": 1, "b": [true, false, null, -0, 0, 12, -3.5e+2, 1E-7, 12345678901234567890, 9223372036854775807],
 "c": {"d": "x\"y\\z\u00e9\ud83d\udc4d\n", "e": {}, "f": []}, "a": "again",
   "g": [ {"h" : "i"} , [ [] ] ]}`,
		"[]", "  \"s\"  \n", "12", "-1", "true", "null",
		`{"k": 01}`, `{"k": 1.}`, `{"k": .5}`, `{"k": +1}`, `{"k": "\x01"}`, `{"k": "a\qb"}`, `{"k": [1,]}`, `{"k": 1,}`, `{k: 1}`, `{"a" 1}`, `[1] [2]`, "", "  ", "\ufeff{}", `{"a": tru}`, `"\ud800"`, `[1e400]`,
	} {
		if d := sameJSONParse([]byte(src)); d != "" {
			t.Errorf("%q: %s", src, d)
		}
		if _, _, _, ok := scanJSON([]byte(src)); !ok {
			if _, _, _, err := parseJSONTokens([]byte(src)); err == nil {
				t.Errorf("%q: scanJSON declines what encoding/json reads", src)
			}
		}
	}
}

// TestSwagger2FieldEqualsRegexp holds the written-out search to the regular expression it
// replaces, on the edges of a line start, \s and the colon, and on every root of the corpus.
func TestSwagger2FieldEqualsRegexp(t *testing.T) {
	re := regexp.MustCompile(`(?m)^swagger\s*:`)
	cases := []string{"", "swagger", "swagger:", "swagger :", "swagger\n:", " swagger:", "a\nswagger: \"2.0\"",
		"xswagger:", "swaggerx:", "a\nswagger", "swagger\f\r\t :", "swagger swagger:", "x\nswagger x\nswagger:",
		"swagger\v:", "openapi: 3.0.0\ninfo:\n  swagger: no\n", "a\r\nswagger: 2", "swaggerswagger:"}
	roots, err := os.ReadFile("../../shared/real-specs/roots.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range strings.Fields(string(roots)) {
		data, err := os.ReadFile("../../shared/real-specs/" + r)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, string(data))
	}
	for _, c := range cases {
		if got, want := swagger2Field([]byte(c)), re.MatchString(c); got != want {
			t.Errorf("swagger2Field(%.40q) = %v, want %v", c, got, want)
		}
	}
}
