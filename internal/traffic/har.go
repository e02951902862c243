package traffic

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/specgate/specgate/internal/message"
	"github.com/specgate/specgate/validator"
)

// harRecord fills rec from one log.entries item.
func harRecord(e *harEntry, rec *Record, maxBody int64) error {
	rec.Comment = e.Comment
	if e.Request == nil {
		return errors.New("request: missing")
	}
	req, reqNote, err := harRequestOf(e.Request, maxBody)
	if err != nil {
		return err
	}
	rec.Exchange.Request = req
	defer func() { rec.Note = joinNotes(reqNote, rec.Note) }()
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
	resp, note, err := harResponseOf(e.Response, maxBody)
	if err != nil {
		return err
	}
	rec.Exchange.Response, rec.Note = resp, note
	return nil
}

// joinNotes joins the notes that are not empty.
func joinNotes(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// tooLargeNote says why a body was not read.
func tooLargeNote(part string, size, limit int64) string {
	return fmt.Sprintf("the %s body (%d bytes) is larger than the %s limit on a body read from a recording (--max-body), so it was not read or checked", part, size, message.BytesBefore(limit))
}

func harRequestOf(r *harRequest, maxBody int64) (*validator.Request, string, error) {
	if r.Method == "" {
		return nil, "", errors.New("request.method: missing")
	}
	u, err := parseURL(r.URL)
	if err != nil {
		return nil, "", fmt.Errorf("request.url: %w", err)
	}
	req := &validator.Request{Method: r.Method, URL: u, Header: harHeaders(r.Headers)}
	switch {
	case r.PostData == nil:
		req.BodyNotRecorded = r.BodySize > 0
	case r.PostData.Text.tooLarge():
		req.BodyNotRecorded = true
		return req, tooLargeNote("request", r.PostData.Text.size, maxBody), nil
	case !r.PostData.Text.set:
		req.BodyNotRecorded = true
	default:
		req.Body = r.PostData.Text.text
	}
	return req, "", nil
}

// harResponseOf builds the response of an entry, and a note when its body had to be decoded
// from a content coding or could not be.
func harResponseOf(r *harResponse, maxBody int64) (*validator.Response, string, error) {
	if r.Status < 0 || r.Status > 999 {
		return nil, "", fmt.Errorf("response.status: %d is not an HTTP status code", r.Status)
	}
	resp := &validator.Response{Status: int(r.Status), Header: harHeaders(r.Headers)}
	coding := resp.Header.Get("Content-Encoding")
	resp.Header.Del("Content-Encoding")
	c := r.Content
	switch {
	case c == nil:
		resp.BodyNotRecorded = r.BodySize > 0
	case !c.Text.set:
		resp.BodyNotRecorded = c.Size > 0 || r.BodySize > 0
	case c.Encoding != "" && !strings.EqualFold(c.Encoding, "base64"):
		return nil, "", fmt.Errorf("response.content.encoding: %s is not supported, want \"base64\" or none", strconv.Quote(clipKey(c.Encoding)))
	case c.Text.tooLarge():
		resp.BodyNotRecorded = true
		return resp, tooLargeNote("response", c.Text.size, maxBody), nil
	case c.Encoding == "":
		if int64(len(c.Text.text)) > maxBody {
			// Kept for its base64 length, before the encoding was known.
			resp.BodyNotRecorded = true
			return resp, tooLargeNote("response", c.Text.size, maxBody), nil
		}
		resp.Body = c.Text.text
	default:
		body, err := decodeBase64(string(c.Text.text))
		if err != nil {
			return nil, "", fmt.Errorf("response.content.text: not valid base64: %w", err)
		}
		resp.Body = body
	}
	note, err := undoContentCoding(resp, coding, maxBody)
	return resp, note, err
}

// undoContentCoding decodes a body that the recording kept in its content coding. HAR stores
// bodies decoded (content.size is the decoded size, content.compression what the coding saved),
// and browsers export them so, but some proxies keep the bytes as they came over the wire. Such a
// body is told by its bytes, not by the Content-Encoding header, which a decoded body keeps too:
// gzip and zlib (deflate) streams are decoded; a body in another coding (br, zstd) that is not
// text cannot be decoded here, and is reported as not recorded rather than as malformed.
func undoContentCoding(resp *validator.Response, coding string, maxBody int64) (string, error) {
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
	decoded, err := io.ReadAll(io.LimitReader(zr, maxBody+1))
	if err != nil {
		return "", fmt.Errorf("response.content.text: the body is %s-encoded and does not decompress: %w", coding, err)
	}
	if int64(len(decoded)) > maxBody {
		resp.Body, resp.BodyNotRecorded = nil, true
		return fmt.Sprintf("the recording keeps the response body %s-encoded, and it decompresses to more than the %s limit on a body read from a recording (--max-body), so it was not checked", coding, message.BytesBefore(maxBody)), nil
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
