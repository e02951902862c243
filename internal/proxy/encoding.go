package proxy

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// Content codings are decoded here, for validation only: what is forwarded is always the bytes
// as they came. A body is judged as the upstream would read it once decoded, so a coding that
// cannot be decoded is a body that cannot be judged.

// errTooLarge says a body, decoded, is larger than the validation limit. Decoding stops at the
// limit, so a decompression bomb costs at most limit bytes of memory per coding.
var errTooLarge = errors.New("too large")

// encodingError says why a body's Content-Encoding could not be decoded.
type encodingError struct{ msg string }

func (e *encodingError) Error() string { return e.msg }

// codings returns the content codings of h in the order they were applied, lower case, with
// empty list elements dropped (RFC 9110 §5.6.1: a recipient ignores them).
func codings(h http.Header) []string {
	vals := h.Values("Content-Encoding")
	if len(vals) == 0 {
		return nil
	}
	var out []string
	for _, v := range vals {
		for _, c := range strings.Split(v, ",") {
			if c = strings.ToLower(strings.TrimSpace(c)); c != "" {
				out = append(out, c)
			}
		}
	}
	return out
}

// decodeCodings undoes the codings of a body, last applied first. It returns errTooLarge when a
// stage decodes to more than limit bytes, and an *encodingError when a coding is unknown or its
// data does not decode.
func decodeCodings(b []byte, cs []string, limit int64) ([]byte, error) {
	for i := len(cs) - 1; i >= 0; i-- {
		c := cs[i]
		if c == "identity" {
			continue
		}
		out, err := decodeOne(b, c, limit)
		if err != nil {
			return nil, err
		}
		b = out
	}
	return b, nil
}

func decodeOne(b []byte, coding string, limit int64) ([]byte, error) {
	var r io.Reader
	switch coding {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, &encodingError{fmt.Sprintf("its %s encoding could not be decoded", coding)}
		}
		r = zr
	case "deflate":
		// RFC 9110 §8.4.1.2 says zlib, but clients and servers have long also sent the raw
		// deflate data inside it; a server that accepts either must be judged by either.
		if zr, err := zlib.NewReader(bytes.NewReader(b)); err == nil {
			r = zr
		} else {
			r = flate.NewReader(bytes.NewReader(b))
		}
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(b), zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxMemory(uint64(limit)+1), zstd.WithDecoderMaxWindow(max(zstd.MinWindowSize, min(uint64(limit)+1, zstd.MaxWindowSize))))
		if err != nil {
			return nil, &encodingError{"its zstd encoding could not be decoded"}
		}
		defer zr.Close()
		r = zr
	default:
		return nil, &encodingError{fmt.Sprintf("it is sent with Content-Encoding %s, which specgate does not decode", coding)}
	}
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	// zstd refuses up front a frame that declares more than its memory limit.
	if int64(len(out)) > limit || errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
		return nil, errTooLarge
	}
	if err != nil {
		return nil, &encodingError{fmt.Sprintf("its %s encoding could not be decoded", coding)}
	}
	return out, nil
}
