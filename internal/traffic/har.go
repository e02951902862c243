package traffic

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/specgate/specgate/validator"
)

// harReader walks a HAR file's tokens to log.entries, then decodes one entry per call.
type harReader struct {
	name    string
	dec     *json.Decoder
	started bool
	index   int
}

func (h *harReader) fail(index int, err error) error {
	return &Error{File: h.name, Index: index, Err: jsonError(err)}
}

func (h *harReader) next() (Record, error) {
	if !h.started {
		if err := h.seekEntries(); err != nil {
			return Record{}, err
		}
		h.started = true
	}
	if !h.dec.More() {
		tok, err := h.dec.Token()
		if err != nil {
			return Record{}, h.fail(h.index, err)
		}
		if tok != json.Delim(']') {
			return Record{}, h.fail(h.index, fmt.Errorf("log.entries: unexpected %v", tok))
		}
		return Record{}, io.EOF
	}
	// One pass: the decoder finds the entry's end and decodes it. An entry that is JSON but not
	// a HAR entry is that entry's error (the decoder is past it); broken JSON ends the file.
	var e harEntry
	err := h.dec.Decode(&e)
	if err != nil && !entryError(err) {
		return Record{}, h.fail(h.index, err)
	}
	rec := Record{File: h.name, Index: h.index}
	h.index++
	if err != nil {
		err = jsonError(err)
	} else {
		err = harRecord(&e, &rec)
	}
	if err != nil {
		rec.Err = &Error{File: h.name, Index: rec.Index, Err: err}
	}
	return rec, nil
}

// entryError reports whether err, from decoding one entry, is about that entry's content (a
// value of the wrong type) rather than about the JSON of the file.
func entryError(err error) bool {
	var typ *json.UnmarshalTypeError
	return errors.As(err, &typ)
}

// seekEntries reads tokens up to and including the '[' that opens log.entries.
func (h *harReader) seekEntries() error {
	if err := h.expect(json.Delim('{'), "the HAR file"); err != nil {
		return err
	}
	for {
		key, err := h.key("the HAR file", "log")
		if err != nil {
			return err
		}
		if key != "log" {
			if err := h.skip(); err != nil {
				return err
			}
			continue
		}
		if err := h.expect(json.Delim('{'), "log"); err != nil {
			return err
		}
		for {
			key, err := h.key("log", "log.entries")
			if err != nil {
				return err
			}
			if key == "entries" {
				return h.expect(json.Delim('['), "log.entries")
			}
			if err := h.skip(); err != nil {
				return err
			}
		}
	}
}

// key returns the next key of the object being read, or an error naming missing when the object
// ends first.
func (h *harReader) key(where, missing string) (string, error) {
	tok, err := h.dec.Token()
	if err != nil {
		return "", h.fail(-1, err)
	}
	if tok == json.Delim('}') {
		return "", h.fail(-1, fmt.Errorf("%s: missing", missing))
	}
	key, ok := tok.(string)
	if !ok {
		return "", h.fail(-1, fmt.Errorf("%s: unexpected %v", where, tok))
	}
	return key, nil
}

func (h *harReader) expect(want json.Delim, where string) error {
	tok, err := h.dec.Token()
	if err != nil {
		return h.fail(-1, err)
	}
	if tok != want {
		return h.fail(-1, fmt.Errorf("%s: got %s, want %s", where, tokenKind(tok), delimKind(want)))
	}
	return nil
}

