// Package traffic reads recorded HTTP traffic and turns each recorded request/response pair into a
// validator.Exchange, one Record at a time.
//
// Two formats are read, and Open tells them apart by the first key of the first object, after
// decompressing a gzip- or zlib-compressed recording (told by its first bytes, so a .har.gz,
// mitmproxy's .zhar, a renamed file and a compressed stream on stdin all work) and skipping a
// UTF-8 byte order mark and any whitespace before the first object, however long:
//
// HAR 1.2 (an object whose first key is "log"), as browsers ("Save all as HAR with content"),
// proxies and HTTP clients export it. The reader walks the tokens to log.entries, reads one
// entry per Next, and after the last one reads the rest of the file, so that a second "log" or
// "entries" key, or data after the object, is an error naming its line and byte. From each
// entry it takes request.method, request.url, request.headers,
// request.postData.text, response.status, response.headers and response.content.text (decoded
// when content.encoding is "base64"); everything else (timings, cache, content.compression, the
// "_"-prefixed fields exporters add, ...) is ignored. Entries are read in the file's order,
// whatever their startedDateTime. Repeated headers are kept in order; HTTP/2 pseudo-headers
// (":authority", ...) are dropped. Because a HAR stores response bodies decoded, a recorded
// Content-Encoding header is dropped too, so that nobody decodes the body a second time; a body
// that a proxy kept in its gzip or deflate coding is recognised by its bytes and decoded, and a
// JSON or text body kept in a coding specgate does not decode (br, zstd) is marked
// BodyNotRecorded, a Note saying why. Bodies the recording did not keep
// are marked BodyNotRecorded, so that they are reported as such instead of as empty bodies:
// a request with postData but no postData.text (only params), or with no postData but a
// positive bodySize; a response with no content.text but a positive content.size (or bodySize).
// A response with status 0 is what a browser records for a request that got no response
// (aborted, blocked, failed): the exchange then has a nil Response, so the request is validated
// alone, and the Record's Note says why. An entry's Index is its 0-based position in
// log.entries and its Comment the entry's comment.
//
// JSON Lines: one exchange object per line, of any length; blank lines are skipped. A line that
// cannot be read (broken JSON, an object that goes on past the end of its line) is that line's
// error, and reading goes on with the next line. An object looks like
//
//	{"request": {"method": "PATCH", "url": "https://acme.nonemployee.com/api/users/...",
//	             "headers": {"Content-Type": "application/json", "Accept": ["application/json"]},
//	             "body": {"user": {"id": "..."}}},
//	 "response": {"status": 200, "headers": {"Content-Type": "application/json"},
//	              "bodyText": "{\"user\": {}}"},
//	 "operation": "patchUser", "comment": "what this exchange shows"}
//
// but on one line. request and response are each optional, but one must be there; a response
// without a request needs operation (an operationId) so that it can be validated. Header values
// are a string or a list of strings. A body is given either as "body", any JSON value, sent as
// written, or as "bodyText", a string holding the raw body (for bodies that are not JSON or not
// well-formed); absent (or a "body" of null) means no body, and "bodyNotRecorded": true says a
// body was sent but not kept (it is reported as such). Unknown keys are errors, so that a
// typo cannot silently drop a part of the exchange. A Record's Index counts exchanges from 0 and
// its Line is the 1-based line number.
//
// Both formats are streamed token by token (scan.go), in memory bounded whatever the recording holds: a
// string is kept only when the reader uses it and it fits its limit, and otherwise read past and
// counted, never buffered. A body longer than Options.MaxBody (4 MiB by default) is marked
// BodyNotRecorded with a Note giving its size; the other strings of an entry (URL, headers,
// comment) may hold 16 MiB together, beyond which the entry is an error; values the reader
// ignores may nest 10,000 levels deep. Raw bytes that are not UTF-8 are kept as recorded (the
// validator then reports such a body as malformed, as received), where encoding/json would have
// replaced them with U+FFFD. A key that appears twice in an object the reader uses is an error,
// since readers disagree on which value wins: twice "log" or "entries" in a HAR (which would
// show another reader another list of entries), twice a field of an entry or a line.
//
// Errors name the file and the entry or line: an entry or line that cannot be turned into an
// exchange (a bad URL, a value of the wrong type) is a Record whose Err is set, and reading goes
// on; a file that cannot be read further (not JSON, truncated) ends with an error from Next.
// Both are *Error values. Neither format ever puts header values into an error message.
package traffic

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/specgate/specgate/validator"
)

