package traffic

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
)

// readAll reads every record of a recording, stopping at the first reader error.
func readAll(t *testing.T, name string, data []byte) ([]Record, error) {
	t.Helper()
	r, err := Open(name, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var recs []Record
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return recs, nil
		}
		if err != nil {
			return recs, err
		}
		recs = append(recs, rec)
	}
}

func TestChromeHAR(t *testing.T) {
	data, err := os.ReadFile("testdata/chrome.har")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, utf8BOM) {
		t.Fatal("testdata/chrome.har should start with a UTF-8 BOM, as Windows exports do")
	}
	r, err := Open("chrome.har", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if r.Format() != FormatHAR {
		t.Errorf("format = %q, want har", r.Format())
	}
	recs, err := readAll(t, "chrome.har", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 6 {
		t.Fatalf("got %d records, want 6", len(recs))
	}
	for i, rec := range recs {
		if rec.Err != nil {
			t.Errorf("entry %d: %v", i, rec.Err)
		}
		if rec.Index != i || rec.File != "chrome.har" || rec.Line != 0 {
			t.Errorf("entry %d: file, index, line = %q, %d, %d", i, rec.File, rec.Index, rec.Line)
		}
	}

	t.Run("script entry", func(t *testing.T) {
		ex := recs[0].Exchange
		if ex.Request.Method != "GET" || ex.Request.URL.Path != "/app.js" {
			t.Errorf("request = %s %s", ex.Request.Method, ex.Request.URL)
		}
		if ex.Request.Body != nil || ex.Request.BodyNotRecorded {
			t.Errorf("a GET without postData has no body; got %q, not recorded %v", ex.Request.Body, ex.Request.BodyNotRecorded)
		}
	})

	t.Run("headers, base64 body, comment", func(t *testing.T) {
		rec := recs[1]
		if rec.Comment != "valid update" {
			t.Errorf("comment = %q", rec.Comment)
		}
		req, resp := rec.Exchange.Request, rec.Exchange.Response
		if req.URL.Host != "acme.nonemployee.com" || req.URL.Path != "/api/users/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e" {
			t.Errorf("url = %s", req.URL)
		}
		for name := range req.Header {
			if strings.HasPrefix(name, ":") {
				t.Errorf("pseudo-header %q kept", name)
			}
		}
		if got := req.Header.Get("Content-Type"); got != "application/json" {
			t.Errorf("request Content-Type = %q (recorded as lower-case content-type)", got)
		}
		if got := req.Header.Get("Authorization"); got == "" {
			t.Error("request Authorization header dropped: the validator needs it for security checks")
		}
		var body map[string]any
		if err := json.Unmarshal(req.Body, &body); err != nil || body["user"] == nil {
			t.Errorf("request body %q: %v", req.Body, err)
		}
		if resp.Status != 200 {
			t.Errorf("status = %d", resp.Status)
		}
		if got := resp.Header.Values("Set-Cookie"); !slices.Equal(got, []string{"a=1; Path=/", "b=2; Path=/"}) {
			t.Errorf("Set-Cookie = %q, want both, in order", got)
		}
		if got := resp.Header.Values("X-Request-Id"); !slices.Equal(got, []string{"r1", "r2"}) {
			t.Errorf("X-Request-Id = %q, want both spellings merged in order", got)
		}
		if got := resp.Header.Get("Content-Encoding"); got != "" {
			t.Errorf("Content-Encoding = %q kept, but the HAR body is already decoded", got)
		}
		if err := json.Unmarshal(resp.Body, &body); err != nil {
			t.Fatalf("base64 response body not decoded: %q: %v", resp.Body, err)
		}
		if uid := body["user"].(map[string]any)["uid"]; uid != "db6f8e8b65c247d5a0db90bcc4e9df9e" {
			t.Errorf("uid = %v", uid)
		}
	})

	t.Run("plain text body", func(t *testing.T) {
		if !bytes.Contains(recs[2].Exchange.Response.Body, []byte(`"uid": "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"`)) {
			t.Errorf("response body = %q", recs[2].Exchange.Response.Body)
		}
	})

	t.Run("status 0 means no response", func(t *testing.T) {
		rec := recs[3]
		if rec.Exchange.Response != nil {
			t.Errorf("response = %+v, want nil", rec.Exchange.Response)
		}
		if rec.Exchange.Request == nil || string(rec.Exchange.Request.Body) != `{"user_profiles":[]}` {
			t.Errorf("request = %+v", rec.Exchange.Request)
		}
		if !strings.Contains(rec.Note, "net::ERR_ABORTED") {
			t.Errorf("note = %q, want the browser's reason", rec.Note)
		}
	})

	t.Run("response content without text", func(t *testing.T) {
		resp := recs[4].Exchange.Response
		if !resp.BodyNotRecorded || resp.Body != nil {
			t.Errorf("body %q, not recorded %v; want not recorded", resp.Body, resp.BodyNotRecorded)
		}
		if resp.Header.Get("ResponseTime") != "12" {
			t.Errorf("ResponseTime = %q", resp.Header.Get("ResponseTime"))
		}
		if recs[4].Exchange.Request.BodyNotRecorded {
			t.Error("request body has text but is marked not recorded")
		}
	})

	t.Run("postData with params only", func(t *testing.T) {
		ex := recs[5].Exchange
		if !ex.Request.BodyNotRecorded {
			t.Error("request body with params but no text should be marked not recorded")
		}
		if ex.Response.BodyNotRecorded || len(ex.Response.Body) != 0 {
			t.Errorf("empty recorded response body: %q, not recorded %v", ex.Response.Body, ex.Response.BodyNotRecorded)
		}
	})
}

// har wraps entries (JSON text) in a minimal HAR document.
func har(entries ...string) []byte {
	return []byte(`{"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": [` +
		strings.Join(entries, ",") + `]}}`)
}

const goodEntry = `{"request": {"method": "PATCH", "url": "https://acme.nonemployee.com/api/users/1", "headers": []},
	"response": {"status": 200, "headers": [], "content": {"size": 2, "mimeType": "application/json", "text": "{}"}}}`

func TestHARBodies(t *testing.T) {
	tests := []struct {
		name               string
		entry              string
		reqBody, respBody  string
		reqMissing, respNR bool
	}{
		{"no postData, no bodySize", `{"request": {"method": "PATCH", "url": "/api/users/1"}, "response": {"status": 204, "content": {"size": 0}}}`, "", "", false, false},
		{"no postData, positive bodySize", `{"request": {"method": "PATCH", "url": "/api/users/1", "bodySize": 12}, "response": {"status": 204, "content": {"size": 0}}}`, "", "", true, false},
		{"empty postData text", `{"request": {"method": "PATCH", "url": "/x", "postData": {"mimeType": "application/json", "text": ""}}, "response": {"status": 200, "content": {"size": 0, "text": ""}}}`, "", "", false, false},
		{"no content text, size 0, bodySize 40", `{"request": {"method": "PATCH", "url": "/x"}, "response": {"status": 200, "bodySize": 40, "content": {"size": 0}}}`, "", "", false, true},
		{"no content at all", `{"request": {"method": "PATCH", "url": "/x"}, "response": {"status": 200}}`, "", "", false, false},
		{"unpadded base64", `{"request": {"method": "PATCH", "url": "/x"}, "response": {"status": 200, "content": {"size": 4, "text": "e30", "encoding": "base64"}}}`, "", "{}", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := readAll(t, "t.har", har(tt.entry))
			if err != nil || len(recs) != 1 || recs[0].Err != nil {
				t.Fatalf("records %+v, error %v", recs, err)
			}
			ex := recs[0].Exchange
			if string(ex.Request.Body) != tt.reqBody || ex.Request.BodyNotRecorded != tt.reqMissing {
				t.Errorf("request body %q, not recorded %v; want %q, %v", ex.Request.Body, ex.Request.BodyNotRecorded, tt.reqBody, tt.reqMissing)
			}
			if string(ex.Response.Body) != tt.respBody || ex.Response.BodyNotRecorded != tt.respNR {
				t.Errorf("response body %q, not recorded %v; want %q, %v", ex.Response.Body, ex.Response.BodyNotRecorded, tt.respBody, tt.respNR)
			}
		})
	}
}

