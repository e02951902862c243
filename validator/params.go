package validator

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/specgate/specgate/internal/schema"
)

// paramValue reads a parameter from the request and turns its text into the JSON value its
// schema describes: numbers and booleans are parsed, arrays split by their style. Text that does
// not parse stays a string, so that the schema's type keyword reports it.
func (p *param) value(r *Request, pathParams map[string]string) (any, bool) {
	var raw []string
	switch p.in {
	case "path":
		v, ok := pathParams[p.name]
		if !ok {
			return nil, false
		}
		raw = []string{v}
	case "query":
		if r.URL == nil {
			return nil, false
		}
		q := r.URL.Query()
		if !q.Has(p.name) {
			return nil, false
		}
		raw = q[p.name]
	case "header":
		vals := r.Header.Values(p.name)
		if len(vals) == 0 {
			return nil, false
		}
		raw = []string{strings.Join(vals, ",")}
	case "cookie":
		c, err := (&http.Request{Header: r.Header}).Cookie(p.name)
		if err != nil {
			return nil, false
		}
		raw = []string{c.Value}
	}
	return p.decode(raw), true
}

// headerValue is value for a response header.
func (p *param) headerValue(h http.Header) (any, bool) {
	vals := h.Values(p.name)
	if len(vals) == 0 {
		return nil, false
	}
	return p.decode([]string{strings.Join(vals, ",")}), true
}

func (p *param) decode(raw []string) any {
	if slices.Contains(p.types, "array") {
		var parts []string
		switch {
		case p.in == "query" && p.explode:
			parts = raw
		default:
			sep := ","
			switch p.style {
			case "spaceDelimited":
				sep = " "
			case "pipeDelimited":
				sep = "|"
			}
			for _, r := range raw {
				parts = append(parts, strings.Split(r, sep)...)
			}
		}
		out := make([]any, len(parts))
		for i, s := range parts {
			out[i] = scalar(s, p.items)
		}
		return out
	}
	return scalar(raw[len(raw)-1], p.types)
}

func scalar(s string, types []string) any {
	switch {
	case slices.Contains(types, "integer") || slices.Contains(types, "number"):
		// The body decoder's limits apply: an exponent of a billion stays text.
		if v, issues, err := schema.Decode([]byte(s)); err == nil && len(issues) == 0 {
			if n, ok := v.(json.Number); ok {
				return n
			}
		}
	case slices.Contains(types, "boolean"):
		switch s {
		case "true":
			return true
		case "false":
			return false
		}
	}
	return s
}
