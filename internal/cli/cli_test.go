package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/validator"
)

const (
	userID    = "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"
	uid32     = "db6f8e8b65c247d5a0db90bcc4e9df9e"
	nermUsers = "https://acme.nonemployee.com/api/users/" + userID
	oigUsers  = "https://pseudo.com/iam/governance/selfservice/api/v1/users"
	// Secrets the exchanges carry; no report may show them.
	bearer   = "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.c2ln"
	cookie   = "session=c00k1e-s3cr3t"
	queryKey = "qu3ry-s3cr3t"
)

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// patchUser is a PATCH /users/{id} exchange whose 200 reply carries uid.
func patchUser(t *testing.T, uid string) validator.Exchange {
	return validator.Exchange{
		Request: &validator.Request{
			Method: "PATCH", URL: mustURL(t, nermUsers+"?access_token="+queryKey),
			Header: header("Content-Type", "application/json", "Authorization", bearer, "Cookie", cookie),
			Body:   []byte(`{"user": {"id": "` + userID + `", "name": "myusername", "status": "Active"}}`),
		},
		Response: &validator.Response{
			Status: 200, Header: header("Content-Type", "application/json"),
			Body: []byte(`{"user": {"id": "` + userID + `", "uid": "` + uid + `", "name": "myusername"}}`),
		},
	}
}

// patchUsers is a valid OIG Patch Users exchange.
func patchUsers(t *testing.T) validator.Exchange {
	return validator.Exchange{
		Request: &validator.Request{
			Method: "PATCH", URL: mustURL(t, oigUsers),
			Header: header("Content-Type", "application/json", "X-Requested-By", "specgate", "Authorization", "Basic dXNlcm5hbWU6cGFzc3dvcmQ="),
			Body:   []byte(`{"users": [{"id": "18008", "update": [{"name": "Display Name", "value": "x"}]}]}`),
		},
		Response: &validator.Response{
			Status: 200, Header: header("Content-Type", "application/json", "ResponseTime", "12"),
			Body: []byte(`{"users": [{"id": "18008", "status": "SUCCESS"}]}`),
		},
	}
}

