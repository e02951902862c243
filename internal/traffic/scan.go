package traffic

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// maxNesting bounds how deep the values a reader skips may nest: skipping keeps one byte per
// open container, and a recording has no business nesting deeper.
const maxNesting = 10000

// errTruncated is the end of input inside a value.
var errTruncated = errors.New("unexpected end of input (truncated JSON)")

// syntaxError is a recording that is not JSON, at a line and byte offset.
type syntaxError struct {
	msg  string
	line int
	off  int64
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("not valid JSON at line %d (byte %d): %s", e.line, e.off, e.msg)
}

// scanner reads JSON from a stream token by token. It never holds more of the input than the
// bufio.Reader's buffer plus the one string it is asked to keep, and that only up to the
// limit the caller gives: a longer string is read to its end, counted and dropped, so a 3 GiB
// body in a recording costs its size in reading time, not in memory. Raw bytes that are not
// UTF-8 are kept as they are (encoding/json would replace them with U+FFFD): a body is then
// judged as it was received.
type scanner struct {
	r    *bufio.Reader
	off  int64 // offset of the next byte
	line int   // 1-based line of the next byte
	// lines makes a newline the end of a record (JSON Lines) instead of whitespace.
	lines bool
	// capture, when not nil, receives every byte consumed, up to capMax bytes; capN counts them
	// all.
	capture *[]byte
	capMax  int64
	capN    int64
	num     [maxNumber]byte // the text of the last number read
}

func (s *scanner) syntax(format string, args ...any) error {
	return &syntaxError{msg: fmt.Sprintf(format, args...), line: s.line, off: s.off}
}

// advance consumes the next n buffered bytes.
func (s *scanner) advance(n int) {
	if n == 0 {
		return
	}
	b, _ := s.r.Peek(n)
	s.line += bytes.Count(b, []byte{'\n'})
	s.off += int64(n)
	if s.capture != nil {
		if room := s.capMax - s.capN; room > 0 {
			*s.capture = append(*s.capture, b[:min(int64(n), room)]...)
		}
		s.capN += int64(n)
	}
	_, _ = s.r.Discard(n)
}

// peek returns the next byte without consuming it. At the end of input it returns io.EOF, or
// the reader's error (a decompression failure).
func (s *scanner) peek() (byte, error) {
	b, err := s.r.Peek(1)
	if len(b) == 0 {
		if err == nil {
			err = io.EOF
		}
		return 0, err
	}
	return b[0], nil
}

// peekIn is peek inside a value, where the end of input means truncation.
func (s *scanner) peekIn() (byte, error) {
	c, err := s.peek()
	if errors.Is(err, io.EOF) {
		return 0, errTruncated
	}
	return c, err
}

// ws skips whitespace; in JSON Lines, a newline is not whitespace.
func (s *scanner) ws() error {
	for {
		if _, err := s.r.Peek(1); err != nil {
			return nil // the next peek reports it
		}
		buf, _ := s.r.Peek(s.r.Buffered())
		i := 0
		for i < len(buf) && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n' && !s.lines) {
			i++
		}
		s.advance(i)
		if i < len(buf) {
			return nil
		}
	}
}

// expect consumes the byte c, after whitespace.
func (s *scanner) expect(c byte, want string) error {
	if err := s.ws(); err != nil {
		return err
	}
	got, err := s.peekIn()
	if err != nil {
		return err
	}
	if got != c {
		return s.unexpected(got, want)
	}
	s.advance(1)
	return nil
}

func (s *scanner) unexpected(c byte, want string) error {
	if c == '\n' && s.lines {
		return s.syntax("the line ends inside the value, want %s (JSON Lines holds one object per line)", want)
	}
	return s.syntax("unexpected %s, want %s", quoteByte(c), want)
}

// kind returns what the next value is, after whitespace: '{', '[', '"', '0' (a number), 't',
// 'f' or 'n'.
func (s *scanner) kind() (byte, error) {
	if err := s.ws(); err != nil {
		return 0, err
	}
	c, err := s.peekIn()
	if err != nil {
		return 0, err
	}
	switch {
	case c == '{', c == '[', c == '"', c == 't', c == 'f', c == 'n':
		return c, nil
	case c == '-' || c >= '0' && c <= '9':
		return '0', nil
	}
	return 0, s.unexpected(c, "a JSON value")
}