// Record is one exchange read from a recording, or the reason the entry holding it could not be
// read.
type Record struct {
	// File is the recording's display name.
	File string
	// Index is the 0-based position of the exchange in the recording: its index in log.entries
	// for a HAR, its count among the non-blank lines for JSON Lines.
	Index int
	// Line is the 1-based line of a JSON Lines record, 0 for a HAR entry.
	Line int
	// Comment is the entry's comment, if it has one.
	Comment string
	// Note explains how the recording was read when that is not obvious, such as a HAR entry
	// without a response.
	Note string
	// Exchange is the exchange to validate, meaningful only when Err is nil.
	Exchange validator.Exchange
	// Err is set, as an *Error, when the entry could not be turned into an exchange.
	Err error
}

// Error is a problem with one recording, at one entry or line when it is known.
type Error struct {
	// File is the recording's display name.
	File string
	// Index is the 0-based entry index, or -1 when the problem is not in one entry.
	Index int
	// Line is the 1-based line for JSON Lines, 0 otherwise.
	Line int
	// Err is what went wrong, with the JSON path of the offending field when there is one.
	Err error
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("%s: line %d: %v", e.File, e.Line, e.Err)
	case e.Index >= 0:
		return fmt.Sprintf("%s: entry %d: %v", e.File, e.Index, e.Err)
	default:
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
}

func (e *Error) Unwrap() error { return e.Err }

// Format is a recording's format.
type Format string

// The formats Open recognises.
const (
	FormatHAR       Format = "har"
	FormatJSONLines Format = "jsonl"
)

// DefaultMaxBody is the longest body Options.MaxBody keeps when it is zero: the proxy's default
// limit on a body it validates (4 MiB), so that a recording the proxy made and the traffic it saw
// reach the same verdict.
const DefaultMaxBody = 4 << 20

// Options bounds what a Reader keeps. The zero value keeps bodies up to DefaultMaxBody.
type Options struct {
	// MaxBody is the longest body, in decoded bytes, that a record carries. A longer body is read
	// past without being kept (counted, never buffered) and the record marks it BodyNotRecorded,
	// with a Note giving its size, so that it is reported as not checked. Whatever else an entry
	// holds (URL, headers, comment) is bounded to 16 MiB together; beyond, the entry is an error.
	MaxBody int64
}

// Reader reads the records of one recording in order. A Reader is not safe for concurrent use.
type Reader struct {
	format Format
	next   func() (Record, error)
	err    error
	// finish, when set, is called after the last record: a compressed recording is read to its
	// end, so that its checksum is verified.
	finish func() error
	name   string
}

// Format returns the recording's format.
func (r *Reader) Format() Format { return r.format }

// Next returns the next record, or io.EOF after the last one. Any other error is an *Error
// meaning the recording cannot be read further; Next then keeps returning it.
func (r *Reader) Next() (Record, error) {
	if r.err != nil {
		return Record{}, r.err
	}
	rec, err := r.next()
	if errors.Is(err, io.EOF) && r.finish != nil {
		if ferr := r.finish(); ferr != nil {
			err = &Error{File: r.name, Index: -1, Err: ferr}
		}
	}
	if err != nil {
		r.err = err
	}
	return rec, err
}

// detectSize is how much of a recording Open looks at to tell its format.
const detectSize = 64 << 10

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// gzipMagic starts every gzip stream.
var gzipMagic = []byte{0x1f, 0x8b}

// Open starts reading the recording r, whose display name is name, after telling its format
// (see the package documentation). A compressed recording is told by its first bytes, whatever
// its name, and decompressed as it is read: gzip (a .har.gz, or a HAR piped through gzip) or
// zlib (mitmproxy's .zhar). A UTF-8 byte order mark is skipped. Open reads only as much of r as
// it needs to tell the format, so a stream (stdin) is read as it arrives; the rest is read as
// Next is called.
func Open(name string, r io.Reader) (*Reader, error) {
	return OpenWith(name, r, Options{})
}