// harOf builds a HAR document in the shape Chrome exports, one entry per exchange, with
// response bodies base64-encoded and header names in lower case.
func harOf(t *testing.T, exs ...validator.Exchange) []byte {
	t.Helper()
	headers := func(h http.Header) []map[string]string {
		list := []map[string]string{}
		for name, values := range h {
			for _, v := range values {
				list = append(list, map[string]string{"name": strings.ToLower(name), "value": v})
			}
		}
		return list
	}
	var entries []map[string]any
	for i, ex := range exs {
		e := map[string]any{
			"_initiator": map[string]any{"type": "script"}, "_resourceType": "fetch", "cache": map[string]any{},
			"startedDateTime": "2026-11-25T20:44:07.123Z", "time": 12.5,
			"timings": map[string]any{"blocked": 1, "dns": -1, "connect": -1, "send": 0, "wait": 10, "receive": 1, "ssl": -1},
			"comment": "exchange " + string(rune('A'+i)),
		}
		req := ex.Request
		r := map[string]any{"method": req.Method, "url": req.URL.String(), "httpVersion": "http/2.0",
			"headers": headers(req.Header), "queryString": []any{}, "cookies": []any{}, "headersSize": -1, "bodySize": len(req.Body)}
		if req.Body != nil {
			r["postData"] = map[string]any{"mimeType": req.Header.Get("Content-Type"), "text": string(req.Body)}
		}
		e["request"] = r
		if resp := ex.Response; resp != nil {
			e["response"] = map[string]any{"status": resp.Status, "statusText": "", "httpVersion": "http/2.0",
				"headers": headers(resp.Header), "cookies": []any{}, "redirectURL": "", "headersSize": -1, "bodySize": len(resp.Body),
				"content": map[string]any{"size": len(resp.Body), "mimeType": resp.Header.Get("Content-Type"),
					"text": base64.StdEncoding.EncodeToString(resp.Body), "encoding": "base64"}}
		} else {
			e["response"] = map[string]any{"status": 0, "headers": []any{}, "content": map[string]any{"size": 0}, "_error": "net::ERR_ABORTED"}
		}
		entries = append(entries, e)
	}
	b, err := json.MarshalIndent(map[string]any{"log": map[string]any{
		"version": "1.2", "creator": map[string]any{"name": "WebInspector", "version": "537.36"},
		"pages": []any{}, "entries": entries}}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeFile writes data to a file named name in a temporary directory and returns its path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// emptyHAR writes a HAR without entries to a temporary directory and returns its path.
func emptyHAR(t *testing.T) string {
	t.Helper()
	return writeFile(t, t.TempDir(), "empty.har", []byte(`{"log":{"version":"1.2","entries":[]}}`))
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs the command line in-process with stdin and, when examples is not nil, the bundled
// examples replaced.
func run(t *testing.T, stdin string, examples func(context.Context) ([]traffic.Record, error), args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	c := &command{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, examples: bundledExamples}
	if examples != nil {
		c.examples = examples
	}
	code := c.run(context.Background(), args)
	return result{code, out.String(), errOut.String()}
}

// report is the JSON report's shape, decoded strictly.
type jsonReport struct {
	Summary struct {
		Exchanges, Valid, Invalid, Errors int
		OutOfScope                        int            `json:"out_of_scope"`
		OutOfScopeReasons                 map[string]int `json:"out_of_scope_reasons"`
		Preflights                        int            `json:"preflights"`
		ByRule                            map[string]int `json:"by_rule"`
		Waived, Lowered, Failing          int
		FailOn                            string `json:"fail_on"`
	} `json:"summary"`
	Exchanges []struct {
		File, Comment, Method, URL, Operation, Spec, Preflight, Note, Error string
		Index, Line                                                         int
		Valid                                                               bool
		OutOfScope                                                          string `json:"out_of_scope"`
		Violations                                                          []jsonViolation
	} `json:"exchanges"`
}

// jsonViolation is a violation of the JSON report: the validator's, its level and its waiver.
type jsonViolation struct {
	validator.Violation
	Level  string
	Waived *struct{ Rule, Operation, Pointer, File, Reason, Source string }
}

func decodeReport(t *testing.T, s string) jsonReport {
	t.Helper()
	var r jsonReport
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, s)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON document:\n%s", s)
	}
	return r
}

func noSecrets(t *testing.T, res result) {
	t.Helper()
	for _, secret := range []string{bearer, "c2VjcmV0", cookie, "c00k1e", queryKey, "dXNlcm5hbWU6cGFzc3dvcmQ="} {
		if strings.Contains(res.stdout, secret) || strings.Contains(res.stderr, secret) {
			t.Errorf("output shows the secret %q", secret)
		}
	}
}

func TestValidateVerdicts(t *testing.T) {
	dir := t.TempDir()
	valid := writeFile(t, dir, "valid.har", harOf(t, patchUser(t, uid32), patchUsers(t)))
	invalid := writeFile(t, dir, "invalid.har", harOf(t, patchUser(t, uid32), patchUser(t, userID)))

	t.Run("all valid exits 0", func(t *testing.T) {
		res := run(t, "", nil, "validate", valid)
		if res.code != 0 {
			t.Fatalf("exit %d, want 0\n%s%s", res.code, res.stdout, res.stderr)
		}
		if !strings.Contains(res.stdout, "valid.har entry 1: PATCH /iam/governance/selfservice/api/v1/users → patchUsers: VALID") {
			t.Errorf("text report:\n%s", res.stdout)
		}
		if res.stderr != "" {
			t.Errorf("stderr %q, want nothing", res.stderr)
		}
		noSecrets(t, res)
	})

	t.Run("a 36-character uid exits 1", func(t *testing.T) {
		res := run(t, "", nil, "validate", "--format", "json", invalid)
		if res.code != 1 {
			t.Fatalf("exit %d, want 1\n%s%s", res.code, res.stdout, res.stderr)
		}
		r := decodeReport(t, res.stdout)
		if len(r.Exchanges) != 2 || r.Summary.Exchanges != 2 || r.Summary.Valid != 1 || r.Summary.Invalid != 1 {
			t.Fatalf("report %+v", r)
		}
		bad := r.Exchanges[1]
		if bad.File != invalid || bad.Index != 1 || bad.Comment != "exchange B" || bad.Method != "PATCH" || bad.Operation != "patchUser" || bad.Valid {
			t.Errorf("exchange %+v", bad)
		}
		if bad.URL != "/api/users/"+userID+"?access_token=REDACTED" {
			t.Errorf("url %q, want path and query, token redacted", bad.URL)
		}
		if len(bad.Violations) != 1 || bad.Violations[0].Rule != validator.RuleResponseBodySchema || bad.Violations[0].Instance != "/user/uid" {
			t.Fatalf("violations %+v, want response.body.schema at /user/uid", bad.Violations)
		}
		if !strings.HasPrefix(bad.Violations[0].Schema, "specs/nerm-lifecycle.yaml#") || bad.Violations[0].Line == 0 {
			t.Errorf("violation location %q line %d", bad.Violations[0].Schema, bad.Violations[0].Line)
		}
		if r.Summary.ByRule[validator.RuleResponseBodySchema] != 1 || len(r.Summary.ByRule) != 1 {
			t.Errorf("by_rule %v", r.Summary.ByRule)
		}
		noSecrets(t, res)
	})

	t.Run("text names rule, instance and spec location", func(t *testing.T) {
		res := run(t, "", nil, "validate", invalid)
		if res.code != 1 {
			t.Fatalf("exit %d, want 1", res.code)
		}
		for _, want := range []string{
			"invalid.har entry 1: PATCH /api/users/" + userID + "?access_token=REDACTED → patchUser: INVALID\n",
			"  comment: exchange B\n",
			"  response.body.schema /user/uid: ",
			"    at specs/nerm-lifecycle.yaml#/components/schemas/Uid/maxLength:",
			"2 exchanges: 1 valid, 1 invalid, 0 errors\n",
		} {
			if !strings.Contains(res.stdout, want) {
				t.Errorf("text report lacks %q:\n%s", want, res.stdout)
			}
		}
		noSecrets(t, res)
	})
}

// TestValidateOrder checks that files, stdin and entries are reported in the order given.
func TestValidateOrder(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.har", harOf(t, patchUser(t, uid32), patchUser(t, userID), patchUsers(t)))
	b := writeFile(t, dir, "b.har", harOf(t, patchUsers(t)))
	jsonl := `{"response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": {"user": {"uid": "` + uid32 + `"}}}, "operation": "patchUser", "comment": "from stdin"}` + "\n"
	res := run(t, jsonl, nil, "validate", b, "--format=json", "-", a)
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", res.code, res.stderr)
	}
	r := decodeReport(t, res.stdout)
	type at struct {
		file  string
		index int
		valid bool
	}
	want := []at{{b, 0, true}, {"stdin", 0, true}, {a, 0, true}, {a, 1, false}, {a, 2, true}}
	if len(r.Exchanges) != len(want) {
		t.Fatalf("%d exchanges, want %d", len(r.Exchanges), len(want))
	}
	for i, x := range r.Exchanges {
		if got := (at{x.File, x.Index, x.Valid}); got != want[i] {
			t.Errorf("exchange %d: %+v, want %+v", i, got, want[i])
		}
	}
	if r.Exchanges[1].Line != 1 || r.Exchanges[1].Comment != "from stdin" || r.Exchanges[1].Operation != "patchUser" {
		t.Errorf("stdin exchange %+v", r.Exchanges[1])
	}
}

