// Package redact is the one place that decides what counts as a secret in HTTP traffic and
// replaces it: report writers use it for the URLs and bodies they show, the proxy for its logs
// and recordings. Replacements keep the shape a validator checks (an Authorization header keeps
// its scheme word, a cookie its name, a JSON string stays a string, a number a number) so that a
// redacted recording reaches the same verdict as the traffic it was made from, without the
// secret, as long as the secret's own value was not what broke the spec.
//
// What is a secret is decided by the name the value goes by (a header, query parameter, form
// field, JSON property, cookie, or the "name" of a name/value pair), by a rule over families of
// words rather than a list of exact names; see Sensitive.
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
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Mask is what a secret string is replaced with; a secret number becomes 0.
const Mask = "REDACTED"

// The rule of Sensitive. A name is split into lower-case words (at punctuation, spaces and
// camel-case humps: "X-Api-Key", "apiKey" and "APIKey" all give "api", "key") and is a secret
// when
//   - the words run together contain one of secretRuns ("newPassword", "PHPSESSID",
//     "csrfmiddlewaretoken", "X-Amz-Security-Token"), or
//   - one word is one of secretWords ("pin", "X-Functions-Key", "_csrf", "otp_code"), or starts
//     with one of secretPrefixes ("Passwort", "authkey"), or ends in "key" without being an
//     English word that does ("subscriptionkey", but not "monkey"), or
//   - the whole name is one of secretNames ("code", OAuth's authorization code).
//
// Words, not substrings, so that "passenger_count", "compass", "author", "spinner" and "keyboard"
// keep their values; the price is that a name is judged by its words alone, so a value that is
// no secret under a secret-sounding name ("session_count": "3", "token_type": "Bearer",
// "signature_algorithm") is masked too. Masking too much costs a value shown as REDACTED;
// masking too little leaks a credential into a report or a recording that is shared.
var (
	secretRuns = []string{"password", "passwd", "passphrase", "passcode", "secret", "token",
		"credential", "signature", "session", "sessid", "apikey", "privatekey", "authoriz",
		"authentic", "jwt", "pincode"}
	secretWords = []string{"key", "pass", "pwd", "pw", "pin", "otp", "totp", "hotp", "mfa", "sig",
		"auth", "authn", "authz", "oauth", "bearer", "csrf", "xsrf", "cvv", "cvc", "cvv2", "sid", "saml", "cookie"}
	secretPrefixes = []string{"passw", "authkey", "authtok", "samlresp"}
	secretNames    = []string{"code"}
	// keyWords are English words ending in "key" that name no key.
	keyWords = []string{"monkey", "donkey", "turkey", "hockey", "jockey", "whiskey", "lackey", "turnkey"}
)

// maxName is the longest name Sensitive judges; a longer one is no secret's name.
const maxName = 256

