package specs

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	yaml4 "go.yaml.in/yaml/v4"
	"gopkg.in/yaml.v3"
)

// sameNodes4 compares two yaml v4 trees as kin-openapi's decoder reads them: kinds, styles,
// tags, values and shapes, not positions.
func sameNodes4(a, b *yaml4.Node) error {
	if a.Kind != b.Kind || a.Style != b.Style || a.Tag != b.Tag || a.Value != b.Value || len(a.Content) != len(b.Content) {
		return fmt.Errorf("%v/%v/%q/%q (%d) != %v/%v/%q/%q (%d)", a.Kind, a.Style, a.Tag, a.Value, len(a.Content), b.Kind, b.Style, b.Tag, b.Value, len(b.Content))
	}
	for i := range a.Content {
		if err := sameNodes4(a.Content[i], b.Content[i]); err != nil {
			return err
		}
	}
	return nil
}

// TestKinValueNodeIsTheParseOfItsJSON: the nodes handed to kin-openapi for a value are those
// yaml v4 parses from the value written by encoding/json (loaderData), and what they cannot
// be is declined.
func TestKinValueNodeIsTheParseOfItsJSON(t *testing.T) {
	for _, v := range []any{
		map[string]any{"b": 1, "a": []any{-7, 0, 1.5, -0.25, 1e21, 1e-7, 2.5e-300, 1e20, float64(math.MaxInt64 / 2), math.Copysign(0, -1), 123456.0}},
		map[string]any{"s": "a\"b\\c\n\t\r\b\f\x01<>&\u2028\u2029 é ✓ \u00a0", "": "", " lead": "trail ", "#": "- x: y", "y": "yes", "n": nil, "t": true, "f": false},
		[]any{map[string]any{}, []any{}, "null", "123", "1e3", "~", "2020-01-01", "<<", "!tag"},
	} {
		got, ok := kinValueNode(v)
		if !ok {
			t.Errorf("%v: declined", v)
			continue
		}
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var doc yaml4.Node
		if err := yaml4.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		if err := sameNodes4(got, doc.Content[0]); err != nil {
			t.Errorf("%s: %v", data, err)
		}
	}
	for _, v := range []any{"nel\u0085", "\uffff", "bad\xff", 1.8e19, math.Inf(1), int64(1), []string{"x"}} {
		if _, ok := kinValueNode(map[string]any{"k": v}); ok {
			t.Errorf("%#v: handed over", v)
		}
	}
}

// sameNodes3 compares two yaml.v3 trees as specgate reads them (values, lines) and as yaml.v3's
// decoder reads them: everything but comments.
func sameNodes3(a, b *yaml.Node) error {
	if a.Kind != b.Kind || a.Style != b.Style || a.Tag != b.Tag || a.Value != b.Value || a.Anchor != b.Anchor || a.Line != b.Line || a.Column != b.Column || len(a.Content) != len(b.Content) || (a.Alias == nil) != (b.Alias == nil) {
		return fmt.Errorf("line %d: %v/%v/%q/%q/%q (%d) != line %d: %v/%v/%q/%q/%q (%d)", a.Line, a.Kind, a.Style, a.Tag, a.Value, a.Anchor, len(a.Content), b.Line, b.Kind, b.Style, b.Tag, b.Value, b.Anchor, len(b.Content))
	}
	if a.Alias != nil && (a.Alias.Line != b.Alias.Line || a.Alias.Column != b.Alias.Column) {
		return fmt.Errorf("line %d: alias to %d:%d != %d:%d", a.Line, a.Alias.Line, a.Alias.Column, b.Alias.Line, b.Alias.Column)
	}
	for i := range a.Content {
		if err := sameNodes3(a.Content[i], b.Content[i]); err != nil {
			return err
		}
	}
	return nil
}

// convertedV3 parses data with yaml v4 and converts the tree, as parseYAMLRoot does; nil when
// parseYAMLRoot would parse with yaml.v3 instead.
func convertedV3(data []byte) *yaml.Node {
	var doc4 yaml4.Node
	if yaml4.Unmarshal(data, &doc4) != nil || doc4.Kind != yaml4.DocumentNode || len(doc4.Content) != 1 {
		return nil
	}
	var c nodeConverter
	doc := c.node(&doc4)
	if c.failed {
		return nil
	}
	return doc
}

