package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/specgate/specgate/internal/message"
)

// body is a request or response body read once for validation.
type body struct {
	// buf is the whole body when it fit in the limit.
	buf []byte
	// over is set when the body is larger than the limit; it then streams through counter.
	over    bool
	counter *countingReader
	// reader yields the body's bytes, unchanged, for forwarding.
	reader io.ReadCloser
}

// size is the body's length in bytes so far: all of it once it has been forwarded.
func (b body) size() int64 {
	if b.counter != nil {
		return b.counter.n.Load()
	}
	return int64(len(b.buf))
}

// readBody reads rc up to limit bytes. A body that fits is read whole (and rc closed); a larger
// one, or one whose declared length is larger, is not held: what was read is put back in front
// of the rest, so the body streams through whole.
func readBody(rc io.ReadCloser, contentLength, limit int64) (body, error) {
	if rc == nil || rc == http.NoBody {
		return body{reader: rc}, nil
	}
	if contentLength > limit {
		c := &countingReader{r: rc, c: rc}
		return body{over: true, counter: c, reader: c}, nil
	}
	var buf bytes.Buffer
	if contentLength > 0 {
		buf.Grow(int(contentLength) + 1)
	}
	if _, err := buf.ReadFrom(io.LimitReader(rc, limit+1)); err != nil {
		_ = rc.Close()
		return body{}, err
	}
	if int64(buf.Len()) > limit {
		c := &countingReader{r: io.MultiReader(bytes.NewReader(buf.Bytes()), rc), c: rc}
		return body{over: true, counter: c, reader: c}, nil
	}
	_ = rc.Close()
	b := buf.Bytes()
	return body{buf: b, reader: io.NopCloser(bytes.NewReader(b))}, nil
}

// countingReader counts the bytes of a body streaming through.
type countingReader struct {
	r io.Reader
	c io.Closer
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingReader) Close() error { return c.c.Close() }

// teeBody passes a response body on as it arrives, so that streamed responses (server-sent
// events, long downloads) reach the client as the upstream sends them, and keeps a copy of the
// first limit bytes to validate once the body has passed whole.
type teeBody struct {
	r     *countingReader // counts the bytes passed on
	limit int64
	buf   bytes.Buffer
	over  bool // more than limit bytes: the copy was dropped
	whole bool // the body ended (io.EOF), rather than breaking off or being abandoned
	// broke is the error the body broke off with. The bytes read with it are passed on first;
	// the error is returned from the next Read, once w has sent the client everything so far,
	// headers included. ReverseProxy then aborts the client's connection, which would otherwise
	// discard what sat in the server's buffers: the client gets what it would have got from the
	// upstream directly, and then the same broken connection.
	broke error
	w     *clientWriter
}

func newTeeBody(rc io.ReadCloser, limit int64, w *clientWriter) *teeBody {
	return &teeBody{r: &countingReader{r: rc, c: rc}, limit: limit, w: w}
}

func (t *teeBody) Read(p []byte) (int, error) {
	if t.broke != nil {
		t.w.flush()
		return 0, t.broke
	}
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF {
		t.broke = err
		if n == 0 {
			t.w.flush()
			return 0, err
		}
		err = nil
	}
	if !t.over {
		if int64(t.buf.Len()+n) > t.limit {
			t.over, t.buf = true, bytes.Buffer{}
		} else {
			t.buf.Write(p[:n])
		}
	}
	if err == io.EOF {
		t.whole = true
	}
	return n, err
}

func (t *teeBody) Close() error { return t.r.Close() }

// body is what passed, as readBody would have returned it.
func (t *teeBody) body() body {
	if t.over {
		return body{over: true, counter: t.r}
	}
	return body{buf: t.buf.Bytes()}
}

// Why a body was not validated.
const (
	validated    = iota
	skipTooLarge // larger than the limit, as sent or decoded
	skipEncoding // its Content-Encoding is unknown or does not decode
)

// decodeForValidation returns the body as the validator must see it (its content codings
// undone), or, when it cannot be validated, which of the skip reasons applies and why, in words.
func decodeForValidation(b body, h http.Header, limit int64) ([]byte, int, string) {
	if b.over {
		return nil, skipTooLarge, fmt.Sprintf("it is larger than the %s validation limit", message.Bytes(limit))
	}
	if len(b.buf) == 0 {
		return nil, validated, ""
	}
	cs := codings(h)
	if len(cs) == 0 {
		return b.buf, validated, ""
	}
	out, err := decodeCodings(b.buf, cs, limit)
	var ee *encodingError
	switch {
	case errors.Is(err, errTooLarge):
		return nil, skipTooLarge, fmt.Sprintf("decoded, it is larger than the %s validation limit", message.Bytes(limit))
	case errors.As(err, &ee):
		return nil, skipEncoding, ee.msg
	}
	return out, validated, ""
}
