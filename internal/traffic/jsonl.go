package traffic

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/specgate/specgate/validator"
)

// linesReader reads JSON Lines, one exchange per non-blank line. A line is streamed like a HAR
// entry, so its length is not limited: a body longer than the limit is read past and marked not
// recorded, and a line that is broken is that line's error, reading going on with the next line.
type linesReader struct {
	name    string
	s       *scanner
	maxBody int64
	index   int
}

func (l *linesReader) next() (Record, error) {
	s := l.s
	// Blank lines are skipped.
	for {
		if err := s.ws(); err != nil {
			return Record{}, l.fatal(err)
		}
		c, err := s.peek()
		if errors.Is(err, io.EOF) {
			return Record{}, io.EOF
		}
		if err != nil {
			return Record{}, l.fatal(err)
		}
		if c != '\n' {
			break
		}
		s.advance(1)
	}
	rec := Record{File: l.name, Index: l.index, Line: s.line}
	l.index++
	p := entryParser{s: s, budget: maxEntryText, strict: true, limit: l.maxBody}
	var x lineExchange
	err := p.line(&x)
	if err == nil {
		// One value per line: only whitespace may follow it.
		if err = s.ws(); err == nil {
			if c, perr := s.peek(); perr == nil && c != '\n' {
				err = fmt.Errorf("more than one JSON value on the line (at byte %d); put one exchange object per line", s.off)
			}
		}
	}
	if err == nil {
		err = p.err
	}
	if err == nil {
		err = lineRecord(&x, &rec, l.maxBody)
	}
	if err != nil {
		var de decompressError
		if errors.As(err, &de) {
			return Record{}, l.fatal(err)
		}
		rec.Err = &Error{File: l.name, Index: rec.Index, Line: rec.Line, Err: jsonError(err)}
		if serr := l.skipLine(); serr != nil {
			return Record{}, l.fatal(serr)
		}
	}
	return rec, nil
}

func (l *linesReader) fatal(err error) error {
	return &Error{File: l.name, Index: l.index, Line: l.s.line, Err: jsonError(err)}
}

// skipLine reads past the rest of the current line, however long, keeping none of it.
func (l *linesReader) skipLine() error {
	s := l.s
	start := s.line
	for s.line == start {
		if _, err := s.r.Peek(1); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, errTruncated) {
				return nil
			}
			return err
		}
		buf, _ := s.r.Peek(s.r.Buffered())
		n := len(buf)
		for i, c := range buf {
			if c == '\n' {
				n = i + 1
				break
			}
		}
		s.advance(n)
	}
	return nil
}

type lineExchange struct {
	Request   *linePart
	Response  *linePart
	Operation string
	Comment   string
}

// linePart is a request or a response of a JSON Lines exchange.
type linePart struct {
	Method          string
	URL             string
	Status          int64
	Headers         map[string][]string
	Body            bodyText // "body", raw JSON
	BodyText        bodyText
	BodyNotRecorded bool
}

// line reads one JSON Lines object.
func (p *entryParser) line(x *lineExchange) error {
	k, err := p.s.kind()
	if err != nil {
		return err
	}
	if k != '{' {
		p.fault("value", "", "got a JSON %s, want an object", kindName(k))
		return p.s.skip()
	}
	it, _, err := p.open("", "")
	if err != nil {
		return err
	}
	for {
		key, raw, more, err := p.field(&it, "", lineFields)
		if !more || err != nil {
			return err
		}
		switch key {
		case "request":
			x.Request = &linePart{}
			err = p.linePart(key, x.Request, true)
		case "response":
			x.Response = &linePart{}
			err = p.linePart(key, x.Response, false)
		case "operation":
			err = p.text("", key, &x.Operation)
		case "comment":
			err = p.text("", key, &x.Comment)
		default:
			err = p.other("", raw)
		}
		if err != nil {
			return err
		}
	}
}

func (p *entryParser) linePart(path string, x *linePart, request bool) error {
	it, ok, err := p.open("", path)
	if !ok || err != nil {
		return err
	}
	want := lineResponseFields
	if request {
		want = lineRequestFields
	}
	for {
		key, raw, more, err := p.field(&it, path, want)
		if !more || err != nil {
			return err
		}
		switch key {
		case "headers":
			err = p.lineHeaders(path, key, &x.Headers)
		case "body":
			err = p.rawBody(&x.Body)
		case "bodyText":
			err = p.body(path, key, p.maxBody(), &x.BodyText)
		case "bodyNotRecorded":
			err = p.boolean(path, key, &x.BodyNotRecorded)
		case "method":
			err = p.text(path, key, &x.Method)
		case "url":
			err = p.text(path, key, &x.URL)
		case "status":
			err = p.integer(path, key, &x.Status)
		default:
			err = p.other(path, raw)
		}
		if err != nil {
			return err
		}
	}
}

