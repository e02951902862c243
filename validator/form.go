package validator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specgate/specgate/internal/schema"
)

// Form bodies (application/x-www-form-urlencoded and multipart/form-data) are checked against
// their schema as the object they stand for, the way OpenAPI describes them: each field is a
// property, its text read as the property's type says (numbers and booleans parsed, a repeated
// field or an array property a list, a multipart part of an object property JSON). Text that
// does not parse stays a string, so that the schema's type keyword reports it.

// Media types of the form bodies the validator checks.
const (
	mediaForm      = "application/x-www-form-urlencoded"
	mediaMultipart = "multipart/form-data"
)

// ChecksMediaType reports whether the validator checks a body of this media type against its
// schema: JSON (application/json, any +json type, text/json) and the two form types. A body of
// another type is matched to its documented media type and not checked further.
func ChecksMediaType(contentType string) bool {
	t := mediaType(contentType)
	return isJSON(t) || t == mediaForm || t == mediaMultipart
}

// formField is what decoding needs of one property of a form body's schema.
type formField struct {
	types, items []string
}

// formFields reads the properties of a form body's schema (allOf parts included).
func formFields(s *openapi3.Schema) map[string]formField {
	out := map[string]formField{}
	var walk func(s *openapi3.Schema, depth int)
	walk = func(s *openapi3.Schema, depth int) {
		if s == nil || depth > 8 {
			return
		}
		for name, p := range s.Properties {
			if p == nil || p.Value == nil {
				continue
			}
			f := formField{types: p.Value.Type.Slice()}
			if it := p.Value.Items; it != nil && it.Value != nil {
				f.items = it.Value.Type.Slice()
			}
			out[name] = f
		}
		for _, part := range s.AllOf {
			if part != nil {
				walk(part.Value, depth+1)
			}
		}
	}
	walk(s, 0)
	return out
}

// decodeForm turns a form body into the object it stands for; an error says why the body is
// not a well-formed form.
func decodeForm(typ, contentType string, data []byte, fields map[string]formField) (map[string]any, error) {
	raw := map[string][]string{}
	var order []string
	add := func(name, value string) {
		if _, ok := raw[name]; !ok {
			order = append(order, name)
		}
		raw[name] = append(raw[name], value)
	}
	switch typ {
	case mediaForm:
		vals, err := url.ParseQuery(string(data))
		if err != nil {
			// The parse error quotes the body's text, which a message never carries.
			return nil, errors.New("a field has a malformed percent-escape or a semicolon")
		}
		for name, vs := range vals {
			for _, v := range vs {
				add(name, v)
			}
		}
	case mediaMultipart:
		_, params, err := mime.ParseMediaType(contentType)
		if err != nil || params["boundary"] == "" {
			return nil, errors.New("the multipart body's Content-Type names no boundary")
		}
		r := multipart.NewReader(bytes.NewReader(data), params["boundary"])
		for {
			p, err := r.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("the multipart body is not well-formed: %v", err)
			}
			b, err := io.ReadAll(p)
			if err != nil {
				return nil, fmt.Errorf("the multipart body is not well-formed: %v", err)
			}
			add(p.FormName(), string(b))
		}
	}
	out := make(map[string]any, len(raw))
	for _, name := range order {
		vs := raw[name]
		f := fields[name]
		switch {
		case slices.Contains(f.types, "array"):
			items := make([]any, len(vs))
			for i, v := range vs {
				items[i] = formValue(v, f.items)
			}
			out[name] = items
		case len(vs) > 1:
			items := make([]any, len(vs))
			for i, v := range vs {
				items[i] = formValue(v, f.types)
			}
			out[name] = items
		default:
			out[name] = formValue(vs[0], f.types)
		}
	}
	return out, nil
}

// formValue reads one field's text as types say: an object as JSON, numbers and booleans
// parsed; text that does not parse stays a string.
func formValue(s string, types []string) any {
	if slices.Contains(types, "object") && strings.HasPrefix(strings.TrimSpace(s), "{") {
		if v, issues, err := schema.Decode([]byte(s)); err == nil && len(issues) == 0 {
			return v
		}
	}
	return scalar(s, types)
}
