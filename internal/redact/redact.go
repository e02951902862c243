// Package redact is the one place that decides what counts as a secret in HTTP traffic and
// replaces it: report writers use it for the URLs they show, the proxy for its logs and
// recordings. Replacements keep the shape a validator checks (an Authorization header keeps its
// scheme word, a cookie its name, a JSON string stays a string) so that a redacted recording
// reaches the same verdict as the traffic it was made from, without the secret.
//
// Every function is safe for concurrent use and never modifies its arguments.
package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// Mask is what a secret is replaced with.
const Mask = "REDACTED"

// The values of names in sensitiveNames, or with a name containing one of sensitiveParts
// (compared in lower case without '-', '_', '.' and spaces), are secrets.
var (
	sensitiveNames = []string{"key", "sig", "code", "pass", "pwd", "jwt"}
	sensitiveParts = []string{"token", "secret", "password", "passwd", "apikey", "auth", "signature", "session", "credential", "privatekey"}
)

var normalizer = strings.NewReplacer("-", "", "_", "", ".", "", " ", "")

// Sensitive reports whether a value named name (a query parameter, header, JSON property or
// attribute name) is a secret: "password", "Authorization", "X-Api-Key", "access_token", ...
func Sensitive(name string) bool {
	n := strings.ToLower(normalizer.Replace(name))
	for _, s := range sensitiveNames {
		if n == s {
			return true
		}
	}
	for _, s := range sensitiveParts {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// RawQuery returns an encoded query string with the values of sensitive parameters replaced
// by Mask; everything else keeps its bytes and order.
func RawQuery(q string) string {
	if q == "" {
		return q
	}
	parts := strings.Split(q, "&")
	changed := false
	for i, part := range parts {
		name, _, hasValue := strings.Cut(part, "=")
		if !hasValue {
			continue
		}
		if n, err := url.QueryUnescape(name); err == nil && Sensitive(n) {
			parts[i] = name + "=" + Mask
			changed = true
		}
	}
	if !changed {
		return q
	}
	return strings.Join(parts, "&")
}

// URL returns a copy of u without the password of its user information and with sensitive
// query values masked.
func URL(u *url.URL) *url.URL {
	if u == nil {
		return nil
	}
	c := *u
	if c.User != nil {
		if _, has := c.User.Password(); has {
			c.User = url.UserPassword(c.User.Username(), Mask)
		}
	}
	c.RawQuery = RawQuery(c.RawQuery)
	return &c
}

// Target returns the path and query of u as reports and logs show it: no scheme, host or user
// information, and the values of credential-like query parameters masked.
func Target(u *url.URL) string {
	if u == nil {
		return ""
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery == "" {
		return p
	}
	return p + "?" + RawQuery(u.RawQuery)
}

// Header returns a copy of h with secrets masked: Authorization and Proxy-Authorization keep
// their scheme word ("Basic REDACTED"), Cookie keeps each cookie's name ("sid=REDACTED"),
// Set-Cookie keeps the name and the attributes ("sid=REDACTED; Path=/; HttpOnly"), and any other
// header whose name is Sensitive is replaced whole.
func Header(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for name, values := range h {
		vs := make([]string, len(values))
		for i, v := range values {
			vs[i] = headerValue(http.CanonicalHeaderKey(name), v)
		}
		out[name] = vs
	}
	return out
}

func headerValue(name, v string) string {
	switch name {
	case "Authorization", "Proxy-Authorization":
		scheme, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
		if strings.TrimSpace(rest) == "" {
			return Mask
		}
		return scheme + " " + Mask
	case "Cookie":
		parts := strings.Split(v, ";")
		for i, p := range parts {
			cname, _, _ := strings.Cut(strings.TrimSpace(p), "=")
			parts[i] = cname + "=" + Mask
		}
		return strings.Join(parts, "; ")
	case "Set-Cookie":
		first, attrs, hasAttrs := strings.Cut(v, ";")
		cname, _, _ := strings.Cut(strings.TrimSpace(first), "=")
		if hasAttrs {
			return cname + "=" + Mask + ";" + attrs
		}
		return cname + "=" + Mask
	}
	if Sensitive(name) {
		return Mask
	}
	return v
}

// Body returns body with its secrets masked, according to its media type: in JSON, the string
// value of every property whose name is Sensitive, and the string "value" of every object whose
// "name" is Sensitive (the name/value attribute pairs of OIG: {"name": "Password", "value": ...});
// in an application/x-www-form-urlencoded body, the values of sensitive fields. Every other
// byte is kept, so the body keeps its layout. A body that cannot be parsed is returned as is,
// as is one of another media type: nothing identifies a secret in it.
func Body(contentType string, body []byte) []byte {
	if len(body) == 0 {
		return body
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	switch {
	case mt == "application/x-www-form-urlencoded":
		return []byte(RawQuery(string(body)))
	case mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "":
		out, err := jsonBody(body)
		if err != nil {
			return body
		}
		return out
	}
	return body
}

// span is the byte range of a JSON string value to mask.
type span struct{ start, end int64 }

// member is what jsonBody remembers of one object while it is being read.
type member struct {
	name      string // the string value of the object's "name" property
	value     span   // the span of the object's "value" property, when it is a string
	haveValue bool
}

// jsonBody masks secrets in a JSON document by replacing string tokens in place.
func jsonBody(body []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var spans []span
	// stack holds, per open container, whether it is an object, the key being read and the
	// name/value pair seen so far.
	type frame struct {
		object   bool
		secret   bool // every string inside is masked: the container is a sensitive value
		key      string
		expectKV bool // the next token in this object is a key
		m        member
	}
	var stack []*frame
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.expectKV {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				if top.m.haveValue && Sensitive(top.m.name) {
					spans = append(spans, top.m.value)
				}
				continue
			}
			top.key, _ = tok.(string)
			top.expectKV = false
			continue
		}
		// tok is a value: in an array, at the top level, or of top.key.
		if top != nil && top.object {
			top.expectKV = true
		}
		secret := top != nil && (top.secret || top.object && Sensitive(top.key))
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, &frame{object: true, expectKV: true, secret: secret})
			case '[':
				stack = append(stack, &frame{secret: secret})
			case ']':
				stack = stack[:len(stack)-1]
			}
		case string:
			if top == nil {
				continue
			}
			sp := span{start: stringStart(body, before), end: dec.InputOffset()}
			switch {
			case secret:
				spans = append(spans, sp)
			case !top.object:
			case top.key == "name":
				top.m.name = v
			case top.key == "value":
				top.m.value, top.m.haveValue = sp, true
			}
		}
	}
	if len(spans) == 0 {
		return body, nil
	}
	var out bytes.Buffer
	out.Grow(len(body))
	last := int64(0)
	for _, sp := range sortSpans(spans) {
		out.Write(body[last:sp.start])
		out.WriteString(`"` + Mask + `"`)
		last = sp.end
	}
	out.Write(body[last:])
	return out.Bytes(), nil
}

// stringStart finds the opening quote of the string token that follows offset from.
func stringStart(body []byte, from int64) int64 {
	i := bytes.IndexByte(body[from:], '"')
	return from + int64(i)
}

// sortSpans orders spans by start; an object's name/value span is only known at its end, so
// spans arrive out of order.
func sortSpans(s []span) []span {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].start < s[j-1].start; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}