// rawBody reads "body", any JSON value, as written; null is no body.
func (p *entryParser) rawBody(dst *bodyText) error {
	k, err := p.s.kind()
	if err != nil {
		return err
	}
	if k == 'n' {
		_, err := p.s.literal()
		return err
	}
	b, n, err := p.s.raw(p.maxBody())
	if err != nil {
		return err
	}
	*dst = bodyText{set: true, text: b, size: n}
	return nil
}

// lineHeaders reads {"Name": "value" | ["value", ...]}.
func (p *entryParser) lineHeaders(path, key string, dst *map[string][]string) error {
	h := map[string][]string{}
	*dst = h
	ok, err := p.is(path, key, '{')
	if !ok || err != nil {
		return err
	}
	at := join(path, key)
	return p.s.object(func(_ string, raw []byte) error {
		name := string(raw)
		if _, dup := h[name]; dup {
			p.fault(at, clipKey(name), "the key appears twice; parsers disagree on which value wins")
			return p.s.skip()
		}
		p.budget -= int64(len(name)) + headerCost
		k, err := p.s.kind()
		if err != nil {
			return err
		}
		switch k {
		case '"':
			var v string
			if err := p.text(at, name, &v); err != nil {
				return err
			}
			h[name] = []string{v}
			return nil
		case '[':
			vs := []string{}
			err := p.s.array(func(int) error {
				k, err := p.s.kind()
				if err != nil {
					return err
				}
				if k != '"' {
					p.fault(at, clipKey(name), "want a string or a list of strings")
					return p.s.skip()
				}
				var v string
				if err := p.text(at, name, &v); err != nil {
					return err
				}
				p.budget -= headerCost
				vs = append(vs, v)
				return nil
			})
			h[name] = vs
			return err
		}
		p.fault(at, clipKey(name), "want a string or a list of strings")
		return p.s.skip()
	})
}

// lineRecord fills rec from one JSON Lines object.
func lineRecord(x *lineExchange, rec *Record, maxBody int64) error {
	rec.Comment = x.Comment
	rec.Exchange.Operation = x.Operation
	if x.Request == nil && x.Response == nil {
		return errors.New("neither request nor response: an exchange needs at least one")
	}
	if x.Request == nil && x.Operation == "" {
		return errors.New("operation: missing; a response without a request needs the operationId it answers")
	}
	var notes []string
	if r := x.Request; r != nil {
		if r.Method == "" {
			return errors.New("request.method: missing")
		}
		u, err := parseURL(r.URL)
		if err != nil {
			return fmt.Errorf("request.url: %w", err)
		}
		body, notRecorded, err := lineBody("request", r, maxBody, &notes)
		if err != nil {
			return err
		}
		rec.Exchange.Request = &validator.Request{Method: r.Method, URL: u, Header: lineHeaders(r.Headers), Body: body, BodyNotRecorded: notRecorded}
	}
	if r := x.Response; r != nil {
		if r.Status < 100 || r.Status > 999 {
			if r.Status == 0 {
				return errors.New("response.status: missing")
			}
			return fmt.Errorf("response.status: %d is not an HTTP status code", r.Status)
		}
		body, notRecorded, err := lineBody("response", r, maxBody, &notes)
		if err != nil {
			return err
		}
		rec.Exchange.Response = &validator.Response{Status: int(r.Status), Header: lineHeaders(r.Headers), Body: body, BodyNotRecorded: notRecorded}
	}
	for _, n := range notes {
		rec.Note = joinNotes(rec.Note, n)
	}
	return nil
}

// lineHeaders builds a header in name order, so that names differing only in case merge the
// same way every time.
func lineHeaders(m map[string][]string) http.Header {
	h := make(http.Header, len(m))
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range m[name] {
			h.Add(name, v)
		}
	}
	return h
}

func lineBody(part string, r *linePart, maxBody int64, notes *[]string) (body []byte, notRecorded bool, err error) {
	b := r.Body
	switch {
	case r.Body.set && r.BodyText.set:
		return nil, false, fmt.Errorf("%s: both body and bodyText; give one", part)
	case r.BodyText.set:
		b = r.BodyText
	}
	if r.BodyNotRecorded && b.set {
		return nil, false, fmt.Errorf("%s: bodyNotRecorded goes with no body or bodyText", part)
	}
	if b.tooLarge() {
		*notes = append(*notes, tooLargeNote(part, b.size, maxBody))
		return nil, true, nil
	}
	return b.text, r.BodyNotRecorded, nil
}