func TestValidateInputErrors(t *testing.T) {
	dir := t.TempDir()
	good := harOf(t, patchUser(t, uid32))
	badEntry := bytes.Replace(harOf(t, patchUser(t, uid32), patchUser(t, userID), patchUsers(t)),
		[]byte(`"url": "`+nermUsers+`?access_token=`+queryKey+`"`), []byte(`"url": 404`), 1)
	if bytes.Equal(badEntry, harOf(t, patchUser(t, uid32), patchUser(t, userID), patchUsers(t))) {
		t.Fatal("test HAR not broken")
	}
	full := harOf(t, patchUser(t, uid32), patchUser(t, userID))
	truncated := full[:bytes.LastIndex(full, []byte(`"status": 200`))]

	tests := []struct {
		name     string
		file     []byte
		stderr   string
		errors   int
		checked  int
		errIndex int
	}{
		{"entry with a url of the wrong type", badEntry, "bad.har: entry 0: request.url: got a JSON number, want a string", 1, 2, 0},
		{"truncated file", truncated, "bad.har: entry 1: unexpected end of input", 1, 1, 1},
		{"not JSON", []byte("<html>not a recording</html>"), "bad.har: not a HAR file or JSON Lines", 1, 0, -1},
		{"jsonl with a bad line", []byte(`{"operation": "patchUser", "response": {"status": 200}}` + "\n" + `{"request": 1}` + "\n"), "bad.har: line 2: request: got a JSON number, want an object", 1, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := writeFile(t, dir, "bad.har", tt.file)
			ok := writeFile(t, dir, "ok.har", good)
			res := run(t, "", nil, "validate", "--format", "json", bad, ok)
			if res.code != 2 {
				t.Fatalf("exit %d, want 2\n%s", res.code, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.stderr) {
				t.Errorf("stderr %q, want it to contain %q", res.stderr, tt.stderr)
			}
			r := decodeReport(t, res.stdout)
			if r.Summary.Errors != tt.errors || r.Summary.Valid+r.Summary.Invalid != tt.checked+1 {
				t.Errorf("summary %+v: want %d errors and %d exchanges checked (the next file's included)", r.Summary, tt.errors, tt.checked+1)
			}
			var errs int
			for _, x := range r.Exchanges {
				if x.Error != "" {
					errs++
					if x.File != bad || x.Index != tt.errIndex || x.Valid {
						t.Errorf("error entry %+v, want %s index %d", x, bad, tt.errIndex)
					}
				}
			}
			if errs != tt.errors {
				t.Errorf("%d error entries, want %d", errs, tt.errors)
			}
			if last := r.Exchanges[len(r.Exchanges)-1]; last.File != ok || !last.Valid {
				t.Errorf("the file after the broken one was not validated: %+v", last)
			}
			noSecrets(t, res)
		})
	}

	t.Run("missing file", func(t *testing.T) {
		missing := filepath.Join(dir, "nope.har")
		res := run(t, "", nil, "validate", missing)
		if res.code != 2 || !strings.Contains(res.stderr, missing+": open: no such file or directory") {
			t.Errorf("exit %d, stderr %q", res.code, res.stderr)
		}
	})
}

