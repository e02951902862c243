package validator

import (
	"net/url"
	"strconv"
	"strings"
)

// escape escapes one JSON pointer token.
func escape(tok string) string {
	if !strings.ContainsAny(tok, "~/") {
		return tok
	}
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

// unescape unescapes one JSON pointer token.
func unescape(tok string) string {
	if !strings.Contains(tok, "~") {
		return tok
	}
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
}

// pointer joins tokens into a JSON pointer.
func pointer(toks ...string) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteByte('/')
		b.WriteString(escape(t))
	}
	return b.String()
}

// index parses an array index token.
func index(tok string, n int) (int, bool) {
	i, err := strconv.Atoi(tok)
	if err != nil || i < 0 || i >= n {
		return 0, false
	}
	return i, true
}

// fragment turns a JSON pointer into a URI fragment ("#/paths/~1users~1%7Bid%7D").
func fragment(ptr string) string {
	if ptr == "" {
		return "#"
	}
	toks := strings.Split(ptr, "/")
	for i, t := range toks {
		toks[i] = url.PathEscape(t)
	}
	return "#" + strings.Join(toks, "/")
}

// unfragment turns a URI fragment (without '#') back into a JSON pointer.
func unfragment(frag string) string {
	toks := strings.Split(frag, "/")
	for i, t := range toks {
		if u, err := url.PathUnescape(t); err == nil {
			toks[i] = u
		}
	}
	return strings.Join(toks, "/")
}

// depth counts the tokens of a JSON pointer.
func depth(ptr string) int {
	if ptr == "" {
		return 0
	}
	return strings.Count(ptr, "/")
}
