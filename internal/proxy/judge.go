package proxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"

	"github.com/specgate/specgate/internal/message"
	"github.com/specgate/specgate/validator"
)

// The validator checks an exchange as parsed; an upstream acts on the request as sent. judge
// closes the gap: it validates the request as the upstream will read it and adds the proxy's
// own findings (validator.RuleRequestPathNonCanonical, RuleRequestOverride,
// RuleRequestAmbiguous) for what an upstream may read otherwise. In enforce mode each of them
// refuses the request.

// judge validates the request of x as the upstream will act on it. A path that is not canonical
// is validated as the canonical path when that is in scope, with a non_canonical violation
// added, so that enforce mode refuses it: validating it as that operation and forwarding it
// would be unsafe, since servers disagree on which parts of such a path they normalise
// (nginx merges slashes, Spring drops ";" parameters, IIS reads "\"), and no legitimate client
// sends one.
func (p *Proxy) judge(r *http.Request, x *exchange) validator.Result {
	ctx, v := r.Context(), p.opts.Validator
	var res validator.Result
	raw := rawPath(r)
	canon, changed := canonicalPath(raw)
	if changed {
		if res = p.validatePath(r, x, canon); res.OutOfScope != "" {
			changed = false
		}
	}
	if !changed {
		res = v.Validate(ctx, validator.Exchange{Request: &x.req})
	}
	if res.OutOfScope != "" {
		// Express and ASP.NET match paths without regard to case.
		if lower := strings.ToLower(canon); lower != canon {
			if alt := p.validatePath(r, x, lower); alt.OutOfScope == "" {
				res, canon, changed = alt, lower, true
			}
		}
	}
	if changed {
		res.Violations = append(res.Violations, validator.Violation{
			Rule: validator.RuleRequestPathNonCanonical, Part: validator.PartRequest, Operation: res.Operation, Instance: "path",
			Message: fmt.Sprintf("the path is not in canonical form; servers act on it as %s", canon),
		})
	}
	if res.OutOfScope == "" && res.Preflight == "" {
		if first, repeated := firstValues(r.URL.RawQuery); repeated {
			res.Violations = p.checkFirstValues(r, x, canon, changed, first, res.Violations)
		}
		res.Violations = overrides(r, raw, x.req.Body, res.Operation, res.Violations)
		res.Violations = ambiguities(r, res.Operation, res.Violations)
	}
	// Whatever its path, a request that turns the connection into HTTP/2 would carry every
	// request after it past the proxy unseen.
	switch {
	case isH2C(r.Header):
		res.Violations = append(res.Violations, validator.Violation{
			Rule: validator.RuleRequestAmbiguous, Part: validator.PartRequest, Operation: res.Operation, Instance: "Upgrade",
			Message: "the request asks to switch the connection to h2c; every request sent on it afterwards would pass unchecked",
		})
	case r.ProtoMajor == 2 && r.Method == "PRI":
		res.Violations = append(res.Violations, validator.Violation{
			Rule: validator.RuleRequestAmbiguous, Part: validator.PartRequest, Instance: "method",
			Message: "the request is the HTTP/2 connection preface, sent without TLS; what follows it would pass unchecked",
		})
	}
	return res
}

// checkFirstValues validates the request again with the query cut to the first value of each
// repeated parameter, and adds what that finds: the validator reads the last value of a
// parameter that takes one, as PHP and Express do, while Go, Spring and Flask act on the first.
func (p *Proxy) checkFirstValues(r *http.Request, x *exchange, canon string, changed bool, first string, vs []validator.Violation) []validator.Violation {
	req := x.req
	u := *x.target
	if changed {
		u = *p.targetWithPath(x.target, canon)
	}
	u.RawQuery = first
	req.URL = &u
	alt := p.opts.Validator.Validate(r.Context(), validator.Exchange{Request: &req})
	for _, v := range alt.Violations {
		if !strings.HasPrefix(v.Rule, "request.param.") || slices.ContainsFunc(vs, func(w validator.Violation) bool { return w.Rule == v.Rule && w.Instance == v.Instance }) {
			continue
		}
		v.Message += " (in the first of its repeated values, which servers such as Go's and Spring's act on)"
		vs = append(vs, v)
	}
	return vs
}

