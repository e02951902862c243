package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/validator"
)

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// entries covers every kind of entry a run reports.
func entries() []Entry {
	req := &validator.Request{Method: "PATCH", URL: mustURL("https://acme.nonemployee.com/api/users/1?token=t0ps3cret")}
	return []Entry{
		{Record: traffic.Record{File: "a.har", Index: 0, Comment: "fine", Exchange: validator.Exchange{Request: req}},
			Result: validator.Result{Operation: "patchUser", Spec: "specs/nerm-lifecycle.yaml"}},
		{Record: traffic.Record{File: "a.har", Index: 1, Exchange: validator.Exchange{Request: req}},
			Result: validator.Result{Operation: "patchUser", Spec: "specs/nerm-lifecycle.yaml", Violations: []validator.Violation{
				{Rule: "response.body.schema", Part: "response", Instance: "/user/uid", Keyword: "maxLength",
					Schema: "specs/nerm-lifecycle.yaml#/components/schemas/Uid/maxLength", Line: 224, Message: "too long"},
				{Rule: "response.body.schema", Part: "response", Instance: "", Keyword: "oneOf", Message: "no branch\nmatches",
					Branches: []validator.Branch{
						{Index: 0, Name: "UserProfilesResult", Errors: []validator.BranchError{{Instance: "", Message: "needs user_profiles", Schema: "s#/x", Line: 3}}},
						{Index: 1, Name: "JobStatusResult", Matched: true},
					}},
				{Rule: "request.param.missing", Part: "request", Instance: "X-Requested-By", Message: "missing"},
			}}},
		{Record: traffic.Record{File: "b.jsonl", Index: 0, Line: 3, Exchange: validator.Exchange{Operation: "patchUser", Response: &validator.Response{Status: 200}}},
			Result: validator.Result{Operation: "patchUser"}},
		{Record: traffic.Record{File: "b.jsonl", Index: 1, Line: 4, Err: &traffic.Error{File: "b.jsonl", Index: 1, Line: 4, Err: errors.New("request.url: missing")}}},
		{Record: traffic.Record{File: "a.har", Index: 2, Exchange: validator.Exchange{Request: &validator.Request{Method: "GET", URL: mustURL("https://acme.nonemployee.com/app.js")}}},
			Result: validator.Result{OutOfScope: "/app.js is outside the base paths"}},
		{Record: traffic.Record{File: "a.har", Index: 3, Note: "no response recorded", Exchange: validator.Exchange{Request: &validator.Request{Method: "OPTIONS", URL: mustURL("/api/users/1")}}},
			Result: validator.Result{Operation: "patchUser", Preflight: "PATCH"}},
	}
}

// write writes es in format, out-of-scope entries listed too, and returns the output.
func write(t *testing.T, format string, es []Entry) (string, Summary) {
	t.Helper()
	return writeReport(t, format, true, es)
}

func writeReport(t *testing.T, format string, verbose bool, es []Entry) (string, Summary) {
	t.Helper()
	var buf bytes.Buffer
	r, err := New(&buf, format)
	if err != nil {
		t.Fatal(err)
	}
	r.SetVerbose(verbose)
	for _, e := range es {
		if err := r.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), r.Summary()
}

func TestSummary(t *testing.T) {
	_, s := write(t, "text", entries())
	want := Summary{Exchanges: 6, Valid: 3, Invalid: 1, Errors: 1, OutOfScope: 1,
		ByRule: map[string]int{"response.body.schema": 2, "request.param.missing": 1}}
	if s.Exchanges != want.Exchanges || s.Valid != want.Valid || s.Invalid != want.Invalid || s.Errors != want.Errors || s.OutOfScope != want.OutOfScope {
		t.Errorf("summary %+v, want %+v", s, want)
	}
	if len(s.ByRule) != 2 || s.ByRule["response.body.schema"] != 2 || s.ByRule["request.param.missing"] != 1 {
		t.Errorf("by rule %v", s.ByRule)
	}
}

func TestText(t *testing.T) {
	out, _ := write(t, "text", entries())
	for _, want := range []string{
		"a.har entry 0: PATCH /api/users/1?token=REDACTED → patchUser: VALID\n  comment: fine\n",
		"a.har entry 1: PATCH /api/users/1?token=REDACTED → patchUser: INVALID\n" +
			"  response.body.schema /user/uid: too long\n" +
			"    at specs/nerm-lifecycle.yaml#/components/schemas/Uid/maxLength:224\n" +
			"  response.body.schema: no branch matches\n" +
			"    branch 0 UserProfilesResult: does not match\n" +
			"      (root): needs user_profiles\n" +
			"        at s#/x:3\n" +
			"    branch 1 JobStatusResult: matches\n" +
			"  request.param.missing X-Requested-By: missing\n",
		"b.jsonl line 3: response of patchUser: VALID\n",
		"b.jsonl line 4: ERROR\n  error: request.url: missing\n",
		"a.har entry 2: GET /app.js: OUT OF SCOPE\n  out of scope: /app.js is outside the base paths\n",
		"a.har entry 3: OPTIONS /api/users/1 (CORS preflight for PATCH) → patchUser: VALID\n  note: no response recorded\n",
		"\n6 exchanges: 3 valid, 1 invalid, 1 error, 1 out of scope\n  response.body.schema             2\n  request.param.missing            1\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks\n%s\ngot\n%s", want, out)
		}
	}
	if strings.Contains(out, "t0ps3cret") {
		t.Error("text report shows a query credential")
	}
}

