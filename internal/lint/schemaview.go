package lint

import (
	"bytes"
	"io/fs"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// schemaView shows the Checker the spec files with the fields of a Parameter, Header,
// RequestBody or MediaType file's root that clash with JSON Schema keywords renamed.
//
// jsonschema/v5 compiles, and validates against the 2020-12 meta-schema, the root of every
// file before any schema inside it. A file that is a Parameter (name, in, required: true,
// schema) is correct OpenAPI, but its boolean "required" and its map of "examples" are no JSON
// Schema, so the schema at its #/schema could not be compiled: a false lint.schema.invalid on
// every such file. Renaming the two fields in the Checker's copy keeps every line where it is
// (findings and schema locations keep their lines) and changes nothing the schemas inside say.
type schemaView struct {
	fsys fs.FS
}

func (v schemaView) Open(name string) (fs.File, error) { return v.fsys.Open(name) }

// ReadFile reads the file and renames the clashing root fields.
func (v schemaView) ReadFile(name string) ([]byte, error) {
	data, err := fs.ReadFile(v.fsys, name)
	if err != nil {
		return nil, err
	}
	return renameRootClashes(data), nil
}

// renameRootClashes returns data with a root-level boolean "required", and a root-level map of
// "examples" beside a schema or content, renamed to x-specgate-required and
// x-specgate-examples. A schema's own required is a list and its examples a list, so a schema
// file is returned unchanged, as is anything that does not parse.
func renameRootClashes(data []byte) []byte {
	if !mayClash(data) {
		return data
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return data
	}
	root := doc.Content[0]
	holdsSchema := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := root.Content[i].Value; k == "schema" || k == "content" {
			holdsSchema = true
		}
	}
	var keys []*yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch {
		case k.Value == "required" && v.Kind == yaml.ScalarNode && v.Tag == "!!bool":
			keys = append(keys, k)
		case k.Value == "examples" && v.Kind == yaml.MappingNode && holdsSchema:
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return data
	}
	out := append([]byte(nil), data...)
	// Rename from the end, so that earlier offsets stay valid.
	for i := len(keys) - 1; i >= 0; i-- {
		off := offsetOf(out, keys[i].Line, keys[i].Column)
		if off < 0 {
			continue
		}
		if off < len(out) && out[off] == '"' || off < len(out) && out[off] == '\'' {
			off++
		}
		if !bytes.HasPrefix(out[off:], []byte(keys[i].Value)) {
			continue
		}
		out = append(out[:off], append([]byte("x-specgate-"), out[off:]...)...)
	}
	return out
}

// mayClash is a cheap test that spares parsing most files twice: in a block-style YAML file a
// root key starts a line at the indentation of the file's first key (SailPoint indents whole
// files); a JSON or flow-style file is parsed.
func mayClash(data []byte) bool {
	if !bytes.Contains(data, []byte("required")) && !bytes.Contains(data, []byte("examples")) {
		return false
	}
	indent := -1
	for line := range bytes.Lines(data) {
		body := bytes.TrimLeft(line, " ")
		if t := bytes.TrimSpace(body); len(t) == 0 || t[0] == '#' || bytes.HasPrefix(t, []byte("---")) {
			continue
		}
		if indent < 0 {
			if body[0] == '{' {
				return true
			}
			indent = len(line) - len(body)
		}
		if len(line)-len(body) != indent {
			continue
		}
		key := bytes.Trim(body, "\"'")
		if bytes.HasPrefix(key, []byte("required")) || bytes.HasPrefix(key, []byte("examples")) {
			return true
		}
	}
	return false
}

// offsetOf returns the byte offset of a 1-based line and column, -1 when there is none. The
// column is yaml.v3's, which counts runes.
func offsetOf(data []byte, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return -1
		}
		off += i + 1
	}
	for c := 1; c < col; c++ {
		if off >= len(data) || data[off] == '\n' {
			return -1
		}
		_, size := utf8.DecodeRune(data[off:])
		off += size
	}
	return off
}