// OpenWith is Open with limits other than the default ones.
func OpenWith(name string, r io.Reader, opts Options) (*Reader, error) {
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	br := bufio.NewReaderSize(r, detectSize)
	var finish func() error
	head, _ := br.Peek(len(gzipMagic))
	var zr io.Reader
	var compression string
	var err error
	switch {
	case bytes.Equal(head, gzipMagic):
		compression = "gzip"
		zr, err = gzip.NewReader(br)
	case zlibHeader(head):
		compression = "zlib"
		zr, err = zlib.NewReader(br)
	}
	if err != nil {
		return nil, &Error{File: name, Index: -1, Err: decompressError{compression, err}}
	}
	if zr != nil {
		br = bufio.NewReaderSize(decompressReader{compression, zr}, detectSize)
		finish = func() error {
			// A HAR ends where log.entries does, for the reader; the rest, up to the checksum,
			// is read to verify it.
			_, err := io.Copy(io.Discard, br)
			return err
		}
	}
	sc := &scanner{r: br, line: 1}
	format, err := detectFormat(sc)
	if err != nil {
		return nil, &Error{File: name, Index: -1, Err: err}
	}
	rd := &Reader{format: format, finish: finish, name: name}
	switch format {
	case FormatHAR:
		h := &harReader{name: name, s: sc, maxBody: opts.MaxBody}
		rd.next = h.next
	default:
		sc.lines = true
		l := &linesReader{name: name, s: sc, maxBody: opts.MaxBody}
		rd.next = l.next
	}
	return rd, nil
}

// detectFormat skips a byte order mark and leading whitespace, however long, and peeks at the
// beginning of what follows, reading no more than what has arrived plus what is needed to reach
// the first key.
func detectFormat(sc *scanner) (Format, error) {
	br := sc.r
	if head, _ := br.Peek(len(utf8BOM)); bytes.Equal(head, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM))
	}
	if err := sc.ws(); err != nil {
		return "", err
	}
	if _, err := br.Peek(1); err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	want := 1
	for {
		head, err := br.Peek(want)
		final := err != nil
		if final && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return "", err
		}
		head, _ = br.Peek(br.Buffered())
		format, more, err := detect(head, final)
		if !more {
			return format, err
		}
		want = br.Buffered() + 1
	}
}

// jsonlKeys are the keys of a JSON Lines exchange object.
var jsonlKeys = []string{"request", "response", "operation", "comment"}

// detect tells the format from the first key of the first object in head. It asks for more
// input (more is true) when head ends before that key and is not final.
func detect(head []byte, final bool) (format Format, more bool, err error) {
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 {
		if final {
			return "", false, errors.New("empty: want a HAR file or JSON Lines")
		}
		return "", true, nil
	}
	if trimmed[0] != '{' {
		return "", false, fmt.Errorf("not a HAR file or JSON Lines: starts with %s, want {", quoteByte(trimmed[0]))
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	_, _ = dec.Token()
	tok, err := dec.Token()
	if err != nil {
		if !final && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
			return "", true, nil
		}
		return "", false, fmt.Errorf("not a HAR file or JSON Lines: %v", jsonError(err))
	}
	key, ok := tok.(string)
	switch {
	case ok && key == "log":
		return FormatHAR, false, nil
	case ok && slices.Contains(jsonlKeys, key):
		return FormatJSONLines, false, nil
	case tok == json.Delim('}'):
		return "", false, errors.New("not a HAR file or JSON Lines: the first object is empty")
	}
	return "", false, fmt.Errorf("not a HAR file or JSON Lines: the first object starts with key %q, want \"log\" (HAR) or one of request, response, operation, comment (JSON Lines)", key)
}

// decompressReader reads a compressed stream and reports its failures as decompressError, so
// that a corrupt or truncated .har.gz is not reported as truncated JSON.
type decompressReader struct {
	format string
	r      io.Reader
}

func (d decompressReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = decompressError{d.format, err}
	}
	return n, err
}

// decompressError is a failure to decompress a compressed recording.
type decompressError struct {
	format string // gzip or zlib
	err    error
}

func (e decompressError) Error() string {
	if errors.Is(e.err, io.ErrUnexpectedEOF) || errors.Is(e.err, io.EOF) {
		return e.format + ": the compressed recording is truncated"
	}
	return e.format + ": the compressed recording is corrupt: " + strings.TrimPrefix(e.err.Error(), e.format+": ")
}

func quoteByte(b byte) string {
	if b >= 0x20 && b < 0x7f {
		return fmt.Sprintf("%q", rune(b))
	}
	return fmt.Sprintf("byte 0x%02x", b)
}
