package traffic

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGzip checks that a gzip- or zlib-compressed recording is told by its bytes, whatever its
// name, and reads as the plain one does; and that a damaged one fails with a gzip error at the entry where
// reading stopped, after the entries before it.
func TestGzip(t *testing.T) {
	plain, err := os.ReadFile("testdata/browser/chromium.har")
	if err != nil {
		t.Fatal(err)
	}
	want, err := readAll(t, "x", plain)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzipped(t, plain)

	t.Run("har", func(t *testing.T) {
		got, err := readAll(t, "recording.json", gz)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d records from the gzip, %d from the plain file", len(got), len(want))
		}
		for i := range got {
			g, w := got[i].Exchange.Request, want[i].Exchange.Request
			if got[i].Err != nil || got[i].Index != i || g.Method != w.Method || g.URL.String() != w.URL.String() || !bytes.Equal(g.Body, w.Body) {
				t.Errorf("entry %d: %s %s (%v), want %s %s", i, g.Method, g.URL, got[i].Err, w.Method, w.URL)
			}
		}
	})

	t.Run("zlib, as mitmproxy's .zhar", func(t *testing.T) {
		var z bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
		_, _ = zw.Write(plain)
		_ = zw.Close()
		got, err := readAll(t, "dump.zhar", z.Bytes())
		if err != nil || len(got) != len(want) {
			t.Fatalf("%d records, error %v; want %d", len(got), err, len(want))
		}
		_, err = readAll(t, "dump.zhar", z.Bytes()[:z.Len()-3])
		if err == nil || !strings.HasPrefix(err.Error(), "dump.zhar: zlib: the compressed recording is truncated") {
			t.Errorf("truncated zlib: error %v", err)
		}
	})

	t.Run("BOM inside the gzip", func(t *testing.T) {
		got, err := readAll(t, "x", gzipped(t, append(append([]byte{}, utf8BOM...), har(goodEntry)...)))
		if err != nil || len(got) != 1 || got[0].Err != nil {
			t.Fatalf("records %+v, error %v", got, err)
		}
	})

	t.Run("json lines", func(t *testing.T) {
		lines := `{"request": {"method": "GET", "url": "/a"}}` + "\n" + `{"request": {"method": "GET", "url": "/b"}}` + "\n"
		r, err := Open("x", bytes.NewReader(gzipped(t, []byte(lines))))
		if err != nil || r.Format() != FormatJSONLines {
			t.Fatalf("format %v, error %v", r, err)
		}
		got, err := readAll(t, "x", gzipped(t, []byte(lines)))
		if err != nil || len(got) != 2 || got[1].Line != 2 {
			t.Fatalf("records %+v, error %v", got, err)
		}
	})

	t.Run("truncated", func(t *testing.T) {
		// Cut inside the compressed stream, well after the first entries.
		got, err := readAll(t, "t.har.gz", gz[:len(gz)*2/3])
		var te *Error
		if !errors.As(err, &te) || te.File != "t.har.gz" {
			t.Fatalf("error %#v, want *Error", err)
		}
		if !strings.Contains(err.Error(), "gzip: the compressed recording is truncated") {
			t.Errorf("error %q, want a truncated gzip", err)
		}
		if len(got) == 0 || te.Index != len(got) {
			t.Errorf("read %d records, error at entry %d; want the entries before the cut, then the error at the next", len(got), te.Index)
		}
	})

	t.Run("corrupt", func(t *testing.T) {
		bad := append([]byte{}, gz...)
		bad[len(bad)-6] ^= 0xff // the CRC-32 of the trailer
		_, err := readAll(t, "t.har.gz", bad)
		if err == nil || !strings.Contains(err.Error(), "gzip: the compressed recording is corrupt: invalid checksum") {
			t.Errorf("error %v, want a corrupt gzip", err)
		}
	})
}

// TestInputOrder checks that entries are numbered in the order they appear, whatever their
// startedDateTime says.
func TestInputOrder(t *testing.T) {
	entry := func(started, url string) string {
		return `{"startedDateTime": "` + started + `", "request": {"method": "GET", "url": "` + url + `"}, "response": {"status": 204}}`
	}
	got, err := readAll(t, "t.har", har(
		entry("2026-11-25T20:00:03.000Z", "/third-by-time"),
		entry("2026-11-25T20:00:01.000Z", "/first-by-time"),
		entry("2026-11-25T20:00:02.000Z", "/second-by-time"),
	))
	if err != nil {
		t.Fatal(err)
	}
	for i, path := range []string{"/third-by-time", "/first-by-time", "/second-by-time"} {
		if got[i].Index != i || got[i].Exchange.Request.URL.Path != path {
			t.Errorf("record %d: index %d, %s; want index %d, %s", i, got[i].Index, got[i].Exchange.Request.URL.Path, i, path)
		}
	}
}