// firstValues returns q with only the first value of each parameter, and whether any repeats.
func firstValues(q string) (string, bool) {
	if q == "" || !strings.Contains(q, "&") {
		return q, false
	}
	pairs := strings.Split(q, "&")
	seen := make(map[string]bool, len(pairs))
	kept := pairs[:0:0]
	for _, pair := range pairs {
		k, _, _ := strings.Cut(pair, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		kept = append(kept, pair)
	}
	return strings.Join(kept, "&"), len(kept) < len(pairs)
}

// validatePath validates the request of x as if its escaped path were escaped.
func (p *Proxy) validatePath(r *http.Request, x *exchange, escaped string) validator.Result {
	req := x.req
	req.URL = p.targetWithPath(x.target, escaped)
	return p.opts.Validator.Validate(r.Context(), validator.Exchange{Request: &req})
}

// targetWithPath returns target with its path replaced by the upstream's prefix joined to the
// escaped path p.
func (p *Proxy) targetWithPath(target *url.URL, escaped string) *url.URL {
	u := *target
	u.RawPath = joinPath(p.opts.Upstream.EscapedPath(), escaped)
	u.Path, _ = url.PathUnescape(u.RawPath)
	return &u
}

// overrideHeaders are the headers frameworks read as the request's method (Symfony, Laravel,
// Rails' Rack::MethodOverride, ASP.NET, Spring's HiddenHttpMethodFilter read a parameter) and
// URL (Symfony and IIS read X-Original-URL and X-Rewrite-URL).
var (
	methodOverrideHeaders = []string{"X-Http-Method-Override", "X-Http-Method", "X-Method-Override"}
	urlOverrideHeaders    = []string{"X-Original-Url", "X-Rewrite-Url"}
)

// overrides adds a violation for every method or URL override that names something other than
// what was checked: the `_method` query or form parameter, or top-level JSON member, and the
// override headers.
func overrides(r *http.Request, raw string, body []byte, op string, vs []validator.Violation) []validator.Violation {
	add := func(inst, msg string) {
		vs = append(vs, validator.Violation{Rule: validator.RuleRequestOverride, Part: validator.PartRequest, Operation: op, Instance: inst, Message: msg})
	}
	for _, name := range methodOverrideHeaders {
		for _, m := range r.Header.Values(name) {
			if !strings.EqualFold(strings.TrimSpace(m), r.Method) {
				add(name, fmt.Sprintf("%s asks servers to act on another method than %s, the one checked", name, r.Method))
			}
		}
	}
	for _, name := range urlOverrideHeaders {
		for _, u := range r.Header.Values(name) {
			if path, _, _ := strings.Cut(u, "?"); path != raw {
				add(name, fmt.Sprintf("%s asks servers to act on another path than the one checked", name))
			}
		}
	}
	for name, vals := range r.Header {
		// CGI-style servers (Rack, WSGI, PHP) read "_" in a field name as "-": X_HTTP_Method is
		// X-HTTP-Method to them.
		if strings.IndexByte(name, '_') < 0 {
			continue
		}
		as := http.CanonicalHeaderKey(strings.ReplaceAll(name, "_", "-"))
		switch {
		case slices.Contains(methodOverrideHeaders, as):
			for _, m := range vals {
				if !strings.EqualFold(strings.TrimSpace(m), r.Method) {
					add(name, fmt.Sprintf("%s, read as %s by CGI-style servers, asks them to act on another method than %s, the one checked", name, as, r.Method))
				}
			}
		case slices.Contains(urlOverrideHeaders, as):
			add(name, fmt.Sprintf("%s, read as %s by CGI-style servers, asks them to act on another path than the one checked", name, as))
		}
	}
	for _, m := range queryValues(r.URL.RawQuery, "_method") {
		if !strings.EqualFold(m, r.Method) {
			add("_method", fmt.Sprintf("the query parameter _method asks servers to act on another method than %s, the one checked", r.Method))
		}
	}
	if len(body) == 0 || !bytes.Contains(body, []byte("_method")) {
		return vs
	}
	switch mt := mediaTypeOf(r.Header.Get("Content-Type")); {
	case mt == "application/x-www-form-urlencoded":
		for _, m := range queryValues(string(body), "_method") {
			if !strings.EqualFold(m, r.Method) {
				add("_method", fmt.Sprintf("the form field _method asks servers to act on another method than %s, the one checked", r.Method))
			}
		}
	default:
		var top map[string]json.RawMessage
		var m string
		if json.Unmarshal(body, &top) == nil && json.Unmarshal(top["_method"], &m) == nil && !strings.EqualFold(m, r.Method) {
			add("/_method", fmt.Sprintf("the body member _method asks servers (Laravel) to act on another method than %s, the one checked", r.Method))
		}
	}
	return vs
}

// queryValues returns the values of name in a query or form, splitting on "&" and ";" as
// servers that accept either do, and unescaping what unescapes.
func queryValues(q, name string) []string {
	if !strings.Contains(q, name) {
		return nil
	}
	var out []string
	for _, pair := range strings.FieldsFunc(q, func(c rune) bool { return c == '&' || c == ';' }) {
		k, v, _ := strings.Cut(pair, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if k != name {
			continue
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		out = append(out, strings.TrimSpace(v))
	}
	return out
}

// ambiguities adds a violation for each way the request can be read otherwise than checked: a
// repeated Content-Type (the validator reads the first, servers the first, the last or both), a
// query Go's parser drops parts of (the validator sees the rest, servers that split on ";" or
// pass bad escapes see more), and trailer fields (sent after the body, where the validator
// never looks).
func ambiguities(r *http.Request, op string, vs []validator.Violation) []validator.Violation {
	add := func(inst, msg string) {
		vs = append(vs, validator.Violation{Rule: validator.RuleRequestAmbiguous, Part: validator.PartRequest, Operation: op, Instance: inst, Message: msg})
	}
	if n := len(r.Header.Values("Content-Type")); n > 1 {
		add("Content-Type", fmt.Sprintf("the request has %d Content-Type fields; servers disagree on which one applies", n))
	}
	for name := range r.Header {
		if strings.IndexByte(name, '_') < 0 {
			continue
		}
		switch as := http.CanonicalHeaderKey(strings.ReplaceAll(name, "_", "-")); as {
		case "Content-Type", "Content-Encoding", "Content-Length", "Transfer-Encoding":
			add(name, fmt.Sprintf("%s is read as %s by CGI-style servers, which then disagree with what was checked", name, as))
		}
	}
	if r.URL.RawQuery != "" && !cleanQuery(r.URL.RawQuery) {
		add("query", "the query holds a \";\" or a malformed escape, which servers split or decode differently; the parameters could not all be checked")
	}
	if len(r.Trailer) > 0 {
		add("trailer", fmt.Sprintf("the request sends %d trailer %s after its body, which servers may merge into its header", len(r.Trailer), message.Plural(len(r.Trailer), "field", "fields")))
	}
	return vs
}

// cleanQuery reports whether url.ParseQuery reads q whole: no ";" and no malformed escape.
func cleanQuery(q string) bool {
	for i := 0; i < len(q); i++ {
		switch q[i] {
		case ';':
			return false
		case '%':
			if i+2 >= len(q) || !ishex(q[i+1]) || !ishex(q[i+2]) {
				return false
			}
		}
	}
	return true
}

// isH2C reports whether h asks to upgrade the connection to cleartext HTTP/2.
func isH2C(h http.Header) bool {
	for _, v := range h.Values("Upgrade") {
		for _, p := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), "h2c") {
				return true
			}
		}
	}
	return false
}

