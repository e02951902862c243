package proxy

import (
	"net/http"
	"strings"
)

// A request is judged by the path the upstream acts on, not by the bytes of its target. nginx
// decodes percent-escapes, resolves dot segments and merges slashes before it matches a location
// (and sends that path on when proxy_pass names a URI); Tomcat and Spring drop ";" parameters
// from each segment; IIS and several frameworks read "\" as "/". canonicalPath undoes all of it
// at once, the most a server in front of or behind the proxy may do, so that a path that any of
// them would route to an operation is seen to be that operation.

// rawPath returns the escaped path of r exactly as the client sent it: the request target up to
// its query. An absolute-form or "*" target falls back to the parsed URL.
func rawPath(r *http.Request) string {
	t := r.RequestURI
	if t == "" || t[0] != '/' {
		return r.URL.EscapedPath()
	}
	if i := strings.IndexByte(t, '?'); i >= 0 {
		return t[:i]
	}
	return t
}

// canonicalPath returns the path an upstream acts on for the escaped path p (RFC 3986 §6.2.2
// normalisation and dot-segment removal, plus what servers do beyond it: ";" parameters dropped
// per segment, "\" and escaped "/" or "\" read as "/", repeated slashes merged) and whether it
// differs from p. Escapes of other reserved or non-ASCII characters are kept as sent, so that a
// path parameter holding one still matches as before.
func canonicalPath(p string) (string, bool) {
	if !suspectPath(p) {
		return p, false
	}
	// Split into segments, each with its ";" parameters dropped and its escapes decoded; an
	// escaped "/" or "\" ends a segment, as it does for the servers that decode it.
	var segs []string
	var cur strings.Builder
	inParams := false
	flush := func() {
		segs = append(segs, cur.String())
		cur.Reset()
		inParams = false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '/' || c == '\\':
			flush()
			continue
		case c == '%' && i+2 < len(p) && ishex(p[i+1]) && ishex(p[i+2]):
			d := unhex(p[i+1])<<4 | unhex(p[i+2])
			switch {
			case d == '/' || d == '\\':
				flush()
				i += 2
				continue
			case unreserved(d):
				if !inParams {
					cur.WriteByte(d)
				}
				i += 2
				continue
			}
		case c == ';':
			inParams = true
		}
		if !inParams {
			cur.WriteByte(c)
		}
	}
	flush()
	// segs[0] is what precedes the first "/": empty for every origin-form path.
	out := make([]string, 0, len(segs))
	for i, s := range segs[1:] {
		last := i == len(segs)-2
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		case "":
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	c := segs[0] + "/" + strings.Join(out, "/")
	return c, c != p
}

// suspectPath reports whether p holds anything canonicalPath may change, so that ordinary
// paths cost one scan and no allocation.
func suspectPath(p string) bool {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '%', ';', '\\':
			return true
		case '/':
			if i+1 < len(p) && (p[i+1] == '/' || p[i+1] == '.') {
				return true
			}
		}
	}
	return false
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
