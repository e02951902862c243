package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/specgate/specgate/internal/jsonptr"
	"github.com/specgate/specgate/internal/redact"
)

// Bodies shown in the html report are bounded so that a page stays small whatever the traffic.
const (
	maxBodyLines    = 300     // lines of a pretty-printed body
	maxBodyParse    = 1 << 20 // a larger body is shown as its first maxRawBody bytes
	maxRawBody      = 4 << 10 // bytes of a body that is not JSON
	maxRawBodyLines = 100
)

// bodyView is one body as the html report shows it: pretty-printed when it is JSON, with the
// lines of the values that violations point at highlighted.
type bodyView struct {
	Part      string
	Media     string
	Lines     []bodyLine
	Truncated bool
	// JSON is false for a body shown as text (not JSON, or malformed).
	JSON bool
	// anchors maps a JSON pointer to the index of the line its value starts on.
	anchors map[string]int
	size    int
}

// bodyLine is one line of a body: its spans, and whether it belongs to a pointed-at value.
type bodyLine struct {
	No   int
	ID   string
	Hit  bool
	Segs []bodySeg
}

// bodySeg is a run of text of one kind: "k" key, "s" string, "n" number, "l" literal
// (true, false, null), "p" punctuation, "" plain text.
type bodySeg struct {
	Class string
	Text  string
}

// viewBody pretty-prints body for display: secrets redacted, the values at pointers
// highlighted. id prefixes the lines' element ids.
func viewBody(id, part, contentType string, body []byte, pointers []string) *bodyView {
	v := &bodyView{Part: part, Media: contentType, anchors: map[string]int{}}
	if len(body) <= maxBodyParse && json.Valid(body) {
		body = redact.Body("application/json", body)
		p := &printer{dec: json.NewDecoder(bytes.NewReader(body)), targets: map[string]bool{}, view: v, id: id}
		p.dec.UseNumber()
		for _, ptr := range pointers {
			p.targets[ptr] = true
		}
		p.newline(0)
		err := p.value("", 0)
		if err == nil || errors.Is(err, errFull) {
			v.JSON = true
			v.Truncated = errors.Is(err, errFull)
			return v
		}
		v.Lines, v.anchors, v.size = nil, map[string]int{}, 0
	}
	if len(body) > maxBodyParse {
		// Only the first maxRawBody bytes are shown: redact a window of them, not the whole
		// body, which would cost several copies of megabytes for 4 KiB of page. The window
		// reaches past what is shown so that a name/value pair whose name follows its value is
		// still seen whole; a cut string is masked to its end by the tolerant scan.
		body, v.Truncated = redact.Prefix(contentType, body[:maxBodyParse]), true
	} else {
		body = redact.Body(contentType, body)
	}
	text := body
	if len(text) > maxRawBody {
		text, v.Truncated = text[:maxRawBody], true
	}
	s := strings.ToValidUTF8(string(text), "\uFFFD")
	for i, line := range strings.Split(s, "\n") {
		if i == maxRawBodyLines {
			v.Truncated = true
			break
		}
		v.Lines = append(v.Lines, bodyLine{No: i + 1, ID: id + "-l" + strconv.Itoa(i+1), Segs: []bodySeg{{Text: strings.TrimRight(line, "\r")}}})
		v.size += escapedLen(line) + 40
	}
	return v
}

// anchor returns the element id of the line where the value at ptr starts, or "".
func (v *bodyView) anchor(ptr string) string {
	if i, ok := v.anchors[ptr]; ok {
		return v.Lines[i].ID
	}
	return ""
}

var errFull = errors.New("body too long to show whole")

// printer writes JSON tokens as indented lines, keeping the order of the keys.
type printer struct {
	dec     *json.Decoder
	view    *bodyView
	id      string
	targets map[string]bool
	hit     int // > 0 inside a highlighted value
}

func (p *printer) newline(indent int) error {
	if len(p.view.Lines) == maxBodyLines {
		return errFull
	}
	n := len(p.view.Lines) + 1
	l := bodyLine{No: n, ID: p.id + "-l" + strconv.Itoa(n), Hit: p.hit > 0}
	if indent > 0 {
		l.Segs = append(l.Segs, bodySeg{Text: strings.Repeat("  ", indent)})
	}
	p.view.Lines = append(p.view.Lines, l)
	p.view.size += 40 + 2*indent
	return nil
}

func (p *printer) write(class, text string) {
	l := &p.view.Lines[len(p.view.Lines)-1]
	l.Segs = append(l.Segs, bodySeg{Class: class, Text: text})
	if p.hit > 0 {
		l.Hit = true
	}
	p.view.size += escapedLen(text) + 20
}

// escapedLen is the length of s once html/template has escaped it: quotes and the characters
// of markup take five bytes each.
func escapedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"', '\'', '<', '>', '&', '+', 0:
			n += 4
		}
	}
	return n
}

// value prints the value at ptr, which starts on the current line.
func (p *printer) value(ptr string, indent int) error {
	tok, err := p.dec.Token()
	if err != nil {
		return err
	}
	if p.targets[ptr] {
		if _, ok := p.view.anchors[ptr]; !ok {
			p.view.anchors[ptr] = len(p.view.Lines) - 1
		}
		p.hit++
		defer func() { p.hit-- }()
	}
	switch t := tok.(type) {
	case json.Delim:
		open, close := string(t), "}"
		if t == '[' {
			close = "]"
		}
		p.write("p", open)
		if !p.dec.More() {
			if _, err := p.dec.Token(); err != nil {
				return err
			}
			p.write("p", close)
			return nil
		}
		for i := 0; p.dec.More(); i++ {
			if i > 0 {
				p.write("p", ",")
			}
			if err := p.newline(indent + 1); err != nil {
				return err
			}
			child := ptr + "/" + strconv.Itoa(i)
			if t == '{' {
				kt, err := p.dec.Token()
				if err != nil {
					return err
				}
				key, _ := kt.(string)
				p.write("k", quote(key))
				p.write("p", ": ")
				child = jsonptr.Join(ptr, key)
			}
			if err := p.value(child, indent+1); err != nil {
				return err
			}
		}
		if _, err := p.dec.Token(); err != nil {
			return err
		}
		if err := p.newline(indent); err != nil {
			return err
		}
		p.write("p", close)
	case string:
		p.write("s", quote(t))
	case json.Number:
		p.write("n", t.String())
	case bool:
		p.write("l", strconv.FormatBool(t))
	case nil:
		p.write("l", "null")
	}
	return nil
}

// quote writes s as a JSON string, leaving <, > and & as they are: the template escapes them.
func quote(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return strconv.Quote(s)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