// skip reads past one value without keeping it.
func (h *harReader) skip() error {
	depth := 0
	for {
		tok, err := h.dec.Token()
		if err != nil {
			return h.fail(-1, err)
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// The HAR 1.2 fields specgate reads; everything else is ignored.
type harEntry struct {
	Comment  string       `json:"comment"`
	Request  *harRequest  `json:"request"`
	Response *harResponse `json:"response"`
}

type harRequest struct {
	Method   string       `json:"method"`
	URL      string       `json:"url"`
	Headers  []harHeader  `json:"headers"`
	PostData *harPostData `json:"postData"`
	BodySize int64        `json:"bodySize"`
}

type harHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harPostData struct {
	MimeType string  `json:"mimeType"`
	Text     *string `json:"text"`
}

type harResponse struct {
	Status   int         `json:"status"`
	Headers  []harHeader `json:"headers"`
	Content  *harContent `json:"content"`
	BodySize int64       `json:"bodySize"`
	// Error is Chrome's reason for a request without a response ("net::ERR_ABORTED").
	Error string `json:"_error"`
}

type harContent struct {
	Size     int64   `json:"size"`
	Text     *string `json:"text"`
	Encoding string  `json:"encoding"`
	MimeType string  `json:"mimeType"`
}

// harRecord fills rec from one log.entries item.
func harRecord(e *harEntry, rec *Record) error {
	rec.Comment = e.Comment
	if e.Request == nil {
		return errors.New("request: missing")
	}
	req, err := harRequestOf(e.Request)
	if err != nil {
		return err
	}
	rec.Exchange.Request = req
	if e.Response == nil || e.Response.Status == 0 {
		reason := "no response recorded"
		if e.Response != nil {
			reason = "no response recorded (status 0)"
			if e.Response.Error != "" {
				reason = fmt.Sprintf("no response recorded (status 0, %s)", e.Response.Error)
			}
		}
		rec.Note = reason + "; the request is validated alone"
		return nil
	}
	resp, note, err := harResponseOf(e.Response)
	if err != nil {
		return err
	}
	rec.Exchange.Response, rec.Note = resp, note
	return nil
}

func harRequestOf(r *harRequest) (*validator.Request, error) {
	if r.Method == "" {
		return nil, errors.New("request.method: missing")
	}
	u, err := parseURL(r.URL)
	if err != nil {
		return nil, fmt.Errorf("request.url: %w", err)
	}
	req := &validator.Request{Method: r.Method, URL: u, Header: harHeaders(r.Headers)}
	switch {
	case r.PostData == nil:
		req.BodyNotRecorded = r.BodySize > 0
	case r.PostData.Text == nil:
		req.BodyNotRecorded = true
	default:
		req.Body = []byte(*r.PostData.Text)
	}
	return req, nil
}

// harResponseOf builds the response of an entry, and a note when its body had to be decoded
// from a content coding or could not be.
func harResponseOf(r *harResponse) (*validator.Response, string, error) {
	if r.Status < 0 || r.Status > 999 {
		return nil, "", fmt.Errorf("response.status: %d is not an HTTP status code", r.Status)
	}
	resp := &validator.Response{Status: r.Status, Header: harHeaders(r.Headers)}
	coding := resp.Header.Get("Content-Encoding")
	resp.Header.Del("Content-Encoding")
	c := r.Content
	switch {
	case c == nil:
		resp.BodyNotRecorded = r.BodySize > 0
	case c.Text == nil:
		resp.BodyNotRecorded = c.Size > 0 || r.BodySize > 0
	case c.Encoding == "":
		resp.Body = []byte(*c.Text)
	case strings.EqualFold(c.Encoding, "base64"):
		body, err := decodeBase64(*c.Text)
		if err != nil {
			return nil, "", fmt.Errorf("response.content.text: not valid base64: %w", err)
		}
		resp.Body = body
	default:
		return nil, "", fmt.Errorf("response.content.encoding: %q is not supported, want \"base64\" or none", c.Encoding)
	}
	note, err := undoContentCoding(resp, coding)
	return resp, note, err
}

// maxDecodedBody bounds what a body recorded still content-coded may decompress to.
const maxDecodedBody = 256 << 20

// undoContentCoding decodes a body that the recording kept in its content coding. HAR stores
// bodies decoded (content.size is the decoded size, content.compression what the coding saved),
// and browsers export them so, but some proxies keep the bytes as they came over the wire. Such a
// body is told by its bytes, not by the Content-Encoding header, which a decoded body keeps too:
// gzip and zlib (deflate) streams are decoded; a body in another coding (br, zstd) that is not
// text cannot be decoded here, and is reported as not recorded rather than as malformed.
func undoContentCoding(resp *validator.Response, coding string) (string, error) {
	body := resp.Body
	coding = strings.ToLower(strings.TrimSpace(coding))
	if len(body) == 0 || coding == "" || coding == "identity" {
		return "", nil
	}
	var zr io.Reader
	switch {
	case (coding == "gzip" || coding == "x-gzip") && bytes.HasPrefix(body, gzipMagic):
		gz, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return "", fmt.Errorf("response.content.text: the body is gzip-encoded (Content-Encoding: %s) and does not decompress: %w", coding, err)
		}
		zr = gz
	case coding == "deflate" && zlibHeader(body):
		z, err := zlib.NewReader(bytes.NewReader(body))
		if err != nil {
			return "", fmt.Errorf("response.content.text: the body is zlib-encoded (Content-Encoding: deflate) and does not decompress: %w", err)
		}
		zr = z
	case utf8.Valid(body) || !textual(resp.Header.Get("Content-Type")):
		// Text is decoded already; bytes of an image or font may be either, and nothing checks
		// them.
		return "", nil
	default:
		resp.Body, resp.BodyNotRecorded = nil, true
		return fmt.Sprintf("the recording keeps the response body in its %s content coding, which specgate does not decode", coding), nil
	}
	decoded, err := io.ReadAll(io.LimitReader(zr, maxDecodedBody+1))
	if err != nil {
		return "", fmt.Errorf("response.content.text: the body is %s-encoded and does not decompress: %w", coding, err)
	}
	if len(decoded) > maxDecodedBody {
		return "", fmt.Errorf("response.content.text: the %s-encoded body decompresses to more than %d MiB", coding, maxDecodedBody>>20)
	}
	resp.Body = decoded
	return fmt.Sprintf("the recording keeps the response body %s-encoded; it was decoded before validation", coding), nil
}

// textual reports whether a media type is JSON or text, whose decoded bytes are UTF-8.
func textual(contentType string) bool {
	mt, _, _ := strings.Cut(strings.ToLower(contentType), ";")
	mt = strings.TrimSpace(mt)
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// zlibHeader reports whether b starts with a zlib stream header (RFC 1950): deflate method and a
// header checksum that is a multiple of 31.
func zlibHeader(b []byte) bool {
	return len(b) >= 2 && b[0]&0x0f == 8 && b[0]>>4 <= 7 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0
}

// harHeaders builds a header from HAR's name/value list, keeping repeated headers in order and
// dropping HTTP/2 pseudo-headers.
func harHeaders(list []harHeader) http.Header {
	h := make(http.Header, len(list))
	for _, kv := range list {
		if kv.Name == "" || strings.HasPrefix(kv.Name, ":") {
			continue
		}
		h.Add(kv.Name, kv.Value)
	}
	return h
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	b, err := base64.StdEncoding.DecodeString(s)
	if err == nil {
		return b, nil
	}
	if b, err2 := base64.RawStdEncoding.DecodeString(s); err2 == nil {
		return b, nil
	}
	return nil, err
}
