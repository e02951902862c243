package schema

import (
	"encoding/json"
	"fmt"
	"github.com/specgate/specgate/internal/jsonptr"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Limits on bodies. Beyond them a body is reported, not evaluated: deep nesting would make
// validation recurse without bound, and a number like 1e999999999 would make any exact
// arithmetic on it (big.Rat, as JSON Schema's minimum and integer checks need) take gigabytes.
const (
	maxDepth       = 512
	maxNumberChars = 1000
	maxExponent    = 10000
)

// Issue is a problem with a well-formed JSON body that is not a schema failure.
type Issue struct {
	Kind    string // "duplicate_key" or "limits"
	Pointer string // where in the body
	Message string
}

// SyntaxError is a JSON syntax error at a byte offset.
type SyntaxError struct {
	Msg    string
	Offset int // bytes from the start of the body
}

// Error returns the message, without the offset.
func (e *SyntaxError) Error() string { return e.Msg }

// jsonDecoder decodes a JSON body into the values JSON Schema validation expects (objects as
// map[string]any, arrays as []any, numbers as json.Number), in one pass that also refuses what
// encoding/json lets through silently: invalid UTF-8 (which it replaces with U+FFFD) and
// duplicate object keys (where it keeps the last one, while other parsers keep the first).
type jsonDecoder struct {
	data   []byte
	pos    int
	path   []string // JSON pointer tokens of the value being decoded, for messages
	issues []Issue
	stop   bool // a limit was hit: the body is reported, not evaluated
}

// Decode decodes a JSON body into the values the engine validates (objects as map[string]any,
// arrays as []any, numbers as json.Number). It returns the value, the issues found in a
// well-formed body, and a *SyntaxError when the body is not JSON. Decode is safe for concurrent
// use.
func Decode(data []byte) (any, []Issue, error) {
	d := jsonDecoder{data: data}
	d.space()
	v, err := d.value(0)
	if err != nil {
		return nil, d.issues, err
	}
	d.space()
	if d.pos < len(d.data) {
		return nil, d.issues, d.errorf("unexpected data after the JSON value")
	}
	if d.stop {
		v = nil
	}
	return v, d.issues, nil
}

func (d *jsonDecoder) errorf(format string, a ...any) error {
	return &SyntaxError{Msg: fmt.Sprintf(format, a...), Offset: d.pos}
}

func (d *jsonDecoder) pointer() string {
	if len(d.path) == 0 {
		return ""
	}
	var b strings.Builder
	for _, t := range d.path {
		b.WriteByte('/')
		b.WriteString(jsonptr.Escape(t))
	}
	return b.String()
}

func (d *jsonDecoder) limit(format string, a ...any) {
	if !d.stop {
		d.issues = append(d.issues, Issue{Kind: "limits", Pointer: d.pointer(), Message: fmt.Sprintf(format, a...)})
	}
	d.stop = true
}

func (d *jsonDecoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *jsonDecoder) value(depth int) (any, error) {
	if d.pos >= len(d.data) {
		if len(d.data) == 0 {
			return nil, d.errorf("the body is empty")
		}
		return nil, d.errorf("the JSON ends early")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		if depth >= maxDepth {
			d.limit("the body nests deeper than %d levels, which specgate does not evaluate", maxDepth)
			return nil, d.skipNested()
		}
		return d.object(depth + 1)
	case c == '[':
		if depth >= maxDepth {
			d.limit("the body nests deeper than %d levels, which specgate does not evaluate", maxDepth)
			return nil, d.skipNested()
		}
		return d.array(depth + 1)
	case c == '"':
		return d.str()
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	default:
		return nil, d.errorf("invalid character %s looking for the beginning of a value", quoteChar(c))
	}
}

// skipNested checks the syntax of a too-deep value without building it, iteratively.
func (d *jsonDecoder) skipNested() error {
	var stack []byte
	for {
		d.space()
		if d.pos >= len(d.data) {
			return d.errorf("the JSON ends early")
		}
		switch c := d.data[d.pos]; c {
		case '{', '[':
			stack = append(stack, c)
			d.pos++
		case '}', ']':
			if len(stack) == 0 || stack[len(stack)-1] != map[byte]byte{'}': '{', ']': '['}[c] {
				return d.errorf("invalid character %s", quoteChar(c))
			}
			stack = stack[:len(stack)-1]
			d.pos++
			if len(stack) == 0 {
				return nil
			}
		case ',', ':':
			d.pos++
		case '"':
			if _, err := d.str(); err != nil {
				return err
			}
		default:
			if _, err := d.value(0); err != nil {
				return err
			}
		}
	}
}

func (d *jsonDecoder) literal(word string) error {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return d.errorf("invalid literal, expected %s", word)
	}
	d.pos += len(word)
	return nil
}

