package specs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	yaml4 "go.yaml.in/yaml/v4"
	"gopkg.in/yaml.v3"

	"github.com/specgate/specgate/internal/jsonptr"
)

// File is one parsed spec file: its bytes, its YAML node tree (which knows lines) and the same
// tree as plain Go values (map[string]any, []any, string, float64, int, bool, nil).
type File struct {
	// Path is the file's path inside its Sources.
	Path string
	// Name is the file's display name.
	Name string
	// Data is the file as read.
	Data []byte
	// Value is the decoded document, repaired (see Findings). Callers must not modify it.
	// A text file (Markdown, plain text, HTML) is its text, a string.
	Value any
	// Findings lists the defects found in the file and how Value differs from the file because
	// of them.
	Findings []Finding

	root *yaml.Node
	// json marks a file parsed as JSON.
	isJSON bool
	// text marks a file that is text, not YAML or JSON: what a Redocly-style $ref to a
	// Markdown file inlines.
	text bool
	// modified says Value differs from Data, so kin-openapi must read Value re-encoded.
	modified bool
	// fixed says the lenient pass over the file's references ran (see fix.go).
	fixed bool
	// noNulls says the file as parsed holds no null value (JSON bytes that never spell null, a
	// YAML tree without a null scalar), so the null-schema pass has nothing to do.
	noNulls bool
	// refErrs are the $refs of the file that do not resolve, found by the lenient pass.
	refErrs []RefError
	// lineOf, when set, maps a pointer of Value to a line of another file: a Swagger 2.0
	// document's converted form reports the lines of the 2.0 file.
	lineOf func(ptr string) int
	// loadMu guards loaded, which concurrent loads of documents sharing the file may fill.
	loadMu sync.Mutex
	// refs are the file's $refs as written, noted at parse.
	refs []string
	// kept are the $refs the lenient pass left in place (those written, and those of what it
	// inlined), the ones kin-openapi will follow.
	kept []string
	// patches are misplaced $refs only kin-openapi's view inlines, kin that view (see
	// Sources.kinView); nil when kin-openapi reads Value as it is.
	patches []kinPatch
	kin     any
	loaded  []byte
	// kin4 is a root YAML file's document node as yaml v4 parsed it, until kin-openapi decodes
	// its model from it (see kinnodes.go).
	kin4 *yaml4.Node
	// dups are the repeated keys the parse met, until duplicates reports them.
	dups []dupKey
}

// textExts are the extensions of files read as text: Redocly inlines them where a $ref names
// them in a description.
var textExts = map[string]bool{".md": true, ".markdown": true, ".txt": true, ".html": true, ".htm": true}

// parseFile parses the file at p; root says it is read as a document's root, whose parse
// kin-openapi may reuse (see kinnodes.go).
func parseFile(p, name string, data []byte, root bool) (f *File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("spec file %s cannot be parsed (the parser failed: %v)", name, r)
		}
	}()
	f = &File{Path: p, Name: name, Data: data}
	ext := strings.ToLower(path.Ext(p))
	if textExts[ext] {
		f.text, f.Value = true, string(data)
		return f, nil
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	switch {
	case ext == ".json":
		f.Value, f.root, f.dups, err = parseJSON(data)
		if err != nil {
			return nil, fmt.Errorf("spec file %s: %w", name, err)
		}
		f.isJSON = true
	case len(trimmed) > 0 && trimmed[0] == '{':
		// JSON in a file not named .json; YAML reads most JSON too, but not all of it (a
		// surrogate-pair escape), so JSON goes first.
		f.isJSON = true
		if f.Value, f.root, f.dups, err = parseJSON(data); err != nil {
			f.isJSON = false
			if f.Value, f.root, f.dups, err = parseYAML(data); err != nil {
				return nil, fmt.Errorf("spec file %s: %w", name, err)
			}
		}
	case root && !swagger2Field(data):
		var nulls bool
		if f.Value, f.root, f.dups, f.kin4, nulls, err = parseYAMLRoot(data); err != nil {
			return nil, fmt.Errorf("spec file %s: %w", name, err)
		}
		f.noNulls = !nulls
	default:
		var nulls bool
		if f.Value, f.root, f.dups, nulls, err = parseYAMLNulls(data); err != nil {
			return nil, fmt.Errorf("spec file %s: %w", name, err)
		}
		f.noNulls = !nulls
	}
	if f.isJSON {
		// A JSON null is spelled null: bytes without one (in a string or not) hold none.
		f.noNulls = !bytes.Contains(data, []byte("null"))
	}
	f.duplicates()
	f.repair()
	return f, nil
}

