package traffic

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// maxEntryText bounds what one entry's strings other than its bodies (URL, headers, comment,
// ...) may hold together, so that no entry, however it is built, takes more memory than its
// bodies' limit and this.
const maxEntryText = 16 << 20

// headerCost is what a header costs of maxEntryText besides its text, so that a million empty
// headers are bounded too.
const headerCost = 32

// harReader walks a HAR file's tokens to log.entries, reads one entry per call, and after the
// last one reads the rest of the file, so that a second "log" or "entries" key (which other
// readers may take for the recording) is an error rather than a recording silently unread.
type harReader struct {
	name    string
	s       *scanner
	maxBody int64
	state   int // harStart, harFirst, harNext or harDone
	index   int
	top     objIter
	log     objIter
}

const (
	harStart = iota
	harFirst // in log.entries, before the first entry
	harNext  // in log.entries, after an entry
	harDone
)

func (h *harReader) fail(index int, err error) error {
	return &Error{File: h.name, Index: index, Err: jsonError(err)}
}

func (h *harReader) next() (Record, error) {
	s := h.s
	switch h.state {
	case harStart:
		if err := h.seekEntries(); err != nil {
			return Record{}, h.fail(-1, err)
		}
		h.state = harFirst
	case harDone:
		return Record{}, io.EOF
	}
	if err := s.ws(); err != nil {
		return Record{}, h.fail(h.index, err)
	}
	c, err := s.peekIn()
	if err != nil {
		return Record{}, h.fail(h.index, err)
	}
	switch {
	case c == ']':
		s.advance(1)
		h.state = harDone
		if err := h.rest(); err != nil {
			return Record{}, h.fail(-1, err)
		}
		return Record{}, io.EOF
	case h.state == harNext && c != ',':
		return Record{}, h.fail(h.index, s.unexpected(c, "',' or ']' after an entry"))
	case h.state == harNext:
		s.advance(1)
	}
	rec := Record{File: h.name, Index: h.index}
	h.index++
	p := entryParser{s: s, budget: maxEntryText}
	var e harEntry
	if err := p.entry(&e); err != nil {
		// Broken JSON ends the file: nothing after it can be trusted to be where it seems.
		return Record{}, h.fail(rec.Index, err)
	}
	h.state = harNext
	err = p.err
	if err == nil {
		err = harRecord(&e, &rec, h.maxBody)
	}
	if err != nil {
		rec.Err = &Error{File: h.name, Index: rec.Index, Err: err}
	}
	return rec, nil
}

// seekEntries reads the file up to and including the '[' that opens log.entries.
func (h *harReader) seekEntries() error {
	s := h.s
	if k, err := s.kind(); err != nil {
		return err
	} else if k != '{' {
		return fmt.Errorf("the HAR file: got %s, want an object", article(k))
	}
	s.advance(1)
	h.top = objIter{s: s, first: true}
	if err := h.find(&h.top, "log"); err != nil {
		return err
	}
	if k, err := s.kind(); err != nil {
		return err
	} else if k != '{' {
		return fmt.Errorf("log: got %s, want an object", article(k))
	}
	s.advance(1)
	h.log = objIter{s: s, first: true}
	if err := h.find(&h.log, "entries"); err != nil {
		if errors.Is(err, errMissing) {
			return errors.New("log.entries: missing")
		}
		return err
	}
	if k, err := s.kind(); err != nil {
		return err
	} else if k != '[' {
		return fmt.Errorf("log.entries: got %s, want an array", article(k))
	}
	s.advance(1)
	return nil
}

var errMissing = errors.New("missing")

// find reads the keys of it, skipping their values, up to key.
func (h *harReader) find(it *objIter, key string) error {
	for {
		k, ok, err := it.next()
		if err != nil {
			return err
		}
		if !ok {
			if key == "log" {
				return errors.New("log: missing")
			}
			return errMissing
		}
		if k == key {
			return nil
		}
		if err := h.s.skip(); err != nil {
			return err
		}
	}
}