// kindName names a kind as messages do.
func kindName(k byte) string {
	switch k {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	}
	return "null"
}

// str reads a string and returns its decoded bytes when they are at most limit long; a longer
// string is read to its end and only its decoded size returned (b is then nil). limit < 0 keeps
// nothing.
func (s *scanner) str(limit int64) (b []byte, size int64, err error) {
	if err := s.expect('"', "a string"); err != nil {
		return nil, 0, err
	}
	var out []byte
	keep := func(p []byte) {
		if size+int64(len(p)) > limit {
			out = nil
		} else {
			if len(out)+len(p) > cap(out) {
				// Doubling, not append's slower growth: a 4 MiB body then costs 8 MiB of
				// allocation, not 20.
				grown := make([]byte, len(out), min(limit, int64(max(2*cap(out), len(out)+len(p)))))
				copy(grown, out)
				out = grown
			}
			out = append(out, p...)
		}
		size += int64(len(p))
	}
	keeping := func() bool { return size <= limit }
	for {
		if _, err := s.r.Peek(1); err != nil {
			if errors.Is(err, io.EOF) {
				err = errTruncated
			}
			return nil, 0, err
		}
		buf, _ := s.r.Peek(s.r.Buffered())
		var i int
		if keeping() {
			i = plainRun(buf)
			keep(buf[:i])
		} else {
			i = skipRun(buf)
			size += int64(i)
		}
		s.advance(i)
		c, err := s.peekIn()
		if err != nil {
			return nil, 0, err
		}
		switch {
		case c == '"':
			s.advance(1)
			if size > limit {
				return nil, size, nil
			}
			if out == nil {
				out = []byte{}
			}
			return out, size, nil
		case c < 0x20:
			if c == '\n' {
				return nil, 0, s.syntax("a newline inside a string, want \\n")
			}
			return nil, 0, s.syntax("control character %s inside a string", quoteByte(c))
		case c == '\\':
			r, err := s.escape()
			if err != nil {
				return nil, 0, err
			}
			var enc [utf8.UTFMax]byte
			n := utf8.EncodeRune(enc[:], r)
			if keeping() {
				keep(enc[:n])
			} else {
				size += int64(n)
			}
		}
	}
}

// quick reads, after whitespace, a string that is whole in the buffer, without escapes and at
// most limit bytes long, the common case, with one allocation; ok is false, nothing read, for
// any other value.
func (s *scanner) quick(limit int64) (string, bool) {
	if s.ws() != nil {
		return "", false
	}
	buf, _ := s.r.Peek(s.r.Buffered())
	if len(buf) < 2 || buf[0] != '"' {
		return "", false
	}
	for i := 1; i < len(buf) && int64(i-1) <= limit; i++ {
		switch c := buf[i]; {
		case c == '"':
			str := string(buf[1:i])
			s.advance(i + 1)
			return str, true
		case c == '\\' || c < 0x20:
			return "", false
		}
	}
	return "", false
}

// plainRun is the length of the run of buf that a kept string holds as it is: up to a quote, a
// backslash or a control character.
func plainRun(buf []byte) int {
	i := 0
	for i < len(buf) && buf[i] != '"' && buf[i] != '\\' && buf[i] >= 0x20 {
		i++
	}
	return i
}

// skipRun is plainRun for a string that is not kept, found with bytes.IndexByte (a body of
// gigabytes is read past at memory speed): up to a quote, a backslash or a newline; the other
// control characters a string must not hold are let through, as nothing is made of the string.
func skipRun(buf []byte) int {
	i := bytes.IndexByte(buf, '"')
	if i < 0 {
		i = len(buf)
	}
	if j := bytes.IndexByte(buf[:i], '\\'); j >= 0 {
		i = j
	}
	if j := bytes.IndexByte(buf[:i], '\n'); j >= 0 {
		i = j
	}
	return i
}