// TestVendorFields checks that the underscore fields exporters add, at any level and of any JSON
// type, are ignored.
func TestVendorFields(t *testing.T) {
	doc := `{"log": {"_recorder": {"tool": "x"}, "version": "1.2", "entries": [{
		"_fromCache": "memory", "_webSocketMessages": [{"type": "send"}], "_error": null, "_priority": 3,
		"request": {"_isLinkPreload": false, "method": "PATCH", "url": "https://acme.nonemployee.com/api/users/1",
			"headers": [{"name": "Content-Type", "value": "application/json", "_comment": {}}],
			"postData": {"_size": 2, "mimeType": "application/json", "text": "{}"}},
		"response": {"_transferSize": 120, "_blocked": null, "status": 200, "headers": [],
			"content": {"_sha": [1, 2], "size": 2, "compression": -5, "mimeType": "application/json", "text": "{}"}},
		"_timings": "n/a"}], "_pages": 0}, "_exported": true}`
	got, err := readAll(t, "t.har", []byte(doc))
	if err != nil || len(got) != 1 || got[0].Err != nil {
		t.Fatalf("records %+v, error %v", got, err)
	}
	if ex := got[0].Exchange; string(ex.Request.Body) != "{}" || string(ex.Response.Body) != "{}" {
		t.Errorf("bodies %q, %q", ex.Request.Body, ex.Response.Body)
	}
}

// TestContentCoding checks bodies recorded with a Content-Encoding: decoded as HAR wants them
// (whatever content.compression says), or still in their coding, as some proxies keep them.
func TestContentCoding(t *testing.T) {
	const reply = `{"users": [{"id": "18008", "status": "SUCCESS"}]}`
	var zbuf bytes.Buffer
	zw := zlib.NewWriter(&zbuf)
	_, _ = zw.Write([]byte(reply))
	_ = zw.Close()
	b64 := base64.StdEncoding.EncodeToString
	entry := func(coding, contentType, content string) string {
		return `{"request": {"method": "PATCH", "url": "/x"}, "response": {"status": 200, "headers": [
			{"name": "content-type", "value": "` + contentType + `"}, {"name": "content-encoding", "value": "` + coding + `"}],
			"content": ` + content + `}}`
	}
	tests := []struct {
		name        string
		entry       string
		body        string
		notRecorded bool
		note        string
		err         string
	}{
		{"decoded text, compression saved", entry("gzip", "application/json", `{"size": 49, "compression": 12, "mimeType": "application/json", "text": `+quote(reply)+`}`), reply, false, "", ""},
		{"decoded text, compression a string", entry("br", "application/json", `{"size": 49, "compression": "n/a", "text": `+quote(reply)+`}`), reply, false, "", ""},
		{"gzip kept", entry("gzip", "application/json", `{"size": 70, "text": "`+b64(gzipped(t, []byte(reply)))+`", "encoding": "base64"}`), reply, false, "gzip-encoded; it was decoded", ""},
		{"deflate kept", entry("deflate", "application/json", `{"size": 60, "text": "`+b64(zbuf.Bytes())+`", "encoding": "base64"}`), reply, false, "deflate-encoded; it was decoded", ""},
		{"br kept", entry("br", "application/json; charset=utf-8", `{"size": 40, "text": "`+b64([]byte{0x1b, 0x30, 0x00, 0xf8, 0xa5, 0xff})+`", "encoding": "base64"}`), "", true, "in its br content coding", ""},
		{"decoded image", entry("br", "image/png", `{"size": 4, "text": "`+b64([]byte{0x89, 'P', 'N', 'G', 0xff})+`", "encoding": "base64"}`), "\x89PNG\xff", false, "", ""},
		{"gzip kept but corrupt", entry("gzip", "application/json", `{"size": 70, "text": "`+b64(gzipped(t, []byte(reply))[:20])+`", "encoding": "base64"}`), "", false, "", "response.content.text: the body is gzip-encoded and does not decompress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(t, "t.har", har(tt.entry))
			if err != nil || len(got) != 1 {
				t.Fatalf("records %+v, error %v", got, err)
			}
			rec := got[0]
			if tt.err != "" {
				if rec.Err == nil || !strings.Contains(rec.Err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", rec.Err, tt.err)
				}
				return
			}
			if rec.Err != nil {
				t.Fatal(rec.Err)
			}
			resp := rec.Exchange.Response
			if string(resp.Body) != tt.body || resp.BodyNotRecorded != tt.notRecorded {
				t.Errorf("body %q, not recorded %v; want %q, %v", resp.Body, resp.BodyNotRecorded, tt.body, tt.notRecorded)
			}
			if resp.Header.Get("Content-Encoding") != "" {
				t.Error("Content-Encoding kept: the body is decoded")
			}
			if tt.note == "" && rec.Note != "" || !strings.Contains(rec.Note, tt.note) {
				t.Errorf("note %q, want %q", rec.Note, tt.note)
			}
		})
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
