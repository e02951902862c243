package fuzz

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/specgate/specgate/internal/jsonptr"
	"github.com/specgate/specgate/validator"
)

// testCase is one generated request, before it is encoded: parameter values and a body tree,
// so that shrinking can take it apart.
type testCase struct {
	op       *operation
	positive bool
	params   map[string]any // "in:name" → value; an absent optional parameter has no key
	body     any            // the body tree; nil with hasBody false for no body
	hasBody  bool
	media    string // the Content-Type sent; "" for none
	noAuth   bool   // send no credentials
	// badAuth sends credentials the target must refuse: authWrong (those given, altered) or
	// authOtherScheme (of a scheme the operation does not accept).
	badAuth authChange
	// malformed sends the encoded body without its last byte.
	malformed bool
	// mutation says what a negative breaks ("wrong type at /user/name"); mutPtr is where, so
	// that shrinking leaves it alone.
	mutation, mutPtr string
	// mutParam is the parameter ("in:name") a negative breaks, "" for the rest.
	mutParam string
	pick     int // which State value each key takes in this request
	// unknownIDs sends, for each State key, a value no State value is: the positive that
	// asks how the target answers an identifier naming no record.
	unknownIDs bool
}

func (tc *testCase) clone() *testCase {
	c := tc.shallow()
	c.body = deepCopy(tc.body)
	return c
}

// shallow is clone without copying the body: the copy shares tc's body tree, which is fine
// while nothing changes it in place (edit copies the tree it changes, and generated values
// already share subtrees between rows). Negatives use it: most leave the body alone, and the
// ones that change it go through edit.
func (tc *testCase) shallow() *testCase {
	c := *tc
	c.params = make(map[string]any, len(tc.params))
	for k, v := range tc.params {
		c.params[k] = v
	}
	return &c
}

// encoded is a testCase made concrete: the request the validator judges and the target gets.
type encoded struct {
	req *validator.Request
	key string // identifies the request, to send each distinct one once
}

// encode builds the request: the spec's base path and path, parameters in their places, the
// body encoded, credentials set (they are never logged or reported).
func (f *Fuzzer) encode(tc *testCase) (*encoded, error) {
	op := tc.op
	p := op.path
	q := url.Values{}
	h := http.Header{}
	keys := make([]string, 0, len(tc.params))
	for k := range tc.params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		in, name, _ := strings.Cut(k, ":")
		vals := paramStrings(f.resolve(tc.params[k], tc.choice()))
		switch in {
		case "path":
			// Array items are separated by a literal comma (simple style); a comma inside an
			// item is escaped with it.
			esc := make([]string, len(vals))
			for i, v := range vals {
				esc[i] = url.PathEscape(v)
			}
			p = strings.ReplaceAll(p, "{"+name+"}", strings.Join(esc, ","))
		case "query":
			for _, v := range vals {
				q.Add(name, v)
			}
		case "header":
			h.Set(name, strings.Join(vals, ","))
		case "cookie":
			h.Add("Cookie", name+"="+strings.Join(vals, ","))
		}
	}
	var body []byte
	contentType := tc.media
	if tc.hasBody {
		switch bodyKind(tc.media) {
		case "form":
			body = []byte(formBody(f.resolve(tc.body, tc.choice())))
			if tc.malformed {
				body = append(body, "&%zz"...)
			}
		case "multipart":
			body = multipartBody(f.resolve(tc.body, tc.choice()))
			contentType = tc.media + "; boundary=" + boundary
			if tc.malformed {
				body = body[:len(body)-len("--\r\n")-len(boundary)-2] // the closing boundary cut
			}
		default:
			var err error
			if body, err = f.jsonBody(tc.body, tc.choice()); err != nil {
				return nil, fmt.Errorf("%s: encoding a generated body: %w", op, err)
			}
			if tc.malformed {
				body = body[:len(body)-1]
			}
		}
	}
	if tc.media != "" && body != nil {
		h.Set("Content-Type", contentType)
	}
	if op.secured && !tc.noAuth {
		f.opts.Auth.changed(tc.badAuth).set(h)
	}
	full := op.base + p
	u := &url.URL{Path: mustUnescape(full), RawPath: full, RawQuery: q.Encode()}
	if u.Path == full {
		u.RawPath = ""
	}
	req := &validator.Request{Method: op.method, URL: u, Header: h, Body: body}
	return &encoded{req: req, key: req.Key()}, nil
}

// boundary separates the parts of a generated multipart body: fixed, so that a seed sends the
// same bytes; no generated value contains it.
const boundary = "specgate-fuzz-7d1f0c"