// swagger2Field reports whether data has a top-level swagger field, as the regular expression
// (?m)^swagger\s*: finds it: a Swagger 2.0 root is converted, never handed to kin-openapi's
// loader as nodes, so yaml.v3 alone parses it. Written out, since the regular expression's
// line-start search cost a tiny root more than parsing its last line.
func swagger2Field(data []byte) bool {
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte("swagger"))
		if j < 0 {
			return false
		}
		at := i + j
		i = at + len("swagger")
		if at > 0 && data[at-1] != '\n' {
			continue
		}
		k := i
		// RE2's \s: tab, newline, form feed, carriage return, space.
		for k < len(data) && strings.IndexByte("\t\n\f\r ", data[k]) >= 0 {
			k++
		}
		if k < len(data) && data[k] == ':' {
			return true
		}
	}
}

func parseYAML(data []byte) (any, *yaml.Node, []dupKey, error) {
	value, root, dups, _, err := parseYAMLNulls(data)
	return value, root, dups, err
}

// parseYAMLNulls is parseYAML that also tells whether the value may hold a null (yamlValue).
func parseYAMLNulls(data []byte) (any, *yaml.Node, []dupKey, bool, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, nil, true, err
	}
	return yamlValue(&doc)
}

// yamlValue builds the value of a parsed YAML document and returns it with the document's
// root node, the keys it repeats, and whether the value may hold a null (false only when the
// builder saw every scalar and none was one).
func yamlValue(doc *yaml.Node) (any, *yaml.Node, []dupKey, bool, error) {
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	var b valueBuilder
	if value, ok := b.value(root); ok {
		return value, root, b.dups, b.nulls, nil
	}
	// What the builder leaves to yaml.v3's decoder: aliases, merge keys, keys that are not
	// plain strings or numbers.
	var value any
	if err := root.Decode(&value); err != nil {
		return nil, nil, nil, true, err
	}
	value, err := normalize(value)
	if err != nil {
		return nil, nil, nil, true, err
	}
	return value, root, nil, true, nil
}

// dupKey is a key a mapping of a file repeats: ptr is the mapping's member, line the line of
// the repetition, first the line of the key's first occurrence.
type dupKey struct {
	ptr         string
	line, first int
}

// firstKeyLine is the line of the first key k among the keys and values of a mapping node's
// content; 0 where there is none.
func firstKeyLine(content []*yaml.Node, k string) int {
	for j := 0; j < len(content); j += 2 {
		if content[j].Value == k {
			return content[j].Line
		}
	}
	return 0
}

// duplicates reports each repeated key of the file. yaml.v3 and kin-openapi refuse a YAML
// mapping that repeats a key, and Redocly does too; encoding/json (and so kin-openapi for JSON)
// keeps the last value. specgate keeps the last value for both, and says so: kin-openapi then
// reads the file's Value, without the repetition.
func (f *File) duplicates() {
	for _, d := range f.dups {
		f.modified = true
		f.Findings = append(f.Findings, Finding{Rule: RuleKeyDuplicate, Level: LevelOf(RuleKeyDuplicate), File: f.Name, Pointer: d.ptr, Line: d.line,
			Message: fmt.Sprintf("key %q is repeated (first on line %d); the last value is read, as JSON parsers read it", jsonptr.Unescape(d.ptr[strings.LastIndex(d.ptr, "/")+1:]), d.first)})
	}
	f.dups = nil
}