// TestHARBadEntries checks that an entry that cannot become an exchange is a record with an
// error naming the file, the entry and the field, and that reading goes on after it.
func TestHARBadEntries(t *testing.T) {
	tests := []struct {
		name  string
		entry string
		want  string
	}{
		{"bad url", `{"request": {"method": "GET", "url": "https://user:hunter2@[::1/x"}, "response": {"status": 200}}`, "t.har: entry 1: request.url: missing ']' in host"},
		{"bad url escape", `{"request": {"method": "GET", "url": "/api/%zz"}, "response": {"status": 200}}`, "t.har: entry 1: request.url: invalid URL escape"},
		{"missing url", `{"request": {"method": "GET"}, "response": {"status": 200}}`, "t.har: entry 1: request.url: missing"},
		{"missing method", `{"request": {"url": "/x"}, "response": {"status": 200}}`, "t.har: entry 1: request.method: missing"},
		{"missing request", `{"response": {"status": 200}}`, "t.har: entry 1: request: missing"},
		{"url is a number", `{"request": {"method": "GET", "url": 42}, "response": {"status": 200}}`, "t.har: entry 1: request.url: got a JSON number, want a string"},
		{"status is a string", `{"request": {"method": "GET", "url": "/x"}, "response": {"status": "200"}}`, "t.har: entry 1: response.status: got a JSON string, want an integer"},
		{"headers is an object", `{"request": {"method": "GET", "url": "/x", "headers": {"a": "b"}}, "response": {"status": 200}}`, "t.har: entry 1: request.headers: got a JSON object, want an array"},
		{"entry is a string", `"oops"`, "t.har: entry 1: value: got a JSON string, want an object"},
		{"bad base64", `{"request": {"method": "GET", "url": "/x"}, "response": {"status": 200, "content": {"size": 3, "text": "!!!", "encoding": "base64"}}}`, "t.har: entry 1: response.content.text: not valid base64"},
		{"unknown encoding", `{"request": {"method": "GET", "url": "/x"}, "response": {"status": 200, "content": {"size": 3, "text": "abc", "encoding": "gzip"}}}`, "t.har: entry 1: response.content.encoding:"},
		{"status out of range", `{"request": {"method": "GET", "url": "/x"}, "response": {"status": 1000}}`, "t.har: entry 1: response.status: 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := readAll(t, "t.har", har(goodEntry, tt.entry, goodEntry))
			if err != nil {
				t.Fatalf("reader error %v; a bad entry must not stop reading", err)
			}
			if len(recs) != 3 {
				t.Fatalf("got %d records, want 3", len(recs))
			}
			if recs[0].Err != nil || recs[2].Err != nil {
				t.Errorf("good entries around the bad one: %v, %v", recs[0].Err, recs[2].Err)
			}
			if recs[2].Index != 2 {
				t.Errorf("entry after the bad one has index %d, want 2", recs[2].Index)
			}
			bad := recs[1]
			if bad.Err == nil {
				t.Fatalf("no error for %s", tt.entry)
			}
			var te *Error
			if !errors.As(bad.Err, &te) || te.File != "t.har" || te.Index != 1 {
				t.Errorf("error %#v, want *Error at t.har entry 1", bad.Err)
			}
			if !strings.HasPrefix(bad.Err.Error(), tt.want) {
				t.Errorf("error %q, want prefix %q", bad.Err, tt.want)
			}
			if strings.Contains(bad.Err.Error(), "hunter2") {
				t.Errorf("error %q repeats the URL's password", bad.Err)
			}
		})
	}
}