func TestConvertedNodesEqualV3(t *testing.T) {
	for _, src := range []string{
		"a: 1\nb: !foo x\nc: 'q'\nd: \"e\"\nf: |\n  lit\ng: >\n  fold\nh: [1, 2.5, .5, 0x1F, 0o17, 1_000, yes, on, ~, null, 2020-01-01]\n",
		"base: &b {x: 1}\nuse: *b\nmerge:\n  <<: *b\n  y: 2\n\"<<\": q\n? [complex]\n: key\n",
		"- !!str 12\n- !!int '7'\n- !!binary aGk=\n- !!timestamp 2001-12-14\n- 1e3\n- +1\n- -.inf\n- .NaN\n- 010\n- 0b101\n- 1:20\n",
		"# only a comment\n",
		"",
		"--- a\n--- b\n",
	} {
		var want yaml.Node
		if err := yaml.Unmarshal([]byte(src), &want); err != nil {
			t.Fatal(err)
		}
		got := convertedV3([]byte(src))
		if got == nil {
			if want.Kind == yaml.DocumentNode && len(want.Content) == 1 && want.Content[0].Kind != yaml.ScalarNode {
				t.Errorf("%q: not converted", src)
			}
			continue
		}
		if err := sameNodes3(got, &want); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
}

// TestKinValueNodeEveryCharacter: every character of the Basic Multilingual Plane, and of the
// others every 251st and each plane's last two, in a string and in a key, is either handed to
// kin-openapi as the YAML parser reads it from encoding/json's JSON, or declined.
func TestKinValueNodeEveryCharacter(t *testing.T) {
	const block = 4096
	for start := rune(0); start <= utf8.MaxRune; start += block {
		m := map[string]any{}
		for r := start; r < start+block && r <= utf8.MaxRune; r++ {
			if r > 0xffff && r%251 != 0 && r&0xfffe != 0xfffe {
				continue
			}
			if utf8.ValidRune(r) {
				m[fmt.Sprintf("k%x", r)] = "a" + string(r) + "b"
				m[string(r)+fmt.Sprintf("%x", r)] = "key"
			}
		}
		data, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var doc yaml4.Node
		parsed := yaml4.Unmarshal(data, &doc) == nil
		at := map[string]int{}
		if parsed {
			for i, c := range doc.Content[0].Content {
				if i%2 == 0 {
					at[c.Value] = i
				}
			}
		}
		for k, v := range m {
			one := map[string]any{k: v}
			got, ok := kinValueNode(one)
			if !ok {
				continue
			}
			if !parsed {
				// The block holds a character the parser refuses: check this one alone.
				data, _ := json.Marshal(one)
				var d yaml4.Node
				if err := yaml4.Unmarshal(data, &d); err != nil {
					t.Errorf("%q: handed over, but the parser refuses it: %v", k, err)
					continue
				}
				if err := sameNodes4(got, d.Content[0]); err != nil {
					t.Errorf("%q: %v", k, err)
				}
				continue
			}
			i, found := at[k]
			if !found {
				t.Errorf("%q: the parser reads another key", k)
				continue
			}
			kn, vn := doc.Content[0].Content[i], doc.Content[0].Content[i+1]
			if err := sameNodes4(got.Content[0], kn); err != nil {
				t.Errorf("key %q: %v", k, err)
			}
			if err := sameNodes4(got.Content[1], vn); err != nil {
				t.Errorf("value of %q: %v", k, err)
			}
		}
	}
}

// FuzzOneParse checks the one-parse paths against the old ones on mutated specs: scanJSON
// against encoding/json's decoder, the converted yaml v4 tree against yaml.v3's parse, and the
// model kin-openapi decodes from the nodes against the one its loader builds from the bytes.
func FuzzOneParse(f *testing.F) {
	for _, p := range []string{
		"../../shared/real-specs/oai-learn/examples/v3.0/petstore.yaml",
		"../../shared/real-specs/oai-learn/examples/v3.0/callback-example.json",
		"../../shared/real-specs/oai-learn/examples/v3.1/webhook-example.yaml",
		"../../shared/real-specs/oai-learn/examples/v3.2/3.2-tags-example.yaml",
	} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data, strings.HasSuffix(p, ".json"))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		if diff := sameJSONParse(data); diff != "" {
			t.Fatalf("scanJSON: %s", diff)
		}
		var want yaml.Node
		if got := convertedV3(data); got != nil && yaml.Unmarshal(data, &want) == nil {
			if err := sameNodes3(got, &want); err != nil {
				t.Fatalf("converted tree: %v", err)
			}
		}
		name := "api.yaml"
		if asJSON {
			name = "api.json"
		}
		ctx := context.Background()
		src := NewSources(fstest.MapFS{name: {Data: data}}, nil)
		file, err := src.rootFile(name)
		if err != nil {
			return
		}
		if _, _, err := Reach(src, name); err != nil {
			return
		}
		fromNodes, err := kinFromNodes(ctx, src, file, name)
		if err != nil {
			return
		}
		fromBytes, _, err := kinLoadData(ctx, src, file, &url.URL{Path: "/" + name})
		if err != nil {
			t.Fatalf("the loader refuses what the nodes gave: %v", err)
		}
		a, errA := json.Marshal(fromNodes)
		b, errB := json.Marshal(fromBytes)
		if string(a) != string(b) || (errA == nil) != (errB == nil) {
			t.Fatalf("the models differ:\n%s\n%s", a, b)
		}
	})
}
