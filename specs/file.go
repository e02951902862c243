package specs

import (
	"encoding/json"
	"fmt"
	"github.com/specgate/specgate/internal/jsonptr"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
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
	// Value is the decoded document, repaired (see Repairs). Callers must not modify it.
	Value any
	// Repairs lists the defects found in the file and how Value differs from the file because
	// of them.
	Repairs []Repair

	root   *yaml.Node
	loaded []byte // what kin-openapi reads: Data, or Value re-encoded when repaired
}

func parseFile(p, name string, data []byte) (*File, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("spec file %s: %w", name, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	var value any
	if err := root.Decode(&value); err != nil {
		return nil, fmt.Errorf("spec file %s: %w", name, err)
	}
	value, err := normalize(value)
	if err != nil {
		return nil, fmt.Errorf("spec file %s: %w", name, err)
	}
	f := &File{Path: p, Name: name, Data: data, Value: value, root: root, loaded: data}
	f.repair()
	if len(f.Repairs) > 0 {
		if f.loaded, err = json.Marshal(f.Value); err != nil {
			return nil, fmt.Errorf("spec file %s: %w", name, err)
		}
	}
	return f, nil
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
	n := f.root
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
