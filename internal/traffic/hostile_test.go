package traffic

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// TestHostileHARs checks recordings built to hide entries or break the reader: each is an error
// naming the file and the entry, or the line and byte of the problem, never a silent "0
// exchanges".
func TestHostileHARs(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name    string
		data    string
		records int    // records read before the reader's error (or in all)
		want    string // prefix of the reader's error; "" for none
		entry   string // prefix of the error of the last record read; "" for none
	}{
		{"entries twice", `{"log": {"entries": [],` + "\n" + ` "entries": [` + goodEntry + `]}}`, 0,
			`t.har: log.entries: the key appears again at line 2 (byte 25)`, ""},
		{"log twice", `{"log": {"entries": [` + goodEntry + `]}, "log": {"entries": []}}`, 1,
			`t.har: log: the key appears again at line 2 (byte `, ""},
		{"data after the object", string(har(goodEntry)) + ` {"log": {}}`, 1, "t.har: not valid JSON at line 2", ""},
		{"64 KiB of whitespace first", strings.Repeat(" \n", 40<<10) + string(har(goodEntry)), 1, "", ""},
		{"BOM then whitespace", "\ufeff" + strings.Repeat("\t", 70<<10) + string(har(goodEntry)), 1, "", ""},
		{"a BOM inside", `{"log": {` + "\ufeff" + `"entries": []}}`, 0, "t.har: not valid JSON at line 1 (byte 9)", ""},
		{"NUL between tokens", `{"log": {"entries": [` + "\x00" + goodEntry + `]}}`, 0, "t.har: entry 0: not valid JSON", ""},
		{"NUL in a string", `{"log": {"entries": [{"request": {"method": "G` + "\x00" + `ET", "url": "/x"}}]}}`, 0, "t.har: entry 0: not valid JSON at line 1 (byte 46): control character byte 0x00", ""},
		{"entries a string", `{"log": {"entries": "[]"}}`, 0, "t.har: log.entries: got a string, want an array", ""},
		{"entry a number", string(har(goodEntry, `42`)), 2, "", "t.har: entry 1: value: got a JSON number, want an object"},
		{"entry null", string(har(`null`)), 1, "", "t.har: entry 0: request: missing"},
		{"top-level array", `[{"log": {"entries": []}}]`, 0, "t.har: not a HAR file or JSON Lines: starts with '['", ""},
		{"nested 5000 deep, ignored", string(har(`{"_x": ` + deep(5000) + `, "request": {"method": "GET", "url": "/x"}}`)), 1, "", ""},
		{"nested past the bound", string(har(`{"_x": ` + deep(maxNesting+1) + `}`)), 0, "t.har: entry 0: not valid JSON at line 1 (byte 10091): the value nests deeper than 10000 levels", ""},
		{"repeated field", string(har(`{"request": {"method": "GET", "url": "/x", "postData": {"text": "{}", "text": "{\"a\": 1}"}}}`)), 1, "", "t.har: entry 0: request.postData.text: the key appears twice"},
		{"header not an object", string(har(`{"request": {"method": "GET", "url": "/x", "headers": ["a"]}}`)), 1, "", "t.har: entry 0: request.headers[0]: got a JSON string, want an object"},
		{"huge number ignored", string(har(`{"_n": 1` + strings.Repeat("0", 100000) + `, "request": {"method": "GET", "url": "/x"}}`)), 1, "", ""},
		{"huge status", string(har(`{"request": {"method": "GET", "url": "/x"}, "response": {"status": 1` + strings.Repeat("0", 1000) + `}}`)), 1, "", "t.har: entry 0: response.status: got a JSON number that is not an integer in range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "t.har"
			recs, err := readAll(t, name, []byte(tt.data))
			if len(recs) != tt.records {
				t.Errorf("read %d records, want %d", len(recs), tt.records)
			}
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
				t.Errorf("error %v, want prefix %q", err, tt.want)
			}
			if tt.want != "" {
				var te *Error
				if !errors.As(err, &te) || te.File != name {
					t.Errorf("error %#v does not name the file", err)
				}
			}
			var last error
			if len(recs) > 0 {
				last = recs[len(recs)-1].Err
			}
			switch {
			case tt.entry == "" && last != nil:
				t.Errorf("record error %v", last)
			case tt.entry != "" && (last == nil || !strings.HasPrefix(last.Error(), tt.entry)):
				t.Errorf("record error %v, want prefix %q", last, tt.entry)
			}
		})
	}
}