func TestUsage(t *testing.T) {
	dir := t.TempDir()
	har := writeFile(t, dir, "t.har", harOf(t, patchUser(t, uid32)))
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"no command", nil, 2, "", "Usage:"},
		{"unknown command", []string{"bogus"}, 2, "", `unknown command "bogus"`},
		{"help", []string{"help"}, 0, "specgate validate", ""},
		{"-h", []string{"-h"}, 0, "Commands:", ""},
		{"help validate", []string{"help", "validate"}, 0, "-format format", ""},
		{"validate -h", []string{"validate", "-h"}, 0, "", "Usage: specgate validate"},
		{"version", []string{"version"}, 0, "specgate ", ""},
		{"unknown flag", []string{"validate", "--bogus", har}, 2, "", "flag provided but not defined: -bogus"},
		{"unknown format", []string{"validate", "--format", "xml", har}, 2, "", `specgate validate: --format: unknown report format "xml"`},
		{"stdin twice", []string{"validate", "-", "-"}, 2, "", "- (stdin) can be given only once"},
		{"spec file missing", []string{"validate", "--spec", filepath.Join(dir, "none.yaml"), har}, 2, "", "none.yaml"},
		{"bad host pattern", []string{"validate", "--host", "[", har}, 2, "", `host pattern "["`},
		{"flags after inputs", []string{"validate", har, "--format", "json"}, 0, `"summary"`, ""},
		{"-- ends flags", []string{"validate", "--", "--format"}, 2, "", "--format: open: no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, "", nil, tt.args...)
			if res.code != tt.code {
				t.Errorf("exit %d, want %d\nstdout %s\nstderr %s", res.code, tt.code, res.stdout, res.stderr)
			}
			if !strings.Contains(res.stdout, tt.stdout) || !strings.Contains(res.stderr, tt.stderr) {
				t.Errorf("stdout %q\nstderr %q\nwant %q and %q", res.stdout, res.stderr, tt.stdout, tt.stderr)
			}
			if tt.code == 2 && tt.stdout == "" && res.stdout != "" && !strings.Contains(tt.name, "ends flags") {
				t.Errorf("a usage error wrote to stdout: %q", res.stdout)
			}
		})
	}
}

func TestSpecFlag(t *testing.T) {
	dir := t.TempDir()
	spec := writeFile(t, dir, "mini.yaml", []byte(`openapi: 3.0.3
info: {title: mini, version: "1"}
servers: [{url: "https://example.test/api"}]
paths:
  /things/{id}:
    patch:
      operationId: patchThing
      parameters: [{name: id, in: path, required: true, schema: {type: string, maxLength: 3}}]
      responses:
        "204": {description: done}
`))
	in := `{"request": {"method": "PATCH", "url": "https://example.test/api/things/abc"}, "response": {"status": 204}}` + "\n" +
		`{"request": {"method": "PATCH", "url": "https://example.test/api/things/abcd"}, "response": {"status": 204}}` + "\n" +
		`{"request": {"method": "PATCH", "url": "` + oigUsers + `"}}` + "\n"
	res := run(t, in, nil, "validate", "--spec", spec, "--format", "json", "--verbose", "-")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", res.code, res.stdout, res.stderr)
	}
	r := decodeReport(t, res.stdout)
	if len(r.Exchanges) != 3 || !r.Exchanges[0].Valid || r.Exchanges[0].Operation != "patchThing" || r.Exchanges[1].Valid {
		t.Fatalf("exchanges %+v", r.Exchanges)
	}
	if v := r.Exchanges[1].Violations; len(v) != 1 || v[0].Instance != "id" {
		t.Errorf("violations %+v, want one on id", v)
	}
	if r.Exchanges[2].OutOfScope == "" {
		t.Errorf("an OIG exchange is in scope of a spec without OIG: %+v", r.Exchanges[2])
	}
}

