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
	p := entryParser{s: s, budget: maxEntryText, limit: h.maxBody}
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
		k, _, ok, err := it.next()
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
			k, _, ok, err := x.it.next()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			if k == x.key {
				return fmt.Errorf("%s: the key appears again at line %d (byte %d); readers disagree on which one holds the recording, so the file is refused", x.path, x.it.line, x.it.off)
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

// objIter reads the keys of an object whose '{' was read, one at a time, without a callback
// (so without an allocation), and so that reading it can stop at a key and resume later.
type objIter struct {
	s     *scanner
	first bool
	seen  fieldSet     // the fields field returned
	raw   [maxKey]byte // the bytes of the last key, when they fit
	// line and off locate the last key, for messages.
	line int
	off  int64
}

// next returns the next key, with the scanner at its value, or ok false at the object's end. key
// is the key interned when the readers know it, else ""; raw holds its bytes until the next call.
func (it *objIter) next() (key string, raw []byte, ok bool, err error) {
	s := it.s
	if err := s.ws(); err != nil {
		return "", nil, false, err
	}
	c, err := s.peekIn()
	if err != nil {
		return "", nil, false, err
	}
	switch {
	case c == '}':
		s.advance(1)
		return "", nil, false, nil
	case !it.first && c != ',':
		return "", nil, false, s.unexpected(c, "',' or '}'")
	case !it.first:
		s.advance(1)
		if err := s.ws(); err != nil {
			return "", nil, false, err
		}
		if c, err = s.peekIn(); err != nil {
			return "", nil, false, err
		}
	}
	it.first = false
	if c != '"' {
		return "", nil, false, s.unexpected(c, "a key")
	}
	it.line, it.off = s.line, s.off
	if n, ok := s.quickKey(&it.raw); ok {
		raw = it.raw[:n]
	} else {
		kb, _, err := s.str(maxKey)
		if err != nil {
			return "", nil, false, err
		}
		if kb == nil {
			kb = []byte("(a key longer than 256 bytes)")
		}
		raw = kb
	}
	if err := s.expect(':', "':'"); err != nil {
		return "", nil, false, err
	}
	return knownKey(raw), raw, true, nil
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

func (p *entryParser) fault(path, key, format string, args ...any) {
	if p.err != nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if name := join(path, key); name != "" {
		msg = name + ": " + msg
	}
	p.err = errors.New(msg)
}

// join names a field under path, as messages do: "request.postData.text".
func join(path, key string) string {
	switch {
	case path == "":
		return key
	case key == "":
		return path
	}
	return path + "." + key
}

// is reports whether the next value is of kind want ('i' for an integer is read as a number,
// 't' for a boolean); null and values of another kind are read past, the latter recorded as a
// fault.
func (p *entryParser) is(path, key string, want byte) (bool, error) {
	k, err := p.s.kind()
	if err != nil {
		return false, err
	}
	if k == want || want == 'i' && k == '0' || want == 't' && k == 'f' {
		return true, nil
	}
	if k != 'n' {
		p.fault(path, key, "got a JSON %s, want %s", kindName(k), article(want))
	}
	return false, p.s.skip()
}

// text reads a string field into dst.
func (p *entryParser) text(path, key string, dst *string) error {
	if str, ok := p.s.quick(p.budget); ok {
		p.budget -= int64(len(str))
		*dst = str
		return nil
	}
	ok, err := p.is(path, key, '"')
	if !ok || err != nil {
		return err
	}
	b, n, err := p.s.str(p.budget)
	if err != nil {
		return err
	}
	if b == nil {
		p.fault(path, key, "the entry's fields other than its bodies hold more than %d MiB together (%d bytes here)", maxEntryText>>20, n)
		p.budget = 0
		return nil
	}
	p.budget -= n
	*dst = string(b)
	return nil
}

// integer reads an integer field into dst.
func (p *entryParser) integer(path, key string, dst *int64) error {
	ok, err := p.is(path, key, 'i')
	if !ok || err != nil {
		return err
	}
	t, err := p.s.number()
	if err != nil {
		return err
	}
	n, ok := parseInt(t)
	if !ok {
		p.fault(path, key, "got a JSON number that is not an integer in range, want an integer")
		return nil
	}
	*dst = n
	return nil
}

// parseInt parses a JSON integer that fits an int64 (nil, a fraction or an exponent do not).
func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// boolean reads a boolean field into dst.
func (p *entryParser) boolean(path, key string, dst *bool) error {
	ok, err := p.is(path, key, 't')
	if !ok || err != nil {
		return err
	}
	*dst, err = p.s.literal()
	return err
}

// body reads a body string, keeping it when it is at most max bytes long.
func (p *entryParser) body(path, key string, max int64, dst *bodyText) error {
	ok, err := p.is(path, key, '"')
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

// open starts reading the object named key under path: ok is false, the value read past, when
// it is null or not an object (a fault).
func (p *entryParser) open(path, key string) (objIter, bool, error) {
	ok, err := p.is(path, key, '{')
	if !ok || err != nil {
		return objIter{}, false, err
	}
	p.s.advance(1)
	return objIter{s: p.s, first: true}, true, nil
}

// other reads past the value of a key the caller does not read: an unknown key, a fault when the
// parser is strict (JSON Lines, where a typo must not drop a part of the exchange).
func (p *entryParser) other(path string, raw []byte) error {
	if p.strict {
		p.fault(path, "", "unknown field %s", strconv.Quote(clipKey(string(raw))))
	}
	return p.s.skip()
}

// field returns the next key of the object it reads, under path, with the scanner at its value,
// or ok false at the object's end. A key of want is returned the first time only: a repeated one
// is a fault (parsers disagree on which value wins), read past. Any other key is returned as "",
// raw holding its bytes for other.
func (p *entryParser) field(it *objIter, path string, want fieldSet) (key string, raw []byte, ok bool, err error) {
	for {
		key, raw, ok, err = it.next()
		if !ok || err != nil {
			return "", nil, ok, err
		}
		bit := harFields[key] & want
		if bit == 0 {
			return "", raw, true, nil
		}
		if it.seen&bit == 0 {
			it.seen |= bit
			return key, raw, true, nil
		}
		p.fault(path, key, "the key appears twice; parsers disagree on which value wins")
		if err := p.s.skip(); err != nil {
			return "", nil, false, err
		}
	}
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

// entry reads one log.entries item; an item that is not an object is named "value".
func (p *entryParser) entry(e *harEntry) error {
	k, err := p.s.kind()
	if err != nil {
		return err
	}
	if k != '{' && k != 'n' {
		p.fault("value", "", "got a JSON %s, want an object", kindName(k))
		return p.s.skip()
	}
	it, ok, err := p.open("", "")
	if !ok || err != nil {
		return err
	}
	for {
		key, raw, more, err := p.field(&it, "", entryFields)
		if !more || err != nil {
			return err
		}
		switch key {
		case "comment":
			err = p.text("", key, &e.Comment)
		case "request":
			e.Request = &harRequest{}
			err = p.request(key, e.Request)
		case "response":
			e.Response = &harResponse{}
			err = p.response(key, e.Response)
		default:
			err = p.other("", raw)
		}
		if err != nil {
			return err
		}
	}
}

// fieldSet is a set of the fields of harFields, one bit each.
type fieldSet uint32

// harFields numbers the fields the readers know, for field.
var harFields = map[string]fieldSet{}

// The fields each object's reader reads, all others being read past; a repeated one is a fault.
var (
	entryFields    = fields("comment", "request", "response")
	requestFields  = fields("method", "url", "headers", "bodySize", "postData")
	postDataFields = fields("mimeType", "text")
	responseFields = fields("status", "headers", "bodySize", "_error", "content")
	contentFields  = fields("size", "encoding", "mimeType", "text")
	headerFields   = fields("name", "value")
	lineFields     = fields("request", "response", "operation", "comment")
	// A request or response line also makes any other field it knows a fault when repeated:
	// JSON Lines is strict, so the first one was a fault already.
	lineRequestFields  = allFields() &^ fields("status")
	lineResponseFields = allFields() &^ fields("method", "url")
)

// fields returns the set of the named fields, numbering the ones harFields does not know yet.
func fields(names ...string) fieldSet {
	var set fieldSet
	for _, n := range names {
		bit, ok := harFields[n]
		if !ok {
			bit = 1 << len(harFields)
			harFields[n] = bit
		}
		set |= bit
	}
	return set
}

// allFields is the set of the fields the readers know.
func allFields() fieldSet {
	return fields("method", "url", "headers", "bodySize", "postData", "mimeType", "text", "status",
		"_error", "content", "size", "encoding", "name", "value", "comment", "request", "response",
		"operation", "body", "bodyText", "bodyNotRecorded")
}

func (p *entryParser) request(path string, r *harRequest) error {
	it, ok, err := p.open("", path)
	if !ok || err != nil {
		return err
	}
	for {
		key, raw, more, err := p.field(&it, path, requestFields)
		if !more || err != nil {
			return err
		}
		switch key {
		case "method":
			err = p.text(path, key, &r.Method)
		case "url":
			err = p.text(path, key, &r.URL)
		case "headers":
			err = p.headers(path, key, &r.Headers)
		case "bodySize":
			err = p.integer(path, key, &r.BodySize)
		case "postData":
			r.PostData = &harPostData{}
			var ok bool
			if ok, err = p.postData(path, key, r.PostData); !ok {
				r.PostData = nil
			}
		default:
			err = p.other(path, raw)
		}
		if err != nil {
			return err
		}
	}
}

func (p *entryParser) postData(path, key string, d *harPostData) (bool, error) {
	it, ok, err := p.open(path, key)
	if !ok || err != nil {
		return ok, err
	}
	at := join(path, key)
	for {
		key, raw, more, err := p.field(&it, at, postDataFields)
		if !more || err != nil {
			return true, err
		}
		switch key {
		case "mimeType":
			err = p.text(at, key, &d.MimeType)
		case "text":
			err = p.body(at, key, p.maxBody(), &d.Text)
		default:
			err = p.other(at, raw)
		}
		if err != nil {
			return true, err
		}
	}
}

func (p *entryParser) response(path string, r *harResponse) error {
	it, ok, err := p.open("", path)
	if !ok || err != nil {
		return err
	}
	for {
		key, raw, more, err := p.field(&it, path, responseFields)
		if !more || err != nil {
			return err
		}
		switch key {
		case "status":
			err = p.integer(path, key, &r.Status)
		case "headers":
			err = p.headers(path, key, &r.Headers)
		case "bodySize":
			err = p.integer(path, key, &r.BodySize)
		case "_error":
			err = p.text(path, key, &r.Error)
		case "content":
			c := &harContent{}
			var ok bool
			if ok, err = p.content(path, key, c); ok {
				r.Content = c
			}
		default:
			err = p.other(path, raw)
		}
		if err != nil {
			return err
		}
	}
}

func (p *entryParser) content(path, key string, c *harContent) (bool, error) {
	it, ok, err := p.open(path, key)
	if !ok || err != nil {
		return ok, err
	}
	at := join(path, key)
	for {
		key, raw, more, err := p.field(&it, at, contentFields)
		if !more || err != nil {
			return true, err
		}
		switch key {
		case "size":
			err = p.integer(at, key, &c.Size)
		case "encoding":
			err = p.text(at, key, &c.Encoding)
		case "mimeType":
			err = p.text(at, key, &c.MimeType)
		case "text":
			// The encoding may come after the text: keep what base64 of the limit takes.
			err = p.body(at, key, base64Len(p.maxBody()), &c.Text)
		default:
			err = p.other(at, raw)
		}
		if err != nil {
			return true, err
		}
	}
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

func (p *entryParser) headers(path, key string, dst *[]harHeader) error {
	ok, err := p.is(path, key, '[')
	if !ok || err != nil {
		return err
	}
	at := join(path, key)
	return p.s.array(func(i int) error {
		k, err := p.s.kind()
		if err != nil {
			return err
		}
		if k != '{' && k != 'n' {
			p.fault(at+"["+strconv.Itoa(i)+"]", "", "got a JSON %s, want an object", kindName(k))
			return p.s.skip()
		}
		it, ok, err := p.open(at, "")
		if !ok || err != nil {
			return err
		}
		var h harHeader
		for {
			key, raw, more, err := p.field(&it, at, headerFields)
			if err != nil {
				return err
			}
			if !more {
				break
			}
			switch key {
			case "name":
				err = p.text(at, key, &h.Name)
			case "value":
				err = p.text(at, key, &h.Value)
			default:
				err = p.other(at, raw)
			}
			if err != nil {
				return err
			}
		}
		p.budget -= headerCost
		if p.budget < 0 {
			p.fault(at, "", "the entry's fields other than its bodies hold more than %d MiB together", maxEntryText>>20)
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