// quickKey copies into buf a key that is whole in the buffer, without escapes and at most
// maxKey bytes long, and consumes it; ok is false, nothing read, for any other key.
func (s *scanner) quickKey(buf *[maxKey]byte) (int, bool) {
	b, _ := s.r.Peek(s.r.Buffered())
	if len(b) < 2 || b[0] != '"' {
		return 0, false
	}
	for i := 1; i < len(b) && i <= maxKey+1; i++ {
		c := b[i]
		if c == '"' {
			n := copy(buf[:], b[1:i])
			s.advance(i + 1)
			return n, true
		}
		if c == '\\' || c < 0x20 {
			return 0, false
		}
	}
	return 0, false
}

// escape reads one escape sequence, the backslash first. A surrogate escape that is not half
// of a pair becomes U+FFFD, as encoding/json does.
func (s *scanner) escape() (rune, error) {
	b, err := s.r.Peek(2)
	if len(b) < 2 {
		if err == nil || errors.Is(err, io.EOF) {
			err = errTruncated
		}
		return 0, err
	}
	c := b[1]
	s.advance(2)
	switch c {
	case '"', '\\', '/':
		return rune(c), nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
		r, err := s.hex4()
		if err != nil {
			return 0, err
		}
		if !utf16.IsSurrogate(r) {
			return r, nil
		}
		if b, _ := s.r.Peek(2); len(b) == 2 && b[0] == '\\' && b[1] == 'u' {
			s.advance(2)
			r2, err := s.hex4()
			if err != nil {
				return 0, err
			}
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				return dec, nil
			}
		}
		return utf8.RuneError, nil
	}
	return 0, s.syntax("invalid escape \\%c in a string", c)
}

func (s *scanner) hex4() (rune, error) {
	b, err := s.r.Peek(4)
	if len(b) < 4 {
		if err == nil || errors.Is(err, io.EOF) {
			err = errTruncated
		}
		return 0, err
	}
	var r rune
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, s.syntax("invalid \\u escape in a string")
		}
		r = r<<4 | rune(c)
	}
	s.advance(4)
	return r, nil
}

// maxNumber is the longest number kept; longer ones are skipped, never kept.
const maxNumber = 64

// number reads a number and returns its text, or nil when it is longer than maxNumber
// characters (a longer number is read past, never kept). The text is valid until the next call.
func (s *scanner) number() ([]byte, error) {
	if err := s.ws(); err != nil {
		return nil, err
	}
	n := 0
	for {
		c, err := s.peek()
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if err != nil || !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			break
		}
		if n < maxNumber {
			s.num[n] = c
		}
		n++
		s.advance(1)
	}
	if n == 0 || n <= maxNumber && !validNumber(s.num[:n]) {
		return nil, s.syntax("malformed number")
	}
	if n > maxNumber {
		return nil, nil
	}
	return s.num[:n], nil
}

// validNumber checks JSON's number grammar.
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i == len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i == len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i == len(b)
}

// literal reads true, false or null, and returns true for true.
func (s *scanner) literal() (bool, error) {
	c, err := s.kind()
	if err != nil {
		return false, err
	}
	word := map[byte]string{'t': "true", 'f': "false", 'n': "null"}[c]
	if word == "" {
		return false, s.syntax("want true, false or null")
	}
	b, err := s.r.Peek(len(word))
	if string(b) != word {
		if len(b) < len(word) && (err == nil || errors.Is(err, io.EOF)) {
			return false, errTruncated
		}
		return false, s.syntax("want %s", word)
	}
	s.advance(len(word))
	return c == 't', nil
}

// skip reads past one value, keeping nothing of it; nesting is bounded by maxNesting.
func (s *scanner) skip() error {
	var stack []byte
	for {
		c, err := s.kind()
		if err != nil {
			return err
		}
		switch c {
		case '{', '[':
			if len(stack) == maxNesting {
				return s.syntax("the value nests deeper than %d levels", maxNesting)
			}
			s.advance(1)
			stack = append(stack, c)
			if err := s.ws(); err != nil {
				return err
			}
			next, err := s.peekIn()
			if err != nil {
				return err
			}
			if c == '{' && next == '}' || c == '[' && next == ']' {
				s.advance(1)
				stack = stack[:len(stack)-1]
				break
			}
			if c == '{' {
				if err := s.skipKey(); err != nil {
					return err
				}
			}
			continue
		case '"':
			if _, _, err := s.str(-1); err != nil {
				return err
			}
		case '0':
			if _, err := s.number(); err != nil {
				return err
			}
		default:
			if _, err := s.literal(); err != nil {
				return err
			}
		}
		// After a value: close containers or move to the next member.
		for {
			if len(stack) == 0 {
				return nil
			}
			top := stack[len(stack)-1]
			if err := s.ws(); err != nil {
				return err
			}
			c, err := s.peekIn()
			if err != nil {
				return err
			}
			if top == '{' && c == '}' || top == '[' && c == ']' {
				s.advance(1)
				stack = stack[:len(stack)-1]
				continue
			}
			if c != ',' {
				return s.unexpected(c, map[byte]string{'{': "',' or '}'", '[': "',' or ']'"}[top])
			}
			s.advance(1)
			if top == '{' {
				if err := s.skipKey(); err != nil {
					return err
				}
			}
			break
		}
	}
}

