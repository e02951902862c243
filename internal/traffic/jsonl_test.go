package traffic

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestJSONLines(t *testing.T) {
	data := "\ufeff" + strings.Join([]string{
		`{"request": {"method": "PATCH", "url": "https://acme.nonemployee.com/api/users/1?x=1", "headers": {"Content-Type": "application/json", "accept": ["application/json", "text/plain"], "ACCEPT": "*/*"}, "body": {"user": {"id": "1"}}}, "response": {"status": 200, "headers": {"Content-Type": ["application/json"]}, "bodyText": "{\"user\": "}, "operation": "patchUser", "comment": "first"}`,
		``,
		`   `,
		`{"response": {"status": 400, "body": {"error": "Invalid JSON"}}, "operation": "patchUser"}`,
		`{"request": {"method": "PUT", "url": "/iam/governance/selfservice/api/v1/users", "body": null}}`,
		`{"request": {"method": "PATCH", "url": "/x", "bodyText": ""}}`,
	}, "\r\n") + "\n"
	r, err := Open("t.jsonl", strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if r.Format() != FormatJSONLines {
		t.Errorf("format = %q, want jsonl", r.Format())
	}
	recs, err := readAll(t, "t.jsonl", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("got %d records, want 4 (blank lines skipped)", len(recs))
	}
	wantLines := []int{1, 4, 5, 6}
	for i, rec := range recs {
		if rec.Err != nil {
			t.Errorf("record %d: %v", i, rec.Err)
		}
		if rec.Index != i || rec.Line != wantLines[i] || rec.File != "t.jsonl" {
			t.Errorf("record %d: file %q index %d line %d, want index %d line %d", i, rec.File, rec.Index, rec.Line, i, wantLines[i])
		}
	}

	first := recs[0]
	if first.Comment != "first" || first.Exchange.Operation != "patchUser" {
		t.Errorf("comment %q, operation %q", first.Comment, first.Exchange.Operation)
	}
	req := first.Exchange.Request
	if req.Method != "PATCH" || req.URL.Path != "/api/users/1" || req.URL.RawQuery != "x=1" {
		t.Errorf("request %s %s", req.Method, req.URL)
	}
	if got := req.Header.Values("Accept"); !slices.Equal(got, []string{"*/*", "application/json", "text/plain"}) {
		t.Errorf("Accept = %q, want the names merged in sorted name order", got)
	}
	if string(req.Body) != `{"user": {"id": "1"}}` {
		t.Errorf("request body %q, want the JSON value as written", req.Body)
	}
	resp := first.Exchange.Response
	if resp.Status != 200 || resp.Header.Get("Content-Type") != "application/json" || string(resp.Body) != `{"user": ` {
		t.Errorf("response %d %v %q", resp.Status, resp.Header, resp.Body)
	}

	only := recs[1].Exchange
	if only.Request != nil || only.Response == nil || only.Operation != "patchUser" || string(only.Response.Body) != `{"error": "Invalid JSON"}` {
		t.Errorf("response-only exchange: %+v", only)
	}
	if recs[2].Exchange.Request.Body != nil || recs[2].Exchange.Response != nil {
		t.Errorf("body null: %q, response %v; want no body and no response", recs[2].Exchange.Request.Body, recs[2].Exchange.Response)
	}
	if b := recs[3].Exchange.Request.Body; b == nil || len(b) != 0 {
		t.Errorf(`bodyText "" = %q, want an empty, non-nil body`, b)
	}
}

// TestJSONLinesBadLines checks that a line that cannot become an exchange is a record with an
// error naming the file and line, and that the lines after it are still read.
func TestJSONLinesBadLines(t *testing.T) {
	const good = `{"request": {"method": "GET", "url": "/a"}}`
	tests := []struct {
		name, line, want string
	}{
		{"not JSON", `GET /a HTTP/1.1`, "t.jsonl: line 2: not valid JSON"},
		{"truncated", `{"request": {"method": "GET"`, "t.jsonl: line 2: not valid JSON at line 2 (byte 72): the line ends inside the value"},
		{"two objects", good + " " + good, "t.jsonl: line 2: more than one JSON value on the line"},
		{"an array", `[1]`, "t.jsonl: line 2: value: got a JSON array, want an object"},
		{"unknown key", `{"request": {"method": "GET", "url": "/a"}, "stauts": 200}`, `t.jsonl: line 2: unknown field "stauts"`},
		{"unknown request key", `{"request": {"method": "GET", "url": "/a", "header": {}}}`, `t.jsonl: line 2: request: unknown field "header"`},
		{"nothing", `{"comment": "x"}`, "t.jsonl: line 2: neither request nor response"},
		{"response without operation", `{"response": {"status": 200}}`, "t.jsonl: line 2: operation: missing"},
		{"no status", `{"request": {"method": "GET", "url": "/a"}, "response": {}}`, "t.jsonl: line 2: response.status: missing"},
		{"status out of range", `{"request": {"method": "GET", "url": "/a"}, "response": {"status": 42}}`, "t.jsonl: line 2: response.status: 42 is not"},
		{"status is a string", `{"request": {"method": "GET", "url": "/a"}, "response": {"status": "200"}}`, "t.jsonl: line 2: response.status: got a JSON string, want an integer"},
		{"bad url", `{"request": {"method": "GET", "url": "http://[::1"}}`, "t.jsonl: line 2: request.url: missing ']' in host"},
		{"no method", `{"request": {"url": "/a"}}`, "t.jsonl: line 2: request.method: missing"},
		{"header number", `{"request": {"method": "GET", "url": "/a", "headers": {"X-Requested-By": 1}}}`, "t.jsonl: line 2: request.headers.X-Requested-By: want a string or a list of strings"},
		{"header list of numbers", `{"request": {"method": "GET", "url": "/a"}, "response": {"status": 200, "headers": {"ResponseTime": [12]}}}`, "t.jsonl: line 2: response.headers.ResponseTime: want a string or a list of strings"},
		{"body and bodyText", `{"request": {"method": "PATCH", "url": "/a", "body": {}, "bodyText": "{}"}}`, "t.jsonl: line 2: request: both body and bodyText"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := good + "\n" + tt.line + "\n" + good + "\n"
			recs, err := readAll(t, "t.jsonl", []byte(data))
			if err != nil {
				t.Fatalf("reader error %v; a bad line must not stop reading", err)
			}
			if len(recs) != 3 || recs[0].Err != nil || recs[2].Err != nil {
				t.Fatalf("records %+v", recs)
			}
			if recs[2].Line != 3 || recs[2].Index != 2 {
				t.Errorf("record after the bad line: line %d index %d", recs[2].Line, recs[2].Index)
			}
			var te *Error
			if !errors.As(recs[1].Err, &te) || te.Line != 2 || te.Index != 1 || te.File != "t.jsonl" {
				t.Fatalf("error %#v, want *Error at t.jsonl line 2", recs[1].Err)
			}
			if !strings.HasPrefix(te.Error(), tt.want) {
				t.Errorf("error %q, want prefix %q", te, tt.want)
			}
		})
	}
}

