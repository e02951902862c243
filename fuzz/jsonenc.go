package fuzz

import (
	"encoding/json"
	"sort"
	"sync"
	"unicode/utf8"
)

// jsonBody encodes a generated body as JSON with its stateRefs resolved for pick: the bytes
// json.Marshal gives for f.resolve(v, pick) (keys sorted, <, > and & escaped, invalid UTF-8 as
// U+FFFD, U+2028 and U+2029 escaped, an invalid json.Number an error), written straight from
// the tree. Marshal's reflection and the resolved copy of the tree were a fifth of the cost of
// generating a request; TestJSONBodyEqualsMarshal keeps the two equal.
func (f *Fuzzer) jsonBody(v any, pick int) ([]byte, error) {
	e := jsonEncoders.Get().(*jsonEncoder)
	defer jsonEncoders.Put(e)
	e.buf, e.keys = e.buf[:0], e.keys[:0]
	if err := e.value(f, v, pick); err != nil {
		return nil, err
	}
	return append([]byte(nil), e.buf...), nil
}

// jsonEncoder holds the buffers one encoding reuses: the text, and the member names of the
// objects being written (each object's sorted names on top of its parents').
type jsonEncoder struct {
	buf  []byte
	keys []string
}

var jsonEncoders = sync.Pool{New: func() any { return &jsonEncoder{} }}

func (e *jsonEncoder) value(f *Fuzzer, v any, pick int) error {
	switch x := v.(type) {
	case stateRef:
		return e.value(f, f.resolve(x, pick), pick)
	case nil:
		e.buf = append(e.buf, "null"...)
	case string:
		e.buf = appendJSONString(e.buf, x)
	case bool:
		if x {
			e.buf = append(e.buf, "true"...)
		} else {
			e.buf = append(e.buf, "false"...)
		}
	case json.Number:
		s := string(x)
		if s == "" {
			s = "0" // as Marshal writes the zero Number
		}
		if !validJSONNumber(s) {
			_, err := json.Marshal(x) // Marshal's own error
			return err
		}
		e.buf = append(e.buf, s...)
	case map[string]any:
		if x == nil {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		start := len(e.keys)
		for k := range x {
			e.keys = append(e.keys, k)
		}
		sort.Strings(e.keys[start:])
		e.buf = append(e.buf, '{')
		for i := start; i < start+len(x); i++ {
			if i > start {
				e.buf = append(e.buf, ',')
			}
			k := e.keys[i] // e.keys may grow (and move) while the member is written
			e.buf = appendJSONString(e.buf, k)
			e.buf = append(e.buf, ':')
			if err := e.value(f, x[k], pick); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
		e.keys = e.keys[:start]
	case []any:
		if x == nil {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		e.buf = append(e.buf, '[')
		for i, it := range x {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.value(f, it, pick); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
	default: // any other kind of value (numbers of Go types): Marshal writes it
		b, err := json.Marshal(x)
		if err != nil {
			return err
		}
		e.buf = append(e.buf, b...)
	}
	return nil
}

const jsonHex = "0123456789abcdef"

// appendJSONString writes s as encoding/json does with HTML escaping on (its default).
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', jsonHex[b>>4], jsonHex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', jsonHex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// validJSONNumber is encoding/json's test of a Number: the grammar of RFC 8259's numbers.
func validJSONNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		if s = s[1:]; s == "" {
			return false
		}
	}
	switch {
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		s = s[1:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	default:
		return false
	}
	if len(s) >= 2 && s[0] == '.' && '0' <= s[1] && s[1] <= '9' {
		s = s[2:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			if s = s[1:]; s == "" {
				return false
			}
		}
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	return s == ""
}