func TestHostFlag(t *testing.T) {
	dir := t.TempDir()
	har := writeFile(t, dir, "t.har", harOf(t, patchUser(t, userID), patchUsers(t)))

	res := run(t, "", nil, "validate", "--format", "json", "--verbose", "--host", "*.nonemployee.com", har)
	r := decodeReport(t, res.stdout)
	if res.code != 1 || r.Summary.Invalid != 1 || r.Summary.OutOfScope != 1 || r.Exchanges[1].OutOfScope == "" {
		t.Errorf("exit %d, summary %+v", res.code, r.Summary)
	}

	res = run(t, "", nil, "validate", "--verbose", "--allow-empty", "--host", "other.example", har)
	if res.code != 0 || !strings.Contains(res.stderr, "warning: none of the 2 exchanges was in scope") {
		t.Errorf("exit %d, stderr %q; want 0 and a warning", res.code, res.stderr)
	}
	if !strings.Contains(res.stdout, "OUT OF SCOPE") {
		t.Errorf("text report:\n%s", res.stdout)
	}
}

func TestBundledExamples(t *testing.T) {
	t.Run("no input reads the examples", func(t *testing.T) {
		called := false
		examples := func(context.Context) ([]traffic.Record, error) {
			called = true
			ex := patchUser(t, uid32)
			return []traffic.Record{{File: "contracts/x.yaml", Comment: "one", Exchange: ex}}, nil
		}
		res := run(t, "", examples, "validate", "--format", "json")
		r := decodeReport(t, res.stdout)
		if !called || res.code != 0 || len(r.Exchanges) != 1 || r.Exchanges[0].File != "contracts/x.yaml" {
			t.Errorf("called %v, exit %d, report %+v", called, res.code, r)
		}
	})

	t.Run("examples that cannot be listed", func(t *testing.T) {
		res := run(t, "", func(context.Context) ([]traffic.Record, error) { return nil, errors.New("no examples") }, "validate")
		if res.code != 2 || !strings.Contains(res.stderr, "no examples") {
			t.Errorf("exit %d, stderr %q", res.code, res.stderr)
		}
	})

	t.Run("the documented contracts", func(t *testing.T) {
		res := run(t, "", nil, "validate", "--format", "json")
		r := decodeReport(t, res.stdout)
		if len(r.Exchanges) == 0 {
			t.Fatal("no bundled examples")
		}
		var uid bool
		for _, x := range r.Exchanges {
			if !strings.HasPrefix(x.File, "contracts/") || !strings.Contains(x.File, "/documented-") {
				t.Errorf("%s is not a documented contract", x.File)
			}
			if x.Error != "" {
				t.Errorf("%s: %s", x.File, x.Error)
			}
			for _, v := range x.Violations {
				uid = uid || x.File == "contracts/nerm-lifecycle/patchUser/documented-200.yaml" && v.Instance == "/user/uid"
			}
		}
		// The NERM page's own 200 example has a 36-character uid, which its schema forbids.
		if res.code != 1 || !uid {
			t.Errorf("exit %d, uid violation found %v; want 1 and the documented uid violation", res.code, uid)
		}
	})
}

// cancelOnRead cancels a context when it is first read, as a signal arriving mid-run would.
type cancelOnRead struct {
	r      io.Reader
	cancel context.CancelFunc
}

func (c cancelOnRead) Read(p []byte) (int, error) {
	c.cancel()
	return c.r.Read(p)
}

func TestCancelled(t *testing.T) {
	lines := strings.Repeat(`{"operation": "patchUser", "response": {"status": 500, "headers": {"Content-Type": "application/json"}, "body": {}}}`+"\n", 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut bytes.Buffer
	c := &command{stdin: cancelOnRead{strings.NewReader(lines), cancel}, stdout: &out, stderr: &errOut, examples: bundledExamples}
	if code := c.run(ctx, []string{"validate", "--format", "json", "-"}); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(errOut.String(), "stopped: context canceled") {
		t.Errorf("stderr %q", errOut.String())
	}
	if r := decodeReport(t, out.String()); len(r.Exchanges) != 0 {
		t.Errorf("%d exchanges validated after the context was done", len(r.Exchanges))
	}
}

func TestRun(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Run(context.Background(), []string{"version"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "specgate ") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}
