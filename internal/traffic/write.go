package traffic

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/specgate/specgate/validator"
)

// Entry is one exchange as a recording keeps it.
type Entry struct {
	// Exchange is the exchange; its Request is required. Bodies are written as given: redact
	// them first (package redact) when they may carry secrets.
	Exchange validator.Exchange
	// Started is when the request began; Time is how long the exchange took.
	Started time.Time
	Time    time.Duration
	// Comment is written as the entry's comment.
	Comment string
	// NoResponse says why there is no response, when Exchange.Response is nil: HAR keeps it as
	// the response's "_error" (the field browsers use for a request that got no response).
	NoResponse string
	// RequestBodySize and ResponseBodySize are the sizes of bodies marked BodyNotRecorded, when
	// known: HAR keeps them as bodySize and content.size.
	RequestBodySize, ResponseBodySize int64
}

// Writer writes exchanges as a HAR 1.2 file or as JSON Lines, in exactly the form Open and Next
// read back: the same methods, URLs, headers (repeated ones in order), bodies, bodies marked not
// recorded, and responses that are missing. HAR response bodies that are not UTF-8 text are
// base64-encoded; other bodies that are not UTF-8 text (HAR request bodies, every JSON Lines
// body) cannot be kept, since HAR's postData and JSON Lines' bodyText are text, so they are
// written as not recorded.
//
// Entries are written as they come: a HAR's closing brackets are written by Close, and a HAR
// whose writer was never closed still yields every entry to Next before its truncation error.
// A Writer is not safe for concurrent use.
type Writer struct {
	w       *bufio.Writer
	format  Format
	creator string
	n       int
	started bool
	closed  bool
	err     error
}

// NewWriter returns a Writer writing format (FormatHAR or FormatJSONLines) to w. creator names
// the program in a HAR's log.creator.
func NewWriter(w io.Writer, format Format, creator string) (*Writer, error) {
	switch format {
	case FormatHAR, FormatJSONLines:
	default:
		return nil, fmt.Errorf("unknown recording format %q, want %q or %q", format, FormatHAR, FormatJSONLines)
	}
	return &Writer{w: bufio.NewWriterSize(w, 64<<10), format: format, creator: creator}, nil
}

// FormatOf returns the recording format a file name asks for: JSON Lines for .jsonl and
// .ndjson, HAR otherwise.
func FormatOf(name string) Format {
	n := strings.ToLower(name)
	if strings.HasSuffix(n, ".jsonl") || strings.HasSuffix(n, ".ndjson") {
		return FormatJSONLines
	}
	return FormatHAR
}

// Count returns the number of entries written.
func (w *Writer) Count() int { return w.n }

// Write writes one entry. After an error, every call returns that error.
func (w *Writer) Write(e Entry) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("recording: Write after Close")
	}
	if e.Exchange.Request == nil {
		return errors.New("recording: an entry needs a request")
	}
	var line []byte
	var err error
	if w.format == FormatHAR {
		line, err = marshal(harEntryOf(e))
	} else {
		line, err = marshal(lineOf(e))
	}
	if err != nil {
		return fmt.Errorf("recording entry %d: %w", w.n, err)
	}
	if w.format == FormatHAR {
		if !w.started {
			w.header()
		} else {
			w.write([]byte(",\n"))
		}
	}
	w.write(line)
	if w.format == FormatJSONLines {
		w.write([]byte("\n"))
	}
	if w.err == nil {
		w.n++
	}
	return w.err
}

// Flush writes buffered entries to the underlying writer.
func (w *Writer) Flush() error {
	if w.err == nil {
		w.err = w.w.Flush()
	}
	return w.err
}

// Close completes the recording (a HAR's closing brackets) and flushes it. It does not close
// the underlying writer.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.format == FormatHAR {
		if !w.started {
			w.header()
		}
		w.write([]byte("\n]}}\n"))
	}
	return w.Flush()
}

