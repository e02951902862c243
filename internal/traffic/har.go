package traffic

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

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
	var raw json.RawMessage
	if err := h.dec.Decode(&raw); err != nil {
		return Record{}, h.fail(h.index, err)
	}
	rec := Record{File: h.name, Index: h.index}
	h.index++
	if err := harRecord(raw, &rec); err != nil {
		rec.Err = &Error{File: h.name, Index: rec.Index, Err: err}
	}
	return rec, nil
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
func harRecord(raw json.RawMessage, rec *Record) error {
	var e harEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return jsonError(err)
	}
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
	resp, err := harResponseOf(e.Response)
	if err != nil {
		return err
	}
	rec.Exchange.Response = resp
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

func harResponseOf(r *harResponse) (*validator.Response, error) {
	if r.Status < 0 || r.Status > 999 {
		return nil, fmt.Errorf("response.status: %d is not an HTTP status code", r.Status)
	}
	resp := &validator.Response{Status: r.Status, Header: harHeaders(r.Headers)}
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
			return nil, fmt.Errorf("response.content.text: not valid base64: %w", err)
		}
		resp.Body = body
	default:
		return nil, fmt.Errorf("response.content.encoding: %q is not supported, want \"base64\" or none", c.Encoding)
	}
	return resp, nil
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