// nodeValue builds the plain value of a parsed YAML node as yaml.v3's Decode into an any
// followed by normalize would, without the decoder's reflection: most of what a parse cost
// besides the parse itself. It reports false for what it leaves to the decoder; a repeated key
// is not refused (the last value is kept).
func nodeValue(n *yaml.Node) (any, bool) {
	var b valueBuilder
	return b.value(n)
}

// valueBuilder builds values from nodes, noting the repeated keys it meets.
type valueBuilder struct {
	path []string
	dups []dupKey
	// nulls says a value built holds a null.
	nulls bool
}

// pointer is the pointer of the member key of the mapping at b.path (escaped tokens).
func (b *valueBuilder) pointer(key string) string {
	if len(b.path) == 0 {
		return jsonptr.Join("", key)
	}
	return jsonptr.Join("/"+strings.Join(b.path, "/"), key)
}

func (b *valueBuilder) value(n *yaml.Node) (any, bool) {
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || !plainKey(k) {
				return nil, false
			}
			if _, dup := m[k.Value]; dup {
				b.dups = append(b.dups, dupKey{ptr: b.pointer(k.Value), line: k.Line, first: firstKeyLine(n.Content[:i], k.Value)})
			}
			b.path = append(b.path, jsonptr.Escape(k.Value))
			v, ok := b.value(n.Content[i+1])
			b.path = b.path[:len(b.path)-1]
			if !ok {
				return nil, false
			}
			m[k.Value] = v
		}
		return m, true
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, e := range n.Content {
			b.path = append(b.path, strconv.Itoa(i))
			v, ok := b.value(e)
			b.path = b.path[:len(b.path)-1]
			if !ok {
				return nil, false
			}
			s[i] = v
		}
		return s, true
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return n.Value, true
		case "!!null":
			b.nulls = true
			return nil, true
		case "!!bool":
			// The core schema's spellings only: yaml.v3 resolves nothing else to !!bool.
			return n.Value == "true" || n.Value == "True" || n.Value == "TRUE", true
		case "!!int":
			if i, err := strconv.ParseInt(n.Value, 10, 0); err == nil && decimal(n.Value) {
				return int(i), true
			}
		case "!!float":
			if f, err := strconv.ParseFloat(n.Value, 64); err == nil && decimal(n.Value) {
				return f, true
			}
		}
		// Other numbers (0x1F, 1_000, .inf), timestamps, binary: YAML's rules for them are the
		// decoder's.
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, false
		}
		if v == nil {
			b.nulls = true
		}
		switch v.(type) {
		case map[string]any, map[any]any, []any:
			return nil, false
		}
		return v, true
	}
	return nil, false
}

// decimal reports whether s is written with digits, a sign, a point and an exponent only, as
// strconv and YAML read alike.
func decimal(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E' {
			return false
		}
	}
	return s != ""
}

// plainKey reports whether a mapping key's text is what normalize would make of the decoded
// key: a string, or a decimal integer such as a response code.
func plainKey(k *yaml.Node) bool {
	switch k.ShortTag() {
	case "!!str":
		return true
	case "!!int":
		for i, c := range k.Value {
			if c < '0' || c > '9' || (i == 0 && c == '0' && len(k.Value) > 1) {
				return false
			}
		}
		return k.Value != ""
	}
	return false
}

// loaderData is what kin-openapi's loader reads for the file: the file itself, or its
// repaired Value as JSON. JSON files are always given as JSON re-encoded by encoding/json,
// because kin-openapi reads JSON with a YAML parser, which refuses some legal JSON (a
// surrogate-pair escape).
func (f *File) loaderData() ([]byte, error) {
	f.loadMu.Lock()
	defer f.loadMu.Unlock()
	if f.loaded != nil {
		return f.loaded, nil
	}
	if !f.modified && !f.isJSON {
		f.loaded = f.Data
		return f.loaded, nil
	}
	v := f.Value
	if f.kin != nil {
		v = f.kin
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("spec file %s: %w", f.Name, err)
	}
	f.loaded = data
	return data, nil
}