// rest reads what follows log.entries: the other members of log and of the file's object, and
// nothing after it.
func (h *harReader) rest() error {
	for _, x := range []struct {
		it        *objIter
		key, path string
	}{{&h.log, "entries", "log.entries"}, {&h.top, "log", "log"}} {
		for {
			line, off := h.s.line, h.s.off
			k, ok, err := x.it.next()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			if k == x.key {
				return fmt.Errorf("%s: the key appears again near line %d (byte %d); readers disagree on which one holds the recording, so the file is refused", x.path, line, off)
			}
			if err := h.s.skip(); err != nil {
				return err
			}
		}
	}
	if err := h.s.ws(); err != nil {
		return err
	}
	if c, err := h.s.peek(); err == nil {
		return h.s.unexpected(c, "the end of the file after the HAR object")
	} else if !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// objIter reads the keys of an object whose '{' was read, one at a time, so that reading it can
// stop at a key and resume later.
type objIter struct {
	s     *scanner
	first bool
}

// next returns the next key, with the scanner at its value, or ok false at the object's end.
func (it *objIter) next() (key string, ok bool, err error) {
	s := it.s
	if err := s.ws(); err != nil {
		return "", false, err
	}
	c, err := s.peekIn()
	if err != nil {
		return "", false, err
	}
	switch {
	case c == '}':
		s.advance(1)
		return "", false, nil
	case !it.first && c != ',':
		return "", false, s.unexpected(c, "',' or '}'")
	case !it.first:
		s.advance(1)
		if err := s.ws(); err != nil {
			return "", false, err
		}
		if c, err = s.peekIn(); err != nil {
			return "", false, err
		}
	}
	it.first = false
	if c != '"' {
		return "", false, s.unexpected(c, "a key")
	}
	kb, _, err := s.str(maxKey)
	if err != nil {
		return "", false, err
	}
	if err := s.expect(':', "':'"); err != nil {
		return "", false, err
	}
	return string(kb), true, nil
}

// article names a kind with its article, as messages do: "an object", "a string".
func article(k byte) string {
	switch k {
	case '{', '[':
		return "an " + kindName(k)
	case 'i':
		return "an integer"
	}
	return "a " + kindName(k)
}

// entryParser reads the fields specgate uses from one entry (HAR) or line (JSON Lines). A field
// of the wrong type, a repeated field or a field too long is the entry's problem, kept in err
// while the rest of the entry is read; broken JSON is returned, since it ends the file.
type entryParser struct {
	s      *scanner
	budget int64 // bytes left for the entry's strings other than bodies
	err    error
	// strict makes unknown keys problems (JSON Lines, where a typo must not drop a part).
	strict bool
	// limit is the longest body kept; 0 means DefaultMaxBody.
	limit int64
}

func (p *entryParser) fault(path, format string, args ...any) {
	if p.err != nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	p.err = errors.New(msg)
}

// is reports whether the next value is of kind want ('i' for an integer is read as a number);
// null and values of another kind are read past, the latter recorded as a fault.
func (p *entryParser) is(path string, want byte) (bool, error) {
	k, err := p.s.kind()
	if err != nil {
		return false, err
	}
	if k == want || want == 'i' && k == '0' || want == 't' && k == 'f' {
		return true, nil
	}
	if k != 'n' {
		p.fault(path, "got a JSON %s, want %s", kindName(k), article(want))
	}
	return false, p.s.skip()
}

// text reads a string field into dst.
func (p *entryParser) text(path string, dst *string) error {
	ok, err := p.is(path, '"')
	if !ok || err != nil {
		return err
	}
	b, n, err := p.s.str(p.budget)
	if err != nil {
		return err
	}
	if b == nil {
		p.fault(path, "the entry's fields other than its bodies hold more than %d MiB together (%d bytes here)", maxEntryText>>20, n)
		p.budget = 0
		return nil
	}
	p.budget -= n
	*dst = string(b)
	return nil
}

// integer reads an integer field into dst.
func (p *entryParser) integer(path string, dst *int64) error {
	ok, err := p.is(path, 'i')
	if !ok || err != nil {
		return err
	}
	t, err := p.s.number()
	if err != nil {
		return err
	}
	n, perr := strconv.ParseInt(t, 10, 64)
	if perr != nil {
		p.fault(path, "got a JSON number that is not an integer in range, want an integer")
		return nil
	}
	*dst = n
	return nil
}

// boolean reads a boolean field into dst.
func (p *entryParser) boolean(path string, dst *bool) error {
	ok, err := p.is(path, 't')
	if !ok || err != nil {
		return err
	}
	*dst, err = p.s.literal()
	return err
}

// body reads a body string, keeping it when it is at most max bytes long.
func (p *entryParser) body(path string, max int64, dst *bodyText) error {
	ok, err := p.is(path, '"')
	if !ok || err != nil {
		return err
	}
	b, n, err := p.s.str(max)
	if err != nil {
		return err
	}
	*dst = bodyText{set: true, text: b, size: n}
	return nil
}

// obj reads an object field, calling fields[key] for each key it knows; a key that appears
// twice is a fault (parsers disagree on which value wins), and unknown keys are read past, or
// are faults when the parser is strict. ok is false when the value is null or not an object.
func (p *entryParser) obj(path string, fields map[string]func(path string) error) (bool, error) {
	return p.objAt(path, path, fields)
}

// objAt is obj for an object named self in messages about its type, whose members are named
// under path.
func (p *entryParser) objAt(self, path string, fields map[string]func(path string) error) (bool, error) {
	ok, err := p.is(self, '{')
	if !ok || err != nil {
		return ok, err
	}
	seen := make(map[string]bool, len(fields))
	return true, p.s.object(func(key string) error {
		read := fields[key]
		sub := key
		if path != "" {
			sub = path + "." + key
		}
		switch {
		case read == nil:
			if p.strict {
				p.fault(path, "unknown field %s", strconv.Quote(clipKey(key)))
			}
			return p.s.skip()
		case seen[key]:
			p.fault(sub, "the key appears twice; parsers disagree on which value wins")
			return p.s.skip()
		}
		seen[key] = true
		return read(sub)
	})
}

func clipKey(k string) string {
	if len(k) > 64 {
		return k[:64] + "..."
	}
	return k
}

// bodyText is a body string as read: present or not, and its bytes when they were kept.
type bodyText struct {
	set  bool
	text []byte // nil when the body was longer than the limit
	size int64  // its decoded length in bytes
}

// tooLarge reports whether the body was present but not kept.
func (b bodyText) tooLarge() bool { return b.set && b.text == nil }

func (p *entryParser) entry(e *harEntry) error {
	_, err := p.objAt("value", "", map[string]func(string) error{
		"comment":  func(path string) error { return p.text(path, &e.Comment) },
		"request":  func(path string) error { e.Request = &harRequest{}; return p.request(path, e.Request) },
		"response": func(path string) error { e.Response = &harResponse{}; return p.response(path, e.Response) },
	})
	return err
}

func (p *entryParser) request(path string, r *harRequest) error {
	_, err := p.obj(path, map[string]func(string) error{
		"method":   func(path string) error { return p.text(path, &r.Method) },
		"url":      func(path string) error { return p.text(path, &r.URL) },
		"headers":  func(path string) error { return p.headers(path, &r.Headers) },
		"bodySize": func(path string) error { return p.integer(path, &r.BodySize) },
		"postData": func(path string) error {
			r.PostData = &harPostData{}
			ok, err := p.obj(path, map[string]func(string) error{
				"mimeType": func(path string) error { return p.text(path, &r.PostData.MimeType) },
				"text":     func(path string) error { return p.body(path, p.maxBody(), &r.PostData.Text) },
			})
			if !ok {
				r.PostData = nil
			}
			return err
		},
	})
	return err
}

func (p *entryParser) response(path string, r *harResponse) error {
	_, err := p.obj(path, map[string]func(string) error{
		"status":   func(path string) error { return p.integer(path, &r.Status) },
		"headers":  func(path string) error { return p.headers(path, &r.Headers) },
		"bodySize": func(path string) error { return p.integer(path, &r.BodySize) },
		"_error":   func(path string) error { return p.text(path, &r.Error) },
		"content": func(path string) error {
			c := &harContent{}
			ok, err := p.obj(path, map[string]func(string) error{
				"size":     func(path string) error { return p.integer(path, &c.Size) },
				"encoding": func(path string) error { return p.text(path, &c.Encoding) },
				"mimeType": func(path string) error { return p.text(path, &c.MimeType) },
				// The encoding may come after the text: keep what base64 of the limit takes.
				"text": func(path string) error { return p.body(path, base64Len(p.maxBody()), &c.Text) },
			})
			if ok {
				r.Content = c
			}
			return err
		},
	})
	return err
}

// maxBody is the longest body kept.
func (p *entryParser) maxBody() int64 {
	if p.limit <= 0 {
		return DefaultMaxBody
	}
	return p.limit
}

// base64Len is the length of the base64 text of n bytes.
func base64Len(n int64) int64 { return (n + 2) / 3 * 4 }

func (p *entryParser) headers(path string, dst *[]harHeader) error {
	ok, err := p.is(path, '[')
	if !ok || err != nil {
		return err
	}
	return p.s.array(func(i int) error {
		var h harHeader
		at := path + "[" + strconv.Itoa(i) + "]"
		ok, err := p.obj(at, map[string]func(string) error{
			"name":  func(path string) error { return p.text(path, &h.Name) },
			"value": func(path string) error { return p.text(path, &h.Value) },
		})
		if err != nil || !ok {
			return err
		}
		p.budget -= headerCost
		if p.budget < 0 {
			p.fault(path, "the entry's fields other than its bodies hold more than %d MiB together", maxEntryText>>20)
			p.budget = 0
			return nil
		}
		*dst = append(*dst, h)
		return nil
	})
}

// The HAR 1.2 fields specgate reads; everything else is read past.
type harEntry struct {
	Comment  string
	Request  *harRequest
	Response *harResponse
}

type harRequest struct {
	Method   string
	URL      string
	Headers  []harHeader
	PostData *harPostData
	BodySize int64
}

type harHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harPostData struct {
	MimeType string
	Text     bodyText
}

type harResponse struct {
	Status   int64
	Headers  []harHeader
	Content  *harContent
	BodySize int64
	// Error is Chrome's reason for a request without a response ("net::ERR_ABORTED").
	Error string
}

type harContent struct {
	Size     int64
	Text     bodyText
	Encoding string
	MimeType string
}
