package specs

import (
	"encoding/json"
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/specgate/specgate/internal/jsonnum"
)

// Written returns the file as written, before any repair or inlined $ref, in the shapes
// encoding/json gives with UseNumber: objects with string keys, arrays, strings, json.Number,
// bools and nil. It is what decoding Data again would give (a YAML file as yaml.v3 decodes
// it, repeated keys refused, then as JSON), built from the file's parse instead: checking a
// document as written (lint's document schema) must not read and parse a 12 MB file twice.
// Each call returns a new value, the caller's to keep. A text file is its text.
func (f *File) Written() (any, error) {
	switch {
	case f.text:
		return string(f.Data), nil
	case f.root == nil:
		return nil, errors.New("the file has no parse")
	case f.isJSON:
		return writtenJSON(f.root)
	}
	var v any
	if err := f.root.Decode(&v); err != nil {
		return nil, err
	}
	v, err := normalize(v)
	if err != nil {
		return nil, err
	}
	// Numbers as JSON writes them (1.0 is 1), as json.Number: the round trip a YAML file's
	// value takes to be a JSON instance.
	return jsonnum.RoundTrip(v)
}

// writtenJSON builds the value of a JSON file from the nodes parseJSON made: a number is its
// text, as UseNumber keeps it, and a repeated key keeps its last value, as encoding/json does.
func writtenJSON(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := writtenJSON(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, e := range n.Content {
			v, err := writtenJSON(e)
			if err != nil {
				return nil, err
			}
			s[i] = v
		}
		return s, nil
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!str":
			return n.Value, nil
		case "!!int", "!!float":
			return json.Number(n.Value), nil
		case "!!bool":
			return n.Value == "true", nil
		case "!!null":
			return nil, nil
		}
	}
	return nil, fmt.Errorf("line %d: a node the JSON parse does not make (kind %d, tag %s)", n.Line, n.Kind, n.Tag)
}