// TestHARBroken checks files that cannot be read to the end: the error names the file and the
// entry where reading stopped, after the entries before it were read.
func TestHARBroken(t *testing.T) {
	chrome, err := os.ReadFile("testdata/chrome.har")
	if err != nil {
		t.Fatal(err)
	}
	entry2 := bytes.Index(chrome, []byte(`"comment": "uid as the pages'`))
	tests := []struct {
		name    string
		data    []byte
		records int
		index   int
		want    string
	}{
		{"truncated in entry 2", chrome[:entry2], 2, 2, "chrome.har: entry 2: unexpected end of input"},
		{"truncated after the last entry", chrome[:bytes.LastIndex(chrome, []byte("]"))], 6, 6, "chrome.har: entry 6: unexpected end of input"},
		{"syntax error in entry 1", har(goodEntry, `{"request": nope}`), 1, 1, "t.har: entry 1: not valid JSON"},
		{"no entries", []byte(`{"log": {"version": "1.2", "pages": [{"id": "p"}]}}`), 0, -1, "t.har: log.entries: missing"},
		{"entries not an array", []byte(`{"log": {"entries": {}}}`), 0, -1, "t.har: log.entries: got an object, want an array"},
		{"log not an object", []byte(`{"log": []}`), 0, -1, "t.har: log: got an array, want an object"},
		{"truncated before entries", []byte(`{"log": {"version": "1.2", "creator": {"name": "x"`), 0, -1, "t.har: unexpected end of input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "t.har"
			if bytes.HasPrefix(tt.data, utf8BOM) {
				name = "chrome.har"
			}
			recs, err := readAll(t, name, tt.data)
			if err == nil {
				t.Fatal("no error")
			}
			if len(recs) != tt.records {
				t.Errorf("read %d records before the error, want %d", len(recs), tt.records)
			}
			var te *Error
			if !errors.As(err, &te) || te.Index != tt.index {
				t.Errorf("error %#v, want *Error at index %d", err, tt.index)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q, want prefix %q", err, tt.want)
			}
		})
	}
}

