package schema

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	jsonschema "github.com/specgate/specgate/internal/third_party/jsonschema"
)

// Documents compiles whole JSON Schema documents as they are written, in the draft their $schema
// names: the official OpenAPI document schemas that lint checks documents against, say. They are
// evaluated by jsonschema/v5 alone, and their failures are its error tree (ValidationError),
// with its messages: no spec file lies behind them to locate. A pattern, and the format regex,
// are ECMA-262 as everywhere in the engine. Documents is not safe for concurrent use; the
// Documents it compiles are.
type Documents struct {
	c *jsonschema.Compiler
}

// NewDocuments returns an empty set; references outside the documents added are refused.
func NewDocuments() *Documents {
	c := jsonschema.NewCompiler()
	c.Formats["regex"] = func(v any) bool {
		s, ok := v.(string)
		return !ok || CheckPattern(s) == nil
	}
	c.LoadURL = func(s string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("%s is not one of the documents", s)
	}
	return &Documents{c: c}
}

// Add adds the JSON document data under url.
func (d *Documents) Add(url string, data []byte) error {
	return d.c.AddResource(url, bytes.NewReader(data))
}

// Compile compiles the schema at url, a document added or a fragment of one.
func (d *Documents) Compile(url string) (*Document, error) {
	s, err := d.c.Compile(url)
	if err != nil {
		return nil, err
	}
	return &Document{s: s}, nil
}

// Document is a compiled schema of Documents. It is immutable and safe for concurrent use.
type Document struct {
	s *jsonschema.Schema
}

// ValidationError is jsonschema/v5's account of a failure: a tree whose leaves are the failed
// keywords.
type ValidationError struct {
	KeywordLocation         string // the keyword's path from the root, through $refs
	AbsoluteKeywordLocation string // the keyword's absolute location
	InstanceLocation        string // JSON pointer into the instance
	Message                 string
	Causes                  []*ValidationError
}

// Validate returns nil when v is valid against d, else the failure tree. The error is one that
// kept v from being evaluated (an infinite $ref loop).
func (d *Document) Validate(v any) (*ValidationError, error) {
	err := d.s.Validate(v)
	if err == nil {
		return nil, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, err
	}
	return tree(ve), nil
}

func tree(ve *jsonschema.ValidationError) *ValidationError {
	t := &ValidationError{KeywordLocation: ve.KeywordLocation, AbsoluteKeywordLocation: ve.AbsoluteKeywordLocation,
		InstanceLocation: ve.InstanceLocation, Message: ve.Message}
	for _, c := range ve.Causes {
		t.Causes = append(t.Causes, tree(c))
	}
	return t
}