// LoaderData returns the bytes a kin-openapi loader should read for the file: the file as
// written, or, when it needed repairs or is JSON, its Value encoded as JSON.
func (f *File) LoaderData() ([]byte, error) { return f.loaderData() }

// Modified reports whether Value differs from the file as written because of repairs.
func (f *File) Modified() bool { return f.modified }

// parseJSON decodes JSON as encoding/json does and builds the same yaml.Node tree the YAML
// parser would, so that File.Line works alike for both. Syntax errors are told in JSON's words
// with their line and column.
func parseJSON(data []byte) (any, *yaml.Node, []dupKey, error) {
	if utf8.Valid(data) {
		if v, root, dups, ok := scanJSON(data); ok {
			return v, root, dups, nil
		}
	}
	return parseJSONTokens(data)
}

// parseJSONTokens is parseJSON by encoding/json's decoder, token by token: what the errors are
// told from, and what scanJSON is compared with.
func parseJSONTokens(data []byte) (any, *yaml.Node, []dupKey, error) {
	var keys valueBuilder
	lines := lineStarts(data)
	at := func(off int64) (int, int) {
		i := sort.Search(len(lines), func(i int) bool { return lines[i] > int(off) }) - 1
		if i < 0 {
			i = 0
		}
		return i + 1, int(off) - lines[i] + 1
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	syntax := func(err error) error {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			l, c := at(se.Offset)
			return fmt.Errorf("line %d, column %d: %s", l, c, se.Error())
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			l, c := at(int64(len(data)))
			return fmt.Errorf("line %d, column %d: unexpected end of JSON input", l, c)
		}
		return err
	}
	var build func(tok json.Token, depth int) (any, *yaml.Node, error)
	build = func(tok json.Token, depth int) (any, *yaml.Node, error) {
		line, col := at(dec.InputOffset() - 1)
		if depth > 10000 {
			return nil, nil, fmt.Errorf("line %d, column %d: JSON nested more than 10000 deep", line, col)
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle, Line: line, Column: col}
				m := map[string]any{}
				for dec.More() {
					kt, err := dec.Token()
					if err != nil {
						return nil, nil, syntax(err)
					}
					k, ok := kt.(string)
					if !ok {
						return nil, nil, fmt.Errorf("line %d: object key is not a string", line)
					}
					kl, kc := at(dec.InputOffset() - 1)
					if _, dup := m[k]; dup {
						keys.dups = append(keys.dups, dupKey{ptr: keys.pointer(k), line: kl, first: firstKeyLine(n.Content, k)})
					}
					vt, err := dec.Token()
					if err != nil {
						return nil, nil, syntax(err)
					}
					keys.path = append(keys.path, jsonptr.Escape(k))
					v, vn, err := build(vt, depth+1)
					keys.path = keys.path[:len(keys.path)-1]
					if err != nil {
						return nil, nil, err
					}
					m[k] = v
					n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k, Line: kl, Column: kc}, vn)
				}
				if _, err := dec.Token(); err != nil {
					return nil, nil, syntax(err)
				}
				return m, n, nil
			case '[':
				n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle, Line: line, Column: col}
				s := []any{}
				for dec.More() {
					et, err := dec.Token()
					if err != nil {
						return nil, nil, syntax(err)
					}
					keys.path = append(keys.path, strconv.Itoa(len(s)))
					v, vn, err := build(et, depth+1)
					keys.path = keys.path[:len(keys.path)-1]
					if err != nil {
						return nil, nil, err
					}
					s = append(s, v)
					n.Content = append(n.Content, vn)
				}
				if _, err := dec.Token(); err != nil {
					return nil, nil, syntax(err)
				}
				return s, n, nil
			}
			return nil, nil, fmt.Errorf("line %d, column %d: unexpected %q", line, col, t)
		case string:
			return t, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t, Line: line, Column: col}, nil
		case json.Number:
			n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: string(t), Line: line, Column: col}
			if i, err := strconv.Atoi(string(t)); err == nil {
				n.Tag = "!!int"
				return i, n, nil
			}
			f, err := t.Float64()
			if err != nil {
				return nil, nil, fmt.Errorf("line %d, column %d: number %s is out of range", line, col, t)
			}
			return f, n, nil
		case bool:
			return t, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(t), Line: line, Column: col}, nil
		case nil:
			return nil, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null", Line: line, Column: col}, nil
		}
		return nil, nil, fmt.Errorf("line %d, column %d: unexpected token", line, col)
	}
	if !utf8.Valid(data) {
		return nil, nil, nil, errors.New("the file is not UTF-8 text")
	}
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil, nil, nil, errors.New("the file is empty")
	}
	if err != nil {
		return nil, nil, nil, syntax(err)
	}
	v, root, err := build(tok, 0)
	if err != nil {
		return nil, nil, nil, err
	}
	// The decoder would read what follows as a new value, with offsets of its own.
	rest := data[dec.InputOffset():]
	if trimmed := bytes.TrimLeft(rest, " \t\r\n"); len(trimmed) > 0 {
		l, c := at(int64(len(data) - len(trimmed)))
		r, _ := utf8.DecodeRune(trimmed)
		return nil, nil, nil, fmt.Errorf("line %d, column %d: invalid character %q after top-level value", l, c, r)
	}
	return v, root, keys.dups, nil
}

