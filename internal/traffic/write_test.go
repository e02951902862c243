package traffic

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/validator"
)

// writeEntries are exchanges that exercise every shape the writers must keep.
func writeEntries(t *testing.T) []Entry {
	t.Helper()
	u := func(s string) *url.URL {
		v, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	return []Entry{
		{
			Exchange: validator.Exchange{
				Request: &validator.Request{Method: "PATCH", URL: u("http://127.0.0.1:8081/api/users/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e?x=a%20b&y"),
					Header: http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json", "text/plain"}},
					Body:   []byte(`{"user": {"id": "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e", "name": "<b>&amp;"}}`)},
				Response: &validator.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}, "Set-Cookie": {"a=REDACTED", "b=REDACTED"}},
					Body: []byte("{\n  \"user\": {\"uid\": \"db6f8e8b65c247d5a0db90bcc4e9df9e\"}\n}")},
			},
			Started: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), Time: 1500 * time.Microsecond, Comment: "first",
		},
		{ // a response body that is not UTF-8, and a request without body
			Exchange: validator.Exchange{
				Request:  &validator.Request{Method: "GET", URL: u("http://h/x"), Header: http.Header{}},
				Response: &validator.Response{Status: 200, Header: http.Header{"Content-Type": {"application/octet-stream"}}, Body: []byte{0xff, 0x00, 0xfe}},
			},
		},
		{ // bodies too large to validate: marked not recorded
			Exchange: validator.Exchange{
				Request:  &validator.Request{Method: "PUT", URL: u("http://h/iam/governance/selfservice/api/v1/users"), Header: http.Header{"Content-Type": {"application/json"}}, BodyNotRecorded: true},
				Response: &validator.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, BodyNotRecorded: true},
			},
			RequestBodySize: 5 << 20, ResponseBodySize: 6 << 20,
		},
		{ // rejected: no response
			Exchange:   validator.Exchange{Request: &validator.Request{Method: "PATCH", URL: u("http://h/api/user_profiles"), Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{}`)}},
			NoResponse: "rejected by specgate proxy: the request is invalid",
		},
		{ // a request body that is not UTF-8: neither format keeps it as text
			Exchange: validator.Exchange{
				Request:  &validator.Request{Method: "PATCH", URL: u("http://h/api/user_profiles"), Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte{'{', 0xff, '}'}},
				Response: &validator.Response{Status: 400, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"error": "Invalid JSON syntax. Please check your syntax and try again."}`)},
			},
		},
	}
}

func TestWriterRoundTrip(t *testing.T) {
	for _, format := range []Format{FormatHAR, FormatJSONLines} {
		t.Run(string(format), func(t *testing.T) {
			entries := writeEntries(t)
			var buf bytes.Buffer
			w, err := NewWriter(&buf, format, "specgate test")
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if err := w.Write(e); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if w.Count() != len(entries) {
				t.Fatalf("Count = %d, want %d", w.Count(), len(entries))
			}
			got := readBack(t, format, buf.Bytes())
			if len(got) != len(entries) {
				t.Fatalf("read %d records, want %d", len(got), len(entries))
			}
			for i, rec := range got {
				want := entries[i].Exchange
				if i == 4 { // the non-UTF-8 request body comes back as not recorded
					want.Request = &validator.Request{Method: want.Request.Method, URL: want.Request.URL, Header: want.Request.Header, BodyNotRecorded: true}
				}
				if i == 1 && format == FormatJSONLines { // so does a response body in JSON Lines
					want.Response = &validator.Response{Status: want.Response.Status, Header: want.Response.Header, BodyNotRecorded: true}
				}
				if msg := sameExchange(rec.Exchange, want); msg != "" {
					t.Errorf("entry %d: %s", i, msg)
				}
				if entries[i].Comment != "" && !strings.Contains(rec.Comment, entries[i].Comment) {
					t.Errorf("entry %d: comment %q, want %q", i, rec.Comment, entries[i].Comment)
				}
			}
			if format == FormatHAR && !strings.Contains(got[3].Note, "rejected by specgate proxy") {
				t.Errorf("no-response note %q does not carry the reason", got[3].Note)
			}
		})
	}
}

