package specs

import (
	"encoding/json"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/specgate/specgate/internal/jsonptr"
)

// scanJSON is parseJSON's fast way, for well-formed JSON: one pass over the bytes building the
// same value, node tree (lines and columns as parseJSON gives them: a token's last byte) and
// repeated keys, without encoding/json's token-by-token decoder, which costs more than the
// parse itself. It reports false for anything it does not read the way parseJSON does (a
// syntax error, an escape in a number, nesting deeper than parseJSON allows): parseJSON then
// reads the file itself, with its own errors. TestScanJSONEqualsParseJSON compares the two.
func scanJSON(data []byte) (any, *yaml.Node, []dupKey, bool) {
	s := jsonScanner{data: data, line: 1, keys: map[string]string{}}
	s.space()
	v, n, ok := s.value(0)
	if !ok {
		return nil, nil, nil, false
	}
	s.space()
	if s.pos != len(data) {
		return nil, nil, nil, false
	}
	return v, n, s.b.dups, true
}

type jsonScanner struct {
	data []byte
	pos  int
	// line is the line at pos, lineStart the offset where it starts.
	line, lineStart int
	slab            []yaml.Node
	slabs           int
	// keys interns object keys: documents repeat a few hundred of them many times over.
	keys map[string]string
	b    valueBuilder
}

func (s *jsonScanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\r':
		case '\n':
			s.line++
			s.lineStart = s.pos + 1
		default:
			return
		}
		s.pos++
	}
}

// node allocates a node of the token whose last byte is at end.
func (s *jsonScanner) node(kind yaml.Kind, tag string, end int) *yaml.Node {
	if len(s.slab) == 0 {
		s.slab = make([]yaml.Node, slabSize(&s.slabs))
	}
	n := &s.slab[0]
	s.slab = s.slab[1:]
	n.Kind, n.Tag, n.Line, n.Column = kind, tag, s.line, end-s.lineStart+1
	return n
}

func (s *jsonScanner) value(depth int) (any, *yaml.Node, bool) {
	if depth > 10000 || s.pos >= len(s.data) {
		return nil, nil, false
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		n := s.node(yaml.MappingNode, "!!map", s.pos)
		n.Style = yaml.FlowStyle
		s.pos++
		m := map[string]any{}
		s.space()
		if s.pos < len(s.data) && s.data[s.pos] == '}' {
			s.pos++
			return m, n, true
		}
		for {
			if s.pos >= len(s.data) || s.data[s.pos] != '"' {
				return nil, nil, false
			}
			k, end, ok := s.str()
			if !ok {
				return nil, nil, false
			}
			if interned, ok := s.keys[k]; ok {
				k = interned
			} else {
				s.keys[k] = k
			}
			kn := s.node(yaml.ScalarNode, "!!str", end)
			kn.Value = k
			if _, dup := m[k]; dup {
				s.b.dups = append(s.b.dups, dupKey{ptr: s.b.pointer(k), line: kn.Line, first: firstKeyLine(n.Content, k)})
			}
			s.space()
			if s.pos >= len(s.data) || s.data[s.pos] != ':' {
				return nil, nil, false
			}
			s.pos++
			s.space()
			s.b.path = append(s.b.path, jsonptr.Escape(k))
			v, vn, ok := s.value(depth + 1)
			s.b.path = s.b.path[:len(s.b.path)-1]
			if !ok {
				return nil, nil, false
			}
			m[k] = v
			n.Content = append(n.Content, kn, vn)
			if more, ok := s.after('}'); !ok {
				return nil, nil, false
			} else if !more {
				return m, n, true
			}
		}
	case c == '[':
		n := s.node(yaml.SequenceNode, "!!seq", s.pos)
		n.Style = yaml.FlowStyle
		s.pos++
		l := []any{}
		s.space()
		if s.pos < len(s.data) && s.data[s.pos] == ']' {
			s.pos++
			return l, n, true
		}
		for {
			s.b.path = append(s.b.path, strconv.Itoa(len(l)))
			v, vn, ok := s.value(depth + 1)
			s.b.path = s.b.path[:len(s.b.path)-1]
			if !ok {
				return nil, nil, false
			}
			l = append(l, v)
			n.Content = append(n.Content, vn)
			if more, ok := s.after(']'); !ok {
				return nil, nil, false
			} else if !more {
				return l, n, true
			}
		}
	case c == '"':
		v, end, ok := s.str()
		if !ok {
			return nil, nil, false
		}
		n := s.node(yaml.ScalarNode, "!!str", end)
		n.Value = v
		return v, n, true
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	for _, lit := range []struct {
		text string
		v    any
		tag  string
	}{{"true", true, "!!bool"}, {"false", false, "!!bool"}, {"null", nil, "!!null"}} {
		if len(s.data)-s.pos >= len(lit.text) && string(s.data[s.pos:s.pos+len(lit.text)]) == lit.text {
			s.pos += len(lit.text)
			n := s.node(yaml.ScalarNode, lit.tag, s.pos-1)
			n.Value = lit.text
			return lit.v, n, true
		}
	}
	return nil, nil, false
}

// after reads what follows a member of an object or array that end closes: a comma, and more
// members follow, or end, and it is closed; anything else, or the end of the data, is no JSON.
func (s *jsonScanner) after(end byte) (more, ok bool) {
	s.space()
	if s.pos >= len(s.data) {
		return false, false
	}
	switch s.data[s.pos] {
	case ',':
		s.pos++
		s.space()
		return true, true
	case end:
		s.pos++
		return false, true
	}
	return false, false
}

// str reads the string at pos (its opening quote) and returns it and the offset of its closing
// quote. One with escapes is read by encoding/json, as parseJSON reads it.
func (s *jsonScanner) str() (string, int, bool) {
	start := s.pos
	escaped := false
	for i := start + 1; i < len(s.data); i++ {
		switch c := s.data[i]; {
		case c == '"':
			s.pos = i + 1
			if !escaped {
				return string(s.data[start+1 : i]), i, true
			}
			var v string
			if json.Unmarshal(s.data[start:i+1], &v) != nil {
				return "", 0, false
			}
			return v, i, true
		case c == '\\':
			escaped = true
			i++
		case c < 0x20:
			return "", 0, false
		}
	}
	return "", 0, false
}

// number reads a number in JSON's grammar: an int when strconv.Atoi reads it, a float64
// otherwise, as parseJSON does.
func (s *jsonScanner) number() (any, *yaml.Node, bool) {
	d, start := s.data, s.pos
	i := start
	if i < len(d) && d[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i - j
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case digits() == 0:
		return nil, nil, false
	}
	isInt := true
	if i < len(d) && d[i] == '.' {
		i++
		isInt = false
		if digits() == 0 {
			return nil, nil, false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		isInt = false
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			return nil, nil, false
		}
	}
	text := string(d[start:i])
	s.pos = i
	n := s.node(yaml.ScalarNode, "!!float", i-1)
	n.Value = text
	if isInt {
		if v, err := strconv.Atoi(text); err == nil {
			n.Tag = "!!int"
			return v, n, true
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, nil, false
	}
	return f, n, true
}

// slabSize is the number of nodes the next slab of a tree allocates, *n counting the slabs so
// far: small for a small file, whose nodes would otherwise be mostly zeroed memory.
func slabSize(n *int) int {
	size := 16 << *n
	if size < 512 {
		*n++
	}
	return min(size, 512)
}
