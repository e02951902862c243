package traffic

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Open and Next: no panic, no endless loop, and every record
// either carries an exchange or an error naming the file.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"testdata/chrome.har"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"log":{"entries":[{"request":{"method":"GET","url":"http://x/a","headers":[]},"response":{"status":200,"headers":[],"content":{"text":"e30=","encoding":"base64"}}}]}}`))
	f.Add([]byte(`{"request":{"method":"PATCH","url":"http://x/api/users/1","body":{"a":1}},"response":{"status":200,"bodyText":"{}"}}` + "\n" + `{"operation":"patchUser","response":{"status":500}}`))
	f.Add([]byte("\xef\xbb\xbf{\"log\":{\"entries\":[]}}"))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(`{"log":{"entries":[{"request":{"method":"GET","url":"/a"},"response":{"status":204}}]}}`))
	_ = zw.Close()
	f.Add(gz.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Open("fuzz.har", bytes.NewReader(data))
		if err != nil {
			return
		}
		limit := len(data) + 1
		if bytes.HasPrefix(data, gzipMagic) {
			// Deflate expands at most 1032 times.
			limit = 1032*len(data) + 1
		}
		for i := 0; i <= limit; i++ {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				if msg := err.Error(); msg == "" {
					t.Fatal("an error with no message")
				}
				return
			}
			if rec.Err == nil && rec.Exchange.Request == nil && rec.Exchange.Response == nil {
				t.Fatalf("record %d has neither an exchange nor an error", rec.Index)
			}
		}
		t.Fatalf("more records than input bytes: the reader does not advance")
	})
}