func TestJSONLinesMultiLineObject(t *testing.T) {
	recs, err := readAll(t, "t.jsonl", []byte("{\"request\": {\"method\": \"GET\",\n \"url\": \"/a\"}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 || recs[0].Err == nil || !strings.HasPrefix(recs[0].Err.Error(), "t.jsonl: line 1: ") {
		t.Fatalf("records %+v; want an error naming line 1", recs)
	}
}

// TestJSONLinesLongLine checks that a line longer than any buffer is streamed: its body, over
// the limit, is not kept and is marked not recorded with a note, and the lines after it are read.
func TestJSONLinesLongLine(t *testing.T) {
	long := `{"request": {"method": "PATCH", "url": "/a", "bodyText": "` + strings.Repeat("x", 65<<20) + `"}}`
	huge := `{"request": {"method": "PATCH", "url": "/a", "body": [` + strings.Repeat("1,", 1<<20) + `1]}}`
	data := `{"request": {"method": "GET", "url": "/a"}}` + "\n" + long + "\n" + huge + "\n" + `{"request": {"method": "GET", "url": "/b"}}` + "\n"
	r, err := OpenWith("t.jsonl", strings.NewReader(data), Options{MaxBody: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var recs []Record
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("after %d records: %v", len(recs), err)
		}
		recs = append(recs, rec)
	}
	if len(recs) != 4 || recs[3].Line != 4 || recs[3].Exchange.Request.URL.Path != "/b" {
		t.Fatalf("records %+v; want 4, the last at line 4", recs)
	}
	for _, rec := range recs[1:3] {
		req := rec.Exchange.Request
		if rec.Err != nil || req == nil || !req.BodyNotRecorded || req.Body != nil {
			t.Fatalf("line %d: err %v, request %+v; want the body not recorded", rec.Line, rec.Err, req)
		}
		if !strings.Contains(rec.Note, "larger than the 1 MiB limit") {
			t.Errorf("line %d: note %q", rec.Line, rec.Note)
		}
	}
}