func (w *Writer) header() {
	w.started = true
	creator, _ := marshal(harCreator{Name: w.creator, Version: "1"})
	w.write([]byte(`{"log": {"version": "1.2", "creator": `))
	w.write(creator)
	w.write([]byte(`, "entries": [` + "\n"))
}

func (w *Writer) write(b []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(b)
	}
}

// marshal encodes v without HTML escaping, so that bodies stay readable.
func marshal(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(b.String(), "\n")), nil
}

// The HAR 1.2 objects written. Required fields are always present, even when empty.
type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harOutEntry struct {
	Started  string        `json:"startedDateTime"`
	Time     float64       `json:"time"`
	Request  harOutRequest `json:"request"`
	Response harOutResp    `json:"response"`
	Cache    struct{}      `json:"cache"`
	Timings  harTimings    `json:"timings"`
	Comment  string        `json:"comment,omitempty"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

type harOutRequest struct {
	Method      string      `json:"method"`
	URL         string      `json:"url"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []struct{}  `json:"cookies"`
	Headers     []harHeader `json:"headers"`
	QueryString []harHeader `json:"queryString"`
	PostData    *harOutPost `json:"postData,omitempty"`
	HeadersSize int         `json:"headersSize"`
	BodySize    int64       `json:"bodySize"`
}

type harOutPost struct {
	MimeType string      `json:"mimeType"`
	Params   []harHeader `json:"params"`
	Text     *string     `json:"text,omitempty"`
	Comment  string      `json:"comment,omitempty"`
}

type harOutResp struct {
	Status      int           `json:"status"`
	StatusText  string        `json:"statusText"`
	HTTPVersion string        `json:"httpVersion"`
	Cookies     []struct{}    `json:"cookies"`
	Headers     []harHeader   `json:"headers"`
	Content     harOutContent `json:"content"`
	RedirectURL string        `json:"redirectURL"`
	HeadersSize int           `json:"headersSize"`
	BodySize    int64         `json:"bodySize"`
	Error       string        `json:"_error,omitempty"`
}

type harOutContent struct {
	Size     int64   `json:"size"`
	MimeType string  `json:"mimeType"`
	Text     *string `json:"text,omitempty"`
	Encoding string  `json:"encoding,omitempty"`
	Comment  string  `json:"comment,omitempty"`
}

const notKeptAsText = "the body is not UTF-8 text, which this format cannot keep"

func harEntryOf(e Entry) harOutEntry {
	req := e.Exchange.Request
	ms := float64(e.Time) / float64(time.Millisecond)
	started := e.Started
	if started.IsZero() {
		started = time.Now()
	}
	out := harOutEntry{
		Started: started.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Time:    ms,
		Timings: harTimings{Wait: ms},
		Comment: e.Comment,
		Request: harOutRequest{
			Method: req.Method, URL: urlString(req), HTTPVersion: "HTTP/1.1",
			Cookies: []struct{}{}, Headers: harHeaderList(req.Header), QueryString: queryList(req),
			HeadersSize: -1, BodySize: int64(len(req.Body)),
		},
	}
	switch {
	case req.BodyNotRecorded || !utf8.Valid(req.Body):
		out.Request.BodySize = e.RequestBodySize
		if !req.BodyNotRecorded {
			out.Request.BodySize = int64(len(req.Body))
		}
		p := &harOutPost{MimeType: req.Header.Get("Content-Type"), Params: []harHeader{}}
		if !req.BodyNotRecorded {
			p.Comment = notKeptAsText
		}
		out.Request.PostData = p
	case len(req.Body) > 0:
		text := string(req.Body)
		out.Request.PostData = &harOutPost{MimeType: req.Header.Get("Content-Type"), Params: []harHeader{}, Text: &text}
	}
	resp := e.Exchange.Response
	if resp == nil {
		reason := e.NoResponse
		if reason == "" {
			reason = "no response"
		}
		out.Response = harOutResp{Cookies: []struct{}{}, Headers: []harHeader{}, Content: harOutContent{MimeType: "x-unknown"},
			HeadersSize: -1, BodySize: -1, Error: reason}
		return out
	}
	out.Response = harOutResp{
		Status: resp.Status, StatusText: http.StatusText(resp.Status), HTTPVersion: "HTTP/1.1",
		Cookies: []struct{}{}, Headers: harHeaderList(resp.Header), RedirectURL: resp.Header.Get("Location"),
		HeadersSize: -1, BodySize: int64(len(resp.Body)),
		Content: harOutContent{Size: int64(len(resp.Body)), MimeType: resp.Header.Get("Content-Type")},
	}
	switch {
	case resp.BodyNotRecorded:
		size := e.ResponseBodySize
		if size <= 0 {
			size = 1 // the reader tells a body not kept from no body by a positive size
		}
		out.Response.Content.Size, out.Response.BodySize = size, size
	case len(resp.Body) == 0:
	case utf8.Valid(resp.Body):
		text := string(resp.Body)
		out.Response.Content.Text = &text
	default:
		text := base64.StdEncoding.EncodeToString(resp.Body)
		out.Response.Content.Text, out.Response.Content.Encoding = &text, "base64"
	}
	return out
}