// words splits a name into lower-case words.
func words(name string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if unicode.IsUpper(r) && len(cur) > 0 {
			prev := cur[len(cur)-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			// "apiKey" splits before K; "APIKey" before K too (an upper-case run ends where
			// a capitalised word starts); "APIKEY" stays one word.
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || unicode.IsUpper(prev) && nextLower {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

// Sensitive reports whether a value named name (a query parameter, header, form field, JSON
// property, cookie or attribute name) is a secret, by the rule documented at secretRuns:
// "password", "Authorization", "X-Api-Key", "Ocp-Apim-Subscription-Key", "access_token",
// "PHPSESSID", "pin", "bearer", ... but not "passenger_count" or "keyboard".
func Sensitive(name string) bool {
	if len(name) > maxName {
		// A name is short; a long string here is data (the "name" of a user, say), and
		// splitting megabytes into words would cost more than the body.
		return false
	}
	ws := words(name)
	run := strings.Join(ws, "")
	if slices.Contains(secretNames, run) {
		return true
	}
	for _, s := range secretRuns {
		if strings.Contains(run, s) {
			return true
		}
	}
	for _, w := range ws {
		if slices.Contains(secretWords, w) {
			return true
		}
		for _, p := range secretPrefixes {
			if strings.HasPrefix(w, p) {
				return true
			}
		}
		if len(w) > 3 && strings.HasSuffix(w, "key") && !slices.Contains(keyWords, w) {
			return true
		}
	}
	return false
}

// RawQuery returns an encoded query string (or an application/x-www-form-urlencoded body) with
// the values of sensitive parameters replaced by Mask, and the secrets inside the other values
// masked when a value holds JSON or a nested query; everything else keeps its bytes and order.
func RawQuery(q string) string {
	if q == "" {
		return q
	}
	parts := strings.Split(q, "&")
	changed := false
	for i, part := range parts {
		name, value, hasValue := strings.Cut(part, "=")
		if !hasValue {
			continue
		}
		n, err := url.QueryUnescape(name)
		if err != nil {
			n = name
		}
		if Sensitive(n) {
			parts[i] = name + "=" + Mask
			changed = true
			continue
		}
		v, err := url.QueryUnescape(value)
		if err != nil || !strings.ContainsAny(v, "{[=:\"") {
			continue
		}
		if masked := Body("", []byte(v)); !bytes.Equal(masked, []byte(v)) {
			parts[i] = name + "=" + url.QueryEscape(string(masked))
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
// their scheme word when it is a registered authentication scheme ("Basic REDACTED"), Cookie
// keeps each cookie's name ("sid=REDACTED"), Set-Cookie keeps the name and the attributes
// ("sid=REDACTED; Path=/; HttpOnly"), and any other header whose name is Sensitive is replaced
// whole.
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

// authSchemes are the authentication schemes whose name an Authorization header keeps: IANA's
// registry and the common unregistered ones. A first word that is none of them may be the
// credential itself ("Authorization: 4f9a... extra"), so it is masked with the rest.
var authSchemes = []string{"basic", "bearer", "digest", "dpop", "gnap", "hoba", "mutual",
	"negotiate", "ntlm", "privatetoken", "concealed", "scram-sha-1", "scram-sha-256", "vapid",
	"aws4-hmac-sha256", "oauth", "hawk", "mac", "ssws", "kerberos", "apikey", "sharedkey",
	"sharedaccesssignature", "googlelogin", "splunk", "goog4-rsa-sha256", "goog4-hmac-sha256"}

func headerValue(name, v string) string {
	switch name {
	case "Authorization", "Proxy-Authorization":
		scheme, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
		if strings.TrimSpace(rest) == "" || !slices.Contains(authSchemes, strings.ToLower(scheme)) {
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

// Body returns body with its secrets masked. Well-formed JSON (whatever the media type says:
// JSON is often sent as text/plain) is read token by token: the value of every property whose
// name is Sensitive (strings, numbers and everything inside arrays and objects), and the value
// of every object whose "name" (or "key", "attribute", "field", "param") is Sensitive (the
// name/value attribute pairs of OIG: {"name": "Password", "value": ...}). A form body
// (application/x-www-form-urlencoded) is masked by RawQuery. Any other text, malformed JSON
// included, is masked by a tolerant scan that needs no grammar: quoted "key": value pairs,
// name=value pairs, multipart parts (name="password", then the part's content) and
// "Header-Name: value" lines, each by the name's Sensitive verdict. Every other byte is kept,
// so the body keeps its layout. Binary media (images, audio, video, fonts, octet streams) are
// returned as they are.
func Body(contentType string, body []byte) []byte {
	if len(body) == 0 {
		return body
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	if binary(mt) {
		return body
	}
	if mt == "application/x-www-form-urlencoded" && !looksJSON(body) {
		return []byte(RawQuery(string(body)))
	}
	if looksJSON(body) {
		if out, err := jsonBody(body); err == nil {
			return out
		}
	}
	return tolerant(body)
}

// Prefix is Body for the first bytes of a body, cut where a report stops showing it: since a cut
// body cannot parse, it goes straight to the tolerant scan, which masks a string cut short to its
// end.
func Prefix(contentType string, prefix []byte) []byte {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	switch {
	case len(prefix) == 0 || binary(mt):
		return prefix
	case mt == "application/x-www-form-urlencoded" && !looksJSON(prefix):
		return []byte(RawQuery(string(prefix)))
	}
	return tolerant(prefix)
}

// binary reports whether a media type holds no text that could name a secret.
func binary(mt string) bool {
	for _, p := range []string{"image/", "audio/", "video/", "font/"} {
		if strings.HasPrefix(mt, p) {
			return true
		}
	}
	return mt == "application/octet-stream" || mt == "application/pdf" || mt == "application/zip" || mt == "application/gzip"
}

func looksJSON(body []byte) bool {
	t := bytes.TrimLeft(body, " \t\r\n\ufeff")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// span is a byte range of a body and what replaces it.
type span struct {
	start, end int64
	repl       string
}

// pairNames are the keys whose string value names the "value" beside it.
var pairNames = []string{"name", "key", "attribute", "field", "param", "parameter"}

// jsonBody masks secrets in a JSON document by replacing scalar tokens in place.
func jsonBody(body []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var spans []span
	// scalars lists every scalar token's span; a frame remembers which of them its "value"
	// member holds, to mask them when the object turns out to be a secret pair.
	var scalars []span
	type frame struct {
		object     bool
		secret     bool // every scalar inside is masked: the container is a sensitive value
		key        string
		expectKV   bool // the next token in this object is a key
		pairSecret bool // its name/key member is Sensitive
		valueFrom  int  // scalars[valueFrom:valueTo] are inside its "value" member
		valueTo    int
		inValue    bool
	}
	var stack []*frame
	reading := 0 // frames whose "value" member is being read: only then are scalars kept
	closeValue := func(f *frame) {
		if f.inValue {
			f.valueTo, f.inValue = len(scalars), false
			reading--
		}
	}
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if len(stack) > 0 {
				return nil, io.ErrUnexpectedEOF // truncated: the tolerant scan takes it
			}
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
			closeValue(top)
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				if top.pairSecret {
					spans = append(spans, scalars[top.valueFrom:top.valueTo]...)
				}
				continue
			}
			top.key, _ = tok.(string)
			top.expectKV = false
			if top.key == "value" {
				top.valueFrom, top.inValue = len(scalars), true
				reading++
			}
			continue
		}
		// tok is a value: in an array, at the top level, or of top.key.
		if top != nil && top.object {
			top.expectKV = true
		}
		secret := top != nil && (top.secret || top.object && Sensitive(top.key))
		var sp span
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
			continue
		case string:
			sp = span{start: tokenStart(body, before), end: dec.InputOffset(), repl: `"` + Mask + `"`}
			if top != nil && top.object && slices.Contains(pairNames, top.key) && Sensitive(v) {
				top.pairSecret = true
			}
		case json.Number:
			sp = span{start: tokenStart(body, before), end: dec.InputOffset(), repl: "0"}
		default:
			continue // true, false, null: nothing to hide
		}
		if secret {
			spans = append(spans, sp)
		}
		if reading > 0 {
			scalars = append(scalars, sp)
		}
	}
	return splice(body, spans), nil
}

// tokenStart finds where the token that follows offset from starts, past whitespace and the
// separators the decoder consumed before it.
func tokenStart(body []byte, from int64) int64 {
	for from < int64(len(body)) && strings.IndexByte(" \t\r\n,:", body[from]) >= 0 {
		from++
	}
	return from
}

// splice replaces spans in body; overlapping spans keep the first.
func splice(body []byte, spans []span) []byte {
	if len(spans) == 0 {
		return body
	}
	slices.SortStableFunc(spans, func(a, b span) int {
		switch {
		case a.start < b.start:
			return -1
		case a.start > b.start:
			return 1
		}
		return 0
	})
	var out bytes.Buffer
	out.Grow(len(body))
	last := int64(0)
	for _, sp := range spans {
		if sp.start < last {
			continue
		}
		out.Write(body[last:sp.start])
		out.WriteString(sp.repl)
		last = sp.end
	}
	out.Write(body[last:])
	return out.Bytes()
}

var (
	// formPair is name=value in a query, a form or text; the value ends at a separator.
	formPair = regexp.MustCompile(`([A-Za-z0-9_.%\-\[\]]+)=([^&\s;,"'<>]*)`)
	// multipartPart is a multipart part's name and its content, up to the next boundary.
	multipartPart = regexp.MustCompile(`(?is)name="([^"]*)"[^\n]*\n(?:[^\r\n]+\r?\n)*\r?\n(.*?)(?:\r?\n--|\z)`)
	// headerLine is "Name: value" on a line of its own.
	headerLine = regexp.MustCompile(`(?m)^[ \t]*([A-Za-z0-9_.\-\[\] ]+?)[ \t]*:[ \t]*([^\r\n]+)`)
)

// tolerant masks secrets in text that is not well-formed JSON: malformed or truncated JSON,
// JSON inside other text, forms, multipart bodies and header-like lines.
func tolerant(body []byte) []byte {
	spans := jsonish(body)
	for _, m := range formPair.FindAllSubmatchIndex(body, -1) {
		name := string(body[m[2]:m[3]])
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if m[5] > m[4] && Sensitive(name) {
			spans = append(spans, span{int64(m[4]), int64(m[5]), Mask})
		}
	}
	for _, m := range multipartPart.FindAllSubmatchIndex(body, -1) {
		if m[5] > m[4] && Sensitive(string(body[m[2]:m[3]])) {
			spans = append(spans, span{int64(m[4]), int64(m[5]), Mask})
		}
	}
	for _, m := range headerLine.FindAllSubmatchIndex(body, -1) {
		if Sensitive(string(body[m[2]:m[3]])) {
			spans = append(spans, span{int64(m[4]), int64(m[5]), Mask})
		}
	}
	return splice(body, spans)
}

// jsonish finds, in text that may be broken JSON, the values of quoted keys that are Sensitive
// and the "value" of objects whose name is, without needing the text to parse: a string runs to
// its closing quote (or the end), an unquoted value to the next separator, an array or object
// value to its closing bracket (or the end), every scalar inside it masked.
func jsonish(b []byte) []span {
	var spans []span
	type obj struct {
		pairSecret bool
		value      []span // the scalars of its "value" member
	}
	objs := []*obj{{}}
	secretDepth := -1 // inside a secret container opened at this depth
	depth := 0
	inValue := -1 // depth of the object whose "value" member is being read
	i := 0
	scalar := func(sp span) {
		if secretDepth >= 0 {
			spans = append(spans, sp)
		}
		if inValue >= 0 && inValue < len(objs) {
			o := objs[inValue]
			o.value = append(o.value, sp)
			if o.pairSecret {
				spans = append(spans, sp)
			}
		}
	}
	for i < len(b) {
		c := b[i]
		switch {
		case c == '{' || c == '[':
			depth++
			if c == '{' {
				objs = append(objs, &obj{})
			}
			i++
		case c == '}' || c == ']':
			if c == '}' && len(objs) > 1 {
				objs = objs[:len(objs)-1]
				if inValue >= len(objs) {
					inValue = -1
				}
			}
			depth--
			if secretDepth >= depth {
				secretDepth = -1
			}
			i++
		case c == '"':
			end, s := scanString(b, i)
			j := skipSpace(b, end)
			if j < len(b) && b[j] == ':' {
				// A key: look at its value.
				key := s
				o := objs[len(objs)-1]
				if inValue == len(objs)-1 {
					inValue = -1
				}
				j = skipSpace(b, j+1)
				secret := Sensitive(key)
				if key == "value" {
					inValue = len(objs) - 1
				}
				switch {
				case j >= len(b):
				case b[j] == '"':
					vend, v := scanString(b, j)
					sp := span{int64(j), int64(vend), `"` + Mask + `"`}
					if secret {
						spans = append(spans, sp)
					} else {
						scalar(sp)
					}
					if slices.Contains(pairNames, key) && Sensitive(v) {
						o.pairSecret = true
						spans = append(spans, o.value...)
					}
					j = vend
				case b[j] == '{' || b[j] == '[':
					if secret && secretDepth < 0 {
						secretDepth = depth
					}
				default:
					vend := j
					for vend < len(b) && strings.IndexByte(",}]\r\n", b[vend]) < 0 {
						vend++
					}
					sp := span{int64(j), int64(vend), "0"}
					if secret {
						spans = append(spans, sp)
					} else {
						scalar(sp)
					}
					j = vend
				}
				i = j
				continue
			}
			scalar(span{int64(i), int64(end), `"` + Mask + `"`})
			i = end
		default:
			i++
		}
	}
	return spans
}

// scanString returns the end of the string that starts at b[i] (past its closing quote, or the
// end of b) and its text, escapes left as they are.
func scanString(b []byte, i int) (int, string) {
	j := i + 1
	for j < len(b) {
		switch b[j] {
		case '\\':
			j += 2
			continue
		case '"':
			return j + 1, nameText(b[i+1 : j])
		}
		j++
	}
	return len(b), nameText(b[i+1:])
}

// nameText is the text of a string that may be a name: a longer one is never a secret's name
// (see maxName), so it is not copied.
func nameText(b []byte) string {
	if len(b) > maxName {
		return ""
	}
	return string(b)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}