func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, b := range data {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// normalize turns YAML's map[string]any (and the rare map[any]any of non-string keys) into the
// JSON shapes JSON Schema validators expect.
func normalize(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			t[k] = n
		}
		return t, nil
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			m[fmt.Sprint(k)] = n
		}
		return m, nil
	case []any:
		for i, e := range t {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			t[i] = n
		}
		return t, nil
	default:
		return v, nil
	}
}

// Line returns the 1-based line of the value at the JSON pointer ptr ("" or "/a/b"), or of the
// deepest part of ptr that exists in the file, or 0 when not even the first token exists.
func (f *File) Line(ptr string) int {
	if f.lineOf != nil {
		return f.lineOf(ptr)
	}
	return nodeLine(f.root, ptr)
}

func nodeLine(n *yaml.Node, ptr string) int {
	line := 0
	if n != nil {
		line = n.Line
	}
	if ptr == "" {
		return line
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = jsonptr.Unescape(tok)
		for n != nil && n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		if n == nil {
			return line
		}
		switch n.Kind {
		case yaml.MappingNode:
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == tok {
					line = n.Content[i].Line
					next = n.Content[i+1]
					break
				}
			}
			if next == nil {
				return line
			}
			n = next
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.Content) {
				return line
			}
			n = n.Content[i]
			line = n.Line
		default:
			return line
		}
	}
	return line
}

// decodeJSONValue decodes JSON known to be well formed and free of duplicate keys (what
// encoding/json wrote) into the values parseJSON gives: int for integral numbers in range,
// float64 for the others.
func decodeJSONValue(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return jsonNumbers(v)
}

func jsonNumbers(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			n, err := jsonNumbers(e)
			if err != nil {
				return nil, err
			}
			t[k] = n
		}
	case []any:
		for i, e := range t {
			n, err := jsonNumbers(e)
			if err != nil {
				return nil, err
			}
			t[i] = n
		}
	case json.Number:
		if i, err := strconv.Atoi(string(t)); err == nil {
			return i, nil
		}
		f, err := t.Float64()
		if err != nil {
			return nil, fmt.Errorf("number %s is out of range", t)
		}
		return f, nil
	}
	return v, nil
}