func (d *jsonDecoder) object(depth int) (any, error) {
	d.pos++ // {
	m := map[string]any{}
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return m, nil
	}
	for {
		d.space()
		if d.pos >= len(d.data) {
			return nil, d.errorf("the JSON ends early")
		}
		if d.data[d.pos] != '"' {
			return nil, d.errorf("invalid character %s looking for the beginning of an object key", quoteChar(d.data[d.pos]))
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.errorf("expected ':' after an object key")
		}
		d.pos++
		d.space()
		d.path = append(d.path, k)
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup {
			d.issues = append(d.issues, Issue{Kind: "duplicate_key", Pointer: d.pointer(),
				Message: fmt.Sprintf("`%s` appears more than once in its object; parsers disagree on which value wins (specgate checks the last)", d.pointer())})
		}
		d.path = d.path[:len(d.path)-1]
		m[k] = v
		d.space()
		if d.pos >= len(d.data) {
			return nil, d.errorf("the JSON ends early")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return m, nil
		default:
			return nil, d.errorf("invalid character %s after an object value", quoteChar(d.data[d.pos]))
		}
	}
}

func (d *jsonDecoder) array(depth int) (any, error) {
	d.pos++ // [
	a := []any{}
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return a, nil
	}
	for i := 0; ; i++ {
		d.space()
		d.path = append(d.path, strconv.Itoa(i))
		v, err := d.value(depth)
		d.path = d.path[:len(d.path)-1]
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		d.space()
		if d.pos >= len(d.data) {
			return nil, d.errorf("the JSON ends early")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return a, nil
		default:
			return nil, d.errorf("invalid character %s after an array element", quoteChar(d.data[d.pos]))
		}
	}
}

func (d *jsonDecoder) str() (string, error) {
	d.pos++ // opening quote
	start := d.pos
	// Fast path: no escapes, ASCII only.
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c == '"' {
			s := string(d.data[start:d.pos])
			d.pos++
			return s, nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		d.pos++
	}
	b := make([]byte, 0, d.pos-start+16)
	b = append(b, d.data[start:d.pos]...)
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			return string(b), nil
		case c < 0x20:
			return "", d.errorf("invalid control character %s in a string", quoteChar(c))
		case c == '\\':
			if d.pos+1 >= len(d.data) {
				return "", d.errorf("the JSON ends early")
			}
			e := d.data[d.pos+1]
			d.pos += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := d.hex4()
				if !ok {
					return "", d.errorf("invalid \\u escape in a string")
				}
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if d.pos+1 < len(d.data) && d.data[d.pos] == '\\' && d.data[d.pos+1] == 'u' {
						save := d.pos
						d.pos += 2
						if x, ok := d.hex4(); ok {
							r2 = x
						} else {
							d.pos = save
						}
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
					} else {
						// A lone surrogate is not a character; encoding/json reads it as U+FFFD.
						r = utf8.RuneError
						if r2 >= 0 {
							d.pos -= 6
						}
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", d.errorf("invalid escape \\%s in a string", string(rune(e)))
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			d.pos++
		default:
			r, size := utf8.DecodeRune(d.data[d.pos:])
			if r == utf8.RuneError && size <= 1 {
				return "", d.errorf("invalid UTF-8 in a string at %s", orRoot(d.pointer()))
			}
			b = append(b, d.data[d.pos:d.pos+size]...)
			d.pos += size
		}
	}
	return "", d.errorf("the JSON ends early inside a string")
}

func orRoot(ptr string) string {
	if ptr == "" {
		return "the top level"
	}
	return "`" + ptr + "`"
}

func (d *jsonDecoder) hex4() (rune, bool) {
	if len(d.data)-d.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.data[d.pos : d.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	d.pos += 4
	return r, true
}

func (d *jsonDecoder) number() (any, error) {
	start := d.pos
	if d.data[d.pos] == '-' {
		d.pos++
	}
	digits := func() int {
		n := 0
		for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	if d.pos < len(d.data) && d.data[d.pos] == '0' {
		d.pos++
	} else if digits() == 0 {
		return nil, d.errorf("invalid number: a digit must follow '-'")
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if digits() == 0 {
			return nil, d.errorf("invalid number: a digit must follow '.'")
		}
	}
	exp := 0
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		neg := false
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			neg = d.data[d.pos] == '-'
			d.pos++
		}
		es := d.pos
		if digits() == 0 {
			return nil, d.errorf("invalid number: a digit must follow the exponent")
		}
		e, err := strconv.Atoi(string(d.data[es:d.pos]))
		if err != nil || e > maxExponent {
			e = maxExponent + 1
		}
		if neg {
			e = -e
		}
		exp = e
	}
	n := json.Number(d.data[start:d.pos])
	if len(n) > maxNumberChars || exp > maxExponent || exp < -maxExponent {
		d.limit("the number at %s is %d characters long with exponent %d; specgate evaluates numbers of at most %d characters and exponents within ±%d", orRoot(d.pointer()), len(n), exp, maxNumberChars, maxExponent)
	}
	return n, nil
}

func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	return strconv.QuoteRuneToASCII(rune(c))
}
