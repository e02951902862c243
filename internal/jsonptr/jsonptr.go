// Package jsonptr holds the JSON pointer (RFC 6901) and $ref helpers that specs, validator and
// lint share: escaping tokens, pointers as URI fragments, looking values up in decoded documents,
// and resolving a relative $ref against the file it is written in.
package jsonptr

import (
	"net/url"
	"path"
	"strconv"
	"strings"
)

// Escape escapes one pointer token ("~" → "~0", "/" → "~1").
func Escape(tok string) string {
	if !strings.ContainsAny(tok, "~/") {
		return tok
	}
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

// Unescape undoes Escape.
func Unescape(tok string) string {
	if !strings.Contains(tok, "~") {
		return tok
	}
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
}

// Join appends tokens, escaped, to the pointer ptr ("" is the whole document).
func Join(ptr string, toks ...string) string {
	var b strings.Builder
	b.WriteString(ptr)
	for _, t := range toks {
		b.WriteByte('/')
		b.WriteString(Escape(t))
	}
	return b.String()
}

// Fragment turns a pointer into a URI fragment, "#" included ("#/paths/~1users~1%7Bid%7D").
func Fragment(ptr string) string {
	if ptr == "" {
		return "#"
	}
	toks := strings.Split(ptr, "/")
	for i, t := range toks {
		toks[i] = url.PathEscape(t)
	}
	return "#" + strings.Join(toks, "/")
}

// Unfragment turns a URI fragment (without '#') back into a pointer.
func Unfragment(frag string) string {
	if !strings.Contains(frag, "%") {
		return frag
	}
	toks := strings.Split(frag, "/")
	for i, t := range toks {
		if u, err := url.PathUnescape(t); err == nil {
			toks[i] = u
		}
	}
	return strings.Join(toks, "/")
}

// Lookup returns the value at ptr in v, a document decoded into map[string]any and []any.
func Lookup(v any, ptr string) (any, bool) {
	if ptr == "" {
		return v, true
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, false
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = Unescape(tok)
		switch t := v.(type) {
		case map[string]any:
			e, ok := t[tok]
			if !ok {
				return nil, false
			}
			v = e
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(t) {
				return nil, false
			}
			v = t[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// Depth counts the tokens of a pointer.
func Depth(ptr string) int { return strings.Count(ptr, "/") }

// SplitRef resolves a $ref against the file (a slash-separated path) it is written in: the
// target file and the pointer in it. ok is false for references to other hosts
// ("https://..."), which specgate never follows.
func SplitRef(file, ref string) (target, ptr string, ok bool) {
	loc, frag, _ := strings.Cut(ref, "#")
	if strings.Contains(loc, "://") {
		return "", "", false
	}
	target = file
	if loc != "" {
		target = path.Clean(path.Join(path.Dir(file), loc))
	}
	return target, Unfragment(frag), true
}