// TestHARInvalidUTF8 checks that raw bytes that are not UTF-8 reach the validator as they are,
// so that the body is judged malformed as received instead of passing with U+FFFD in it.
func TestHARInvalidUTF8(t *testing.T) {
	recs, err := readAll(t, "t.har", har(`{"request": {"method": "PATCH", "url": "/x", "postData": {"mimeType": "application/json", "text": "{\"name\": \"b`+"\xff\xfe"+`ob\"}"}}}`))
	if err != nil || len(recs) != 1 || recs[0].Err != nil {
		t.Fatalf("%v, %+v", err, recs)
	}
	if got := string(recs[0].Exchange.Request.Body); got != "{\"name\": \"b\xff\xfeob\"}" {
		t.Errorf("body %q, want the bytes as recorded", got)
	}
}

// hugeEntry streams a HAR whose one entry has a request body of n bytes and a response body of
// n bytes of base64, without holding either.
func hugeEntry(n int64) io.Reader {
	head := `{"log": {"entries": [{"request": {"method": "PATCH", "url": "https://acme.nonemployee.com/api/users/1", "headers": [{"name": "Content-Type", "value": "application/json"}], "postData": {"mimeType": "application/json", "text": "`
	mid := `"}}, "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "encoding": "base64", "text": "`
	tail := `"}}}, ` + goodEntry + `]}}`
	return io.MultiReader(strings.NewReader(head), io.LimitReader(repeatReader('x'), n),
		strings.NewReader(mid), io.LimitReader(repeatReader('A'), n), strings.NewReader(tail))
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// TestHARHugeBodyStreams reads an entry with two 65 MiB bodies and checks that neither is
// kept (both marked not recorded, with a note naming the size) and that reading it allocates
// a small fraction of its size: the bodies are counted, never buffered.
func TestHARHugeBodyStreams(t *testing.T) {
	const size = 65 << 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r, err := Open("big.har", hugeEntry(size))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := r.Next()
	runtime.ReadMemStats(&after)
	if err != nil || rec.Err != nil {
		t.Fatalf("%v, %v", err, rec.Err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("reading a %d MiB entry allocated %d MiB; the bodies must be streamed past", 2*size>>20, alloc>>20)
	}
	ex := rec.Exchange
	if !ex.Request.BodyNotRecorded || ex.Request.Body != nil || !ex.Response.BodyNotRecorded || ex.Response.Body != nil {
		t.Errorf("request %v %d bytes, response %v %d bytes; want both not recorded", ex.Request.BodyNotRecorded, len(ex.Request.Body), ex.Response.BodyNotRecorded, len(ex.Response.Body))
	}
	if !strings.Contains(rec.Note, "the request body (68157440 bytes) is larger than the 4 MiB limit") || !strings.Contains(rec.Note, "the response body") {
		t.Errorf("note %q", rec.Note)
	}
	rec, err = r.Next()
	if err != nil || rec.Err != nil || rec.Index != 1 {
		t.Fatalf("the entry after the huge one: %+v, %v", rec, err)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last entry: %v", err)
	}
}

// TestGzipBombBounded reads a small .har.gz that inflates to 24 MiB of strings: they are read
// past in bounded memory, and a truncated copy is an error naming gzip.
func TestGzipBombBounded(t *testing.T) {
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if _, err := io.Copy(zw, hugeEntry(12<<20)); err != nil {
		t.Fatal(err)
	}
	_ = zw.Close()
	if gz.Len() > 1<<20 {
		t.Fatalf("the bomb is %d bytes", gz.Len())
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r, err := OpenWith("bomb.har.gz", bytes.NewReader(gz.Bytes()), Options{MaxBody: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := r.Next()
	runtime.ReadMemStats(&after)
	if err != nil || rec.Err != nil || !rec.Exchange.Request.BodyNotRecorded {
		t.Fatalf("%v, %+v", err, rec)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("inflating to 24 MiB allocated %d MiB", alloc>>20)
	}
	_, err = readAll(t, "bomb.har.gz", gz.Bytes()[:gz.Len()/2])
	if err == nil || !strings.Contains(err.Error(), "bomb.har.gz: entry 0: gzip: the compressed recording is truncated") {
		t.Errorf("truncated: %v", err)
	}
}