func (s *scanner) skipKey() error {
	if err := s.ws(); err != nil {
		return err
	}
	if c, err := s.peekIn(); err != nil {
		return err
	} else if c != '"' {
		return s.unexpected(c, "a key")
	}
	if _, _, err := s.str(-1); err != nil {
		return err
	}
	return s.expect(':', "':'")
}

// raw reads one value and returns its bytes as written when they are at most max long; for a
// longer value only its size is returned.
func (s *scanner) raw(max int64) ([]byte, int64, error) {
	if err := s.ws(); err != nil {
		return nil, 0, err
	}
	var buf []byte
	s.capture, s.capMax, s.capN = &buf, max+1, 0
	err := s.skip()
	n := s.capN
	s.capture = nil
	if err != nil {
		return nil, 0, err
	}
	if n > max {
		return nil, n, nil
	}
	return buf, n, nil
}

// maxKey is the longest object key kept; the keys a reader looks for are short, and a longer
// key is read as one it does not know.
const maxKey = 256

// object reads an object, calling member with each key and the scanner at its value; member
// must read the value. key is one of knownKeys, without an allocation, or "" for another key,
// whose bytes raw holds (valid only during the call).
func (s *scanner) object(member func(key string, raw []byte) error) error {
	if err := s.expect('{', "'{'"); err != nil {
		return err
	}
	if err := s.ws(); err != nil {
		return err
	}
	if c, err := s.peekIn(); err != nil {
		return err
	} else if c == '}' {
		s.advance(1)
		return nil
	}
	for {
		if err := s.ws(); err != nil {
			return err
		}
		if c, err := s.peekIn(); err != nil {
			return err
		} else if c != '"' {
			return s.unexpected(c, "a key")
		}
		kb, _, err := s.str(maxKey)
		if err != nil {
			return err
		}
		if kb == nil {
			kb = []byte("(a key longer than 256 bytes)")
		}
		if err := s.expect(':', "':'"); err != nil {
			return err
		}
		if err := member(knownKey(kb), kb); err != nil {
			return err
		}
		if err := s.ws(); err != nil {
			return err
		}
		c, err := s.peekIn()
		if err != nil {
			return err
		}
		if c != ',' && c != '}' {
			return s.unexpected(c, "',' or '}'")
		}
		s.advance(1)
		if c == '}' {
			return nil
		}
	}
}

// array reads an array, calling elem with each index and the scanner at the element; elem
// must read it.
func (s *scanner) array(elem func(i int) error) error {
	if err := s.expect('[', "'['"); err != nil {
		return err
	}
	if err := s.ws(); err != nil {
		return err
	}
	if c, err := s.peekIn(); err != nil {
		return err
	} else if c == ']' {
		s.advance(1)
		return nil
	}
	for i := 0; ; i++ {
		if err := elem(i); err != nil {
			return err
		}
		if err := s.ws(); err != nil {
			return err
		}
		c, err := s.peekIn()
		if err != nil {
			return err
		}
		if c != ',' && c != ']' {
			return s.unexpected(c, "',' or ']'")
		}
		s.advance(1)
		if c == ']' {
			return nil
		}
	}
}

// knownKeys are the keys the readers look for: the HAR's "log" and "entries", and the fields of
// harFields.
var knownKeys = map[string]string{"log": "log", "entries": "entries"}

func init() {
	for k := range harFields {
		knownKeys[k] = k
	}
}

// knownKey returns the key b spells when the readers know it, else "".
func knownKey(b []byte) string { return knownKeys[string(b)] }