// mediaTypeOf is the lower-case type/subtype of a Content-Type value.
func mediaTypeOf(ct string) string {
	t, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// expectsContinue reports whether h holds Expect: 100-continue.
func expectsContinue(h http.Header) bool {
	for _, v := range h.Values("Expect") {
		if strings.EqualFold(strings.TrimSpace(v), "100-continue") {
			return true
		}
	}
	return false
}

// forwardTarget makes the outbound request target the client's, byte for byte, behind the
// upstream's path prefix, and keeps a repeated User-Agent. SetURL keeps the parsed path, which net/url re-escapes when it holds
// characters such as { } | " ^ or `, and ReverseProxy re-encodes the query, dropping the
// parameters that hold ";" or a bad escape and sorting the rest.
func forwardTarget(pr *httputil.ProxyRequest, upstream *url.URL) {
	in, out := pr.In, pr.Out
	switch {
	case upstream.RawQuery == "" || in.URL.RawQuery == "":
		out.URL.RawQuery = upstream.RawQuery + in.URL.RawQuery
	default:
		out.URL.RawQuery = upstream.RawQuery + "&" + in.URL.RawQuery
	}
	if ua := out.Header["User-Agent"]; len(ua) > 1 {
		// Go's transport writes the first User-Agent field only. The others go under a key its
		// writer does not single out, which names the same field.
		out.Header["User-Agent"], out.Header["user-agent"] = ua[:1], ua[1:]
	}
	if in.RequestURI == "" || in.RequestURI[0] != '/' {
		return
	}
	joined := joinPath(upstream.EscapedPath(), rawPath(in))
	switch {
	case joined == out.URL.EscapedPath():
	case strings.HasPrefix(joined, "//"):
		// An opaque path starting with "//" would be written as scheme:opaque; the parsed path
		// keeps all but the characters net/url insists on escaping.
		out.URL.RawPath = joined
		out.URL.Path, _ = url.PathUnescape(joined)
	default:
		out.URL.Opaque = joined
	}
}

// joinPath joins an upstream's escaped path prefix and a request's escaped path as
// httputil.ProxyRequest.SetURL does: with exactly one slash between them.
func joinPath(prefix, p string) string {
	if prefix == "" {
		return p
	}
	aslash, bslash := strings.HasSuffix(prefix, "/"), strings.HasPrefix(p, "/")
	switch {
	case aslash && bslash:
		return prefix + p[1:]
	case !aslash && !bslash:
		return prefix + "/" + p
	}
	return prefix + p
}

// clientWriter is the client's ResponseWriter as the ReverseProxy sees it.
type clientWriter struct {
	http.ResponseWriter
	// continued: the server already sent the client 100 Continue, when the body was read, so
	// the upstream's is not passed on.
	continued bool
	// informed: an interim response was passed on, and ReverseProxy cleared the header map
	// after it, suppressions included.
	informed bool
}

func (c *clientWriter) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		if code == http.StatusContinue && c.continued {
			return
		}
		c.informed = true
	} else if c.informed {
		h := c.Header()
		for _, k := range []string{"Content-Type", "Date"} {
			if _, ok := h[k]; !ok {
				h[k] = nil
			}
		}
	}
	if code == http.StatusNoContent || code == http.StatusNotModified {
		// The server drops the Content-Type of a response that has no body; under a key it does
		// not look for, which names the same field, the upstream's passes.
		h := c.Header()
		if v := h["Content-Type"]; len(v) > 0 {
			h["content-type"] = v
			delete(h, "Content-Type")
		}
	}
	c.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the server's writer (Flush, Hijack).
func (c *clientWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// flush sends the client what was written so far, headers included.
func (c *clientWriter) flush() { _ = http.NewResponseController(c.ResponseWriter).Flush() }