func TestOpenRejects(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"empty", "", "x: empty"},
		{"blank", " \n\t\n", "x: empty"},
		{"BOM only", "\ufeff", "x: empty"},
		{"array", `[{"log": {}}]`, "x: not a HAR file or JSON Lines: starts with '['"},
		{"text", "GET /api/users HTTP/1.1\r\n", "x: not a HAR file or JSON Lines: starts with 'G'"},
		{"binary", "\x00\x01\x02", "x: not a HAR file or JSON Lines: starts with byte 0x00"},
		{"gzip header cut short", "\x1f\x8b\x08\x00", "x: gzip: the compressed recording is truncated"},
		{"gzip with a bad method", "\x1f\x8b\x07\x00\x00\x00\x00\x00\x00\x03", "x: gzip: the compressed recording is corrupt: invalid header"},
		{"other object", `{"openapi": "3.0.3"}`, `x: not a HAR file or JSON Lines: the first object starts with key "openapi"`},
		{"empty object", `{}`, "x: not a HAR file or JSON Lines: the first object is empty"},
		{"broken object", `{log: 1}`, "x: not a HAR file or JSON Lines: not valid JSON"},
		{"truncated", `{"lo`, "x: not a HAR file or JSON Lines: unexpected end of input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open("x", strings.NewReader(tt.data))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q, want prefix %q", err, tt.want)
			}
		})
	}
}

// TestStreams checks that records are returned as their bytes arrive, without waiting for the
// rest of the input: a recording is never read whole.
func TestStreams(t *testing.T) {
	tests := []struct {
		name        string
		first, rest string
	}{
		{"har", `{"log": {"entries": [` + goodEntry, `, ` + goodEntry + `]}}`},
		{"jsonl", `{"request": {"method": "GET", "url": "/a"}}` + "\n", `{"request": {"method": "GET", "url": "/b"}}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			sent := make(chan struct{})
			go func() {
				_, _ = io.WriteString(pw, tt.first)
				<-sent
				_, _ = io.WriteString(pw, tt.rest)
				_ = pw.Close()
			}()
			r, err := Open("pipe", pr)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := r.Next()
			if err != nil || rec.Err != nil {
				t.Fatalf("first record: %v, %v", err, rec.Err)
			}
			close(sent)
			rec, err = r.Next()
			if err != nil || rec.Err != nil || rec.Index != 1 {
				t.Fatalf("second record: %+v, %v", rec, err)
			}
			if _, err := r.Next(); !errors.Is(err, io.EOF) {
				t.Fatalf("after the last record: %v, want io.EOF", err)
			}
		})
	}
}