func urlString(r *validator.Request) string {
	if r.URL == nil {
		return "/"
	}
	return r.URL.String()
}

// harHeaderList lists a header by name, repeated values in order.
func harHeaderList(h http.Header) []harHeader {
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	sort.Strings(names)
	out := []harHeader{}
	for _, n := range names {
		for _, v := range h[n] {
			out = append(out, harHeader{Name: n, Value: v})
		}
	}
	return out
}

// queryList is HAR's queryString, in the order the URL has it.
func queryList(r *validator.Request) []harHeader {
	out := []harHeader{}
	if r.URL == nil || r.URL.RawQuery == "" {
		return out
	}
	for _, part := range strings.Split(r.URL.RawQuery, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		out = append(out, harHeader{Name: unescapeQuery(name), Value: unescapeQuery(value)})
	}
	return out
}

func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// The JSON Lines objects written: the reader's types, with empty parts left out.
type lineOutExchange struct {
	Request  *lineOutPart `json:"request,omitempty"`
	Response *lineOutPart `json:"response,omitempty"`
	Comment  string       `json:"comment,omitempty"`
}

type lineOutPart struct {
	Method          string      `json:"method,omitempty"`
	URL             string      `json:"url,omitempty"`
	Status          int         `json:"status,omitempty"`
	Headers         http.Header `json:"headers"`
	BodyText        *string     `json:"bodyText,omitempty"`
	BodyNotRecorded bool        `json:"bodyNotRecorded,omitempty"`
}

func lineOf(e Entry) lineOutExchange {
	req := e.Exchange.Request
	out := lineOutExchange{Comment: e.Comment}
	out.Request = &lineOutPart{Method: req.Method, URL: urlString(req), Headers: headerOrEmpty(req.Header)}
	setLineBody(out.Request, req.Body, req.BodyNotRecorded)
	if resp := e.Exchange.Response; resp != nil {
		out.Response = &lineOutPart{Status: resp.Status, Headers: headerOrEmpty(resp.Header)}
		setLineBody(out.Response, resp.Body, resp.BodyNotRecorded)
	} else {
		reason := e.NoResponse
		if reason == "" {
			reason = "no response"
		}
		if out.Comment != "" {
			out.Comment += "; "
		}
		out.Comment += reason
	}
	return out
}

func setLineBody(p *lineOutPart, body []byte, notRecorded bool) {
	switch {
	case notRecorded || !utf8.Valid(body):
		p.BodyNotRecorded = true
	case len(body) > 0:
		text := string(body)
		p.BodyText = &text
	}
}

func headerOrEmpty(h http.Header) http.Header {
	if h == nil {
		return http.Header{}
	}
	return h
}
