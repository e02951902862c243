package traffic

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"testing"
)

// BenchmarkReadHAR reads a 64 MB HAR made of testdata/chrome.har's entries repeated (built in
// memory first), every entry to a Record: the reader's own cost, without validation.
func BenchmarkReadHAR(b *testing.B) {
	data, err := os.ReadFile("testdata/chrome.har")
	if err != nil {
		b.Fatal(err)
	}
	var h struct {
		Log struct {
			Entries []json.RawMessage `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(bytes.TrimPrefix(data, utf8BOM), &h); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString(`{"log":{"version":"1.2","entries":[`)
	n := 0
	for buf.Len() < 64<<20 {
		for _, e := range h.Log.Entries {
			if n > 0 {
				buf.WriteByte(',')
			}
			buf.Write(e)
			n++
		}
	}
	buf.WriteString(`]}}`)
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	for range b.N {
		r, err := Open("bench.har", bytes.NewReader(buf.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(n), "entries")
}