// TestWriterHARWithoutClose: a recording cut short (the process was killed) still gives up
// every entry written before the cut.
func TestWriterHARWithoutClose(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, FormatHAR, "specgate test")
	for _, e := range writeEntries(t)[:2] {
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r, err := Open("cut.har", &buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if rec, err := r.Next(); err != nil || rec.Err != nil {
			t.Fatalf("entry %d: %v %v", i, err, rec.Err)
		}
	}
	if _, err := r.Next(); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("after the last entry: %v, want a truncation error", err)
	}
}

func TestWriterEmptyHAR(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, FormatHAR, "specgate test")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readBack(t, FormatHAR, buf.Bytes()); len(got) != 0 {
		t.Fatalf("an empty recording yields %d records", len(got))
	}
	if err := w.Write(writeEntries(t)[0]); err == nil {
		t.Fatal("Write after Close succeeded")
	}
}

// TestWriterContracts writes every contract with a request and reads it back unchanged.
func TestWriterContracts(t *testing.T) {
	fsys := contracts.Embedded()
	paths, err := contracts.Glob(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []Format{FormatHAR, FormatJSONLines} {
		var buf bytes.Buffer
		w, _ := NewWriter(&buf, format, "specgate test")
		var want []validator.Exchange
		for _, p := range paths {
			c, err := contracts.Load(fsys, p)
			if err != nil {
				t.Fatal(err)
			}
			ex, err := c.Exchange()
			if err != nil || ex.Request == nil {
				continue
			}
			if err := w.Write(Entry{Exchange: ex, Comment: p}); err != nil {
				t.Fatal(err)
			}
			want = append(want, ex)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got := readBack(t, format, buf.Bytes())
		if len(got) != len(want) {
			t.Fatalf("%s: read %d records, want %d", format, len(got), len(want))
		}
		for i := range got {
			if msg := sameExchange(got[i].Exchange, want[i]); msg != "" {
				t.Errorf("%s: %s: %s", format, got[i].Comment, msg)
			}
		}
	}
}

func readBack(t *testing.T, format Format, data []byte) []Record {
	t.Helper()
	r, err := Open("rec", bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Open: %v\n%s", err, data)
	}
	if r.Format() != format {
		t.Fatalf("read back as %s, want %s", r.Format(), format)
	}
	var out []Record
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v\n%s", err, data)
		}
		if rec.Err != nil {
			t.Fatalf("record %d: %v", rec.Index, rec.Err)
		}
		out = append(out, rec)
	}
}

// sameExchange describes how got differs from want, or returns "".
func sameExchange(got, want validator.Exchange) string {
	var diffs []string
	if (got.Request == nil) != (want.Request == nil) || (got.Response == nil) != (want.Response == nil) {
		return "parts differ"
	}
	if q, w := got.Request, want.Request; q != nil {
		if q.Method != w.Method || q.URL.String() != w.URL.String() {
			diffs = append(diffs, "request line "+q.Method+" "+q.URL.String())
		}
		if !sameHeader(q.Header, w.Header) {
			diffs = append(diffs, "request headers")
		}
		if !bytes.Equal(q.Body, w.Body) || q.BodyNotRecorded != w.BodyNotRecorded {
			diffs = append(diffs, "request body "+string(q.Body))
		}
	}
	if q, w := got.Response, want.Response; q != nil {
		if q.Status != w.Status {
			diffs = append(diffs, "status")
		}
		if !sameHeader(q.Header, w.Header) {
			diffs = append(diffs, "response headers")
		}
		if !bytes.Equal(q.Body, w.Body) || q.BodyNotRecorded != w.BodyNotRecorded {
			diffs = append(diffs, "response body "+string(q.Body))
		}
	}
	return strings.Join(diffs, ", ")
}

func sameHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, vs := range a {
		if strings.Join(vs, "\x00") != strings.Join(b[k], "\x00") {
			return false
		}
	}
	return true
}