func TestJSON(t *testing.T) {
	out, _ := write(t, "json", entries())
	if strings.Contains(out, "t0ps3cret") {
		t.Error("json report shows a query credential")
	}
	var doc struct {
		Summary   map[string]any   `json:"summary"`
		Exchanges []map[string]any `json:"exchanges"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, out)
	}
	if dec.More() {
		t.Error("more than one JSON document")
	}
	if len(doc.Exchanges) != 6 {
		t.Fatalf("%d exchanges, want 6", len(doc.Exchanges))
	}
	wantKeys := []string{"file", "index", "comment", "method", "url", "operation", "valid", "violations"}
	for i, x := range doc.Exchanges {
		for _, k := range wantKeys {
			if _, ok := x[k]; !ok {
				t.Errorf("exchange %d lacks %q: %v", i, k, x)
			}
		}
		if _, ok := x["violations"].([]any); !ok {
			t.Errorf("exchange %d: violations = %v, want an array", i, x["violations"])
		}
	}
	first, invalid, line, bad, out3, pre := doc.Exchanges[0], doc.Exchanges[1], doc.Exchanges[2], doc.Exchanges[3], doc.Exchanges[4], doc.Exchanges[5]
	if first["url"] != "/api/users/1?token=REDACTED" || first["valid"] != true || first["comment"] != "fine" || first["spec"] != "specs/nerm-lifecycle.yaml" {
		t.Errorf("first exchange %v", first)
	}
	vs := invalid["violations"].([]any)
	if len(vs) != 3 || invalid["valid"] != false {
		t.Fatalf("invalid exchange %v", invalid)
	}
	v0 := vs[0].(map[string]any)
	if v0["rule"] != "response.body.schema" || v0["instance"] != "/user/uid" || v0["line"] != float64(224) {
		t.Errorf("violation %v", v0)
	}
	if br := vs[1].(map[string]any)["branches"].([]any); len(br) != 2 {
		t.Errorf("branches %v", br)
	}
	if line["line"] != float64(3) || line["method"] != "" || line["operation"] != "patchUser" {
		t.Errorf("response-only exchange %v", line)
	}
	if bad["error"] != "request.url: missing" || bad["valid"] != false || bad["index"] != float64(1) || bad["line"] != float64(4) {
		t.Errorf("error entry %v", bad)
	}
	if out3["out_of_scope"] != "/app.js is outside the base paths" || out3["valid"] != false {
		t.Errorf("out of scope entry %v", out3)
	}
	if pre["preflight"] != "PATCH" || pre["note"] != "no response recorded" {
		t.Errorf("preflight entry %v", pre)
	}
	s := doc.Summary
	if s["exchanges"] != float64(6) || s["valid"] != float64(3) || s["invalid"] != float64(1) || s["errors"] != float64(1) || s["out_of_scope"] != float64(1) {
		t.Errorf("summary %v", s)
	}
	if by := s["by_rule"].(map[string]any); by["response.body.schema"] != float64(2) {
		t.Errorf("by_rule %v", by)
	}
}

func TestJSONEmpty(t *testing.T) {
	out, _ := write(t, "json", nil)
	var doc struct {
		Exchanges []any          `json:"exchanges"`
		Summary   map[string]any `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if doc.Exchanges == nil || len(doc.Exchanges) != 0 {
		t.Errorf("exchanges %v, want []", doc.Exchanges)
	}
	if by, ok := doc.Summary["by_rule"].(map[string]any); !ok || len(by) != 0 {
		t.Errorf("by_rule %v, want {}", doc.Summary["by_rule"])
	}
}

// formatNames lists the formats that stream, or those written whole.
func formatNames(streams bool) []string {
	var out []string
	for _, f := range formats {
		if f.streams == streams {
			out = append(out, f.name)
		}
	}
	return out
}

// TestStreams checks that each entry is written when it is added, before Close.
func TestStreams(t *testing.T) {
	if len(formatNames(true)) == 0 || len(formatNames(false)) == 0 {
		t.Fatal("no format streams, or every one does")
	}
	for _, format := range formatNames(true) {
		var buf bytes.Buffer
		r, err := New(&buf, format)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Add(entries()[1]); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "/user/uid") {
			t.Errorf("%s: entry not written before Close: %q", format, buf.String())
		}
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n--; f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// A writer's error after the first write comes back from Add or Close in the formats that
// stream; TestDocumentFormats checks those written whole.
func TestWriteErrors(t *testing.T) {
	for _, format := range formatNames(true) {
		r, err := New(&failWriter{n: 1}, format)
		if err != nil {
			t.Fatal(err)
		}
		var got error
		for _, e := range entries() {
			if err := r.Add(e); err != nil {
				got = err
				break
			}
		}
		if got == nil {
			got = r.Close()
		}
		if got == nil || !strings.Contains(got.Error(), "disk full") {
			t.Errorf("%s: error %v, want the writer's", format, got)
		}
	}
	if _, err := New(&bytes.Buffer{}, "xml"); err == nil || !strings.Contains(err.Error(), `"xml"`) {
		t.Errorf("New(xml) error %v", err)
	}
}