// formFields lists a form body's fields as they are sent: an object's members in name order,
// an array member as one field per item, an object member (or item) as its JSON text.
func formFields(v any) [][2]string {
	obj, ok := v.(map[string]any)
	if !ok { // a negative that breaks the body's type: its text alone
		return [][2]string{{strings.Join(paramStrings(v), ","), ""}}
	}
	var out [][2]string
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		items, isList := obj[k].([]any)
		if !isList {
			items = []any{obj[k]}
		}
		for _, it := range items {
			if m, isObj := it.(map[string]any); isObj {
				b, _ := json.Marshal(m)
				out = append(out, [2]string{k, string(b)})
				continue
			}
			out = append(out, [2]string{k, strings.Join(paramStrings(it), ",")})
		}
	}
	return out
}

func formBody(v any) string {
	var b strings.Builder
	for i, kv := range formFields(v) {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[0]))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(kv[1]))
	}
	return b.String()
}

func multipartBody(v any) []byte {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.SetBoundary(boundary)
	for _, kv := range formFields(v) {
		_ = w.WriteField(kv[0], kv[1])
	}
	_ = w.Close()
	return b.Bytes()
}

func mustUnescape(p string) string {
	s, err := url.PathUnescape(p)
	if err != nil {
		return p
	}
	return s
}

// choice is the pick resolve takes: tc.pick, or unknownPick for the unknown-identifier case.
func (tc *testCase) choice() int {
	if tc.unknownIDs {
		return unknownPick
	}
	return tc.pick
}

// unknownPick makes resolve give each stateRef its unknown value.
const unknownPick = -1

// resolve replaces the stateRefs of v by the State values pick selects. A subtree without a
// stateRef is returned as it is, not copied: most bodies have none, and encoding only reads
// the result.
func (f *Fuzzer) resolve(v any, pick int) any {
	out, _ := f.resolved(v, pick)
	return out
}

// resolved is resolve, and reports whether anything was replaced (then out is a copy).
func (f *Fuzzer) resolved(v any, pick int) (any, bool) {
	switch x := v.(type) {
	case stateRef:
		vals := f.state[x.key]
		if pick == unknownPick {
			if x.unknown != nil {
				return x.unknown, true
			}
			pick = 0
		}
		return vals[pick%len(vals)], true
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			r, changed := f.resolved(e, pick)
			if !changed {
				continue
			}
			if out == nil {
				out = make(map[string]any, len(x))
				for k2, e2 := range x {
					out[k2] = e2
				}
			}
			out[k] = r
		}
		if out == nil {
			return v, false
		}
		return out, true
	case []any:
		var out []any
		for i, e := range x {
			r, changed := f.resolved(e, pick)
			if !changed {
				continue
			}
			if out == nil {
				out = append([]any(nil), x...)
			}
			out[i] = r
		}
		if out == nil {
			return v, false
		}
		return out, true
	}
	return v, false
}

// paramStrings is how a parameter value is written: arrays as their items (the query repeats
// the name, the path and headers join them with commas), scalars as their text.
func paramStrings(v any) []string {
	switch x := v.(type) {
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, paramStrings(e)...)
		}
		return out
	case string:
		return []string{x}
	case nil:
		return []string{""}
	case map[string]any:
		b, _ := json.Marshal(x)
		return []string{string(b)}
	}
	return []string{fmt.Sprint(v)}
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// ptrTokens splits a JSON pointer into its reference tokens.
func ptrTokens(ptr string) []string {
	if ptr == "" {
		return nil
	}
	toks := strings.Split(ptr[1:], "/")
	for i, t := range toks {
		toks[i] = jsonptr.Unescape(t)
	}
	return toks
}

// edit returns root with the value at ptr replaced by fn's result; fn gets the old value and
// returns the new one and whether to keep the member at all (false deletes it). root is not
// modified: the objects and arrays on the way to ptr are copied, the rest is shared with root
// (nothing changes a generated tree in place but edit itself, and fn must not change old).
func edit(root any, ptr string, fn func(old any) (any, bool)) any {
	return editTokens(root, ptrTokens(ptr), fn)
}

func editTokens(v any, toks []string, fn func(any) (any, bool)) any {
	if len(toks) == 0 {
		nv, _ := fn(v)
		return nv
	}
	switch x := v.(type) {
	case map[string]any:
		child, ok := x[toks[0]]
		if !ok {
			return v
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = e
		}
		if len(toks) == 1 {
			nv, keep := fn(child)
			if keep {
				out[toks[0]] = nv
			} else {
				delete(out, toks[0])
			}
			return out
		}
		out[toks[0]] = editTokens(child, toks[1:], fn)
		return out
	case []any:
		var i int
		if _, err := fmt.Sscanf(toks[0], "%d", &i); err != nil || i < 0 || i >= len(x) {
			return v
		}
		if len(toks) == 1 {
			nv, keep := fn(x[i])
			if !keep {
				return append(append(make([]any, 0, len(x)-1), x[:i]...), x[i+1:]...)
			}
			out := append([]any(nil), x...)
			out[i] = nv
			return out
		}
		out := append([]any(nil), x...)
		out[i] = editTokens(x[i], toks[1:], fn)
		return out
	}
	return v
}

func itoa(i int) string { return fmt.Sprintf("%d", i) }
