package cli

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/specgate/specgate/internal/report"
)

// The recordings of harrecord's site, which make har-fixtures records again: a page with its
// stylesheet, image, script and favicon, and then, cross-origin with fetch(), the four endpoints,
// the documented user whose documented reply breaks the spec, an undocumented path, an
// undocumented method, a health check outside the base paths and an aborted call.
// chromiumHAR is what headless Chromium recorded (from its DevTools Network events, in the shape
// of Chrome's export); mitmproxyHAR is what mitmproxy's HAR export addon wrote of the same page
// loaded through it: preflights before the calls they precede, and no entry for the aborted
// call, which got no response.
const (
	chromiumHAR  = "../traffic/testdata/browser/chromium.har"
	mitmproxyHAR = "../traffic/testdata/browser/mitmproxy.har"
)

// browserVerdict is the expected verdict on one entry of chromiumHAR.
type browserVerdict struct {
	method, path string // path without query
	operation    string
	// scope is "" for an exchange that is checked, else the start of why it is not.
	scope     string
	preflight string
	rules     []string // the violations' rule ids, in order; none means valid
	note      string
}

const outsideBase = "outside the base paths of every loaded spec (/api, /iam/governance/selfservice/api/v1)"

const (
	otherUser = "/api/users/0f3c9a2e-5b7d-4e1f-8a6c-2d4b9e7f1a03"
	docUser   = "/api/users/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"
	oigPath   = "/iam/governance/selfservice/api/v1/users"
)

// chromiumVerdicts are the verdicts on chromiumHAR, entry by entry.
var chromiumVerdicts = []browserVerdict{
	0:  {method: "GET", path: "/", scope: outsideBase},
	1:  {method: "GET", path: "/static/app.css", scope: outsideBase},
	2:  {method: "GET", path: "/static/logo.png", scope: outsideBase},
	3:  {method: "GET", path: "/static/app.js", scope: outsideBase},
	4:  {method: "GET", path: "/favicon.ico", scope: outsideBase},
	5:  {method: "PATCH", path: otherUser, operation: "patchUser"},
	6:  {method: "OPTIONS", path: otherUser, operation: "patchUser", preflight: "PATCH"},
	7:  {method: "PATCH", path: "/api/user_profiles", operation: "patchUserProfiles"},
	8:  {method: "OPTIONS", path: "/api/user_profiles", operation: "patchUserProfiles", preflight: "PATCH"},
	9:  {method: "PATCH", path: oigPath, operation: "patchUsers"},
	10: {method: "OPTIONS", path: oigPath, operation: "patchUsers", preflight: "PATCH"},
	11: {method: "PUT", path: oigPath, operation: "putUsers"},
	12: {method: "OPTIONS", path: oigPath, operation: "putUsers", preflight: "PUT"},
	13: {method: "PATCH", path: docUser, operation: "patchUser", rules: []string{"response.body.schema"}},
	14: {method: "OPTIONS", path: docUser, operation: "patchUser", preflight: "PATCH"},
	15: {method: "GET", path: "/api/user_profiles/export", rules: []string{"route.not_found"}},
	16: {method: "DELETE", path: otherUser, rules: []string{"route.method_not_allowed"}},
	17: {method: "OPTIONS", path: otherUser, preflight: "DELETE", rules: []string{"route.preflight_method_not_allowed"}},
	18: {method: "GET", path: "/healthz", scope: outsideBase},
	19: {method: "PATCH", path: "/api/user_profiles", operation: "patchUserProfiles", note: "net::ERR_ABORTED"},
	20: {method: "OPTIONS", path: "/api/user_profiles", operation: "patchUserProfiles", preflight: "PATCH"},
}

// mitmproxyVerdicts are the verdicts on mitmproxyHAR, entry by entry.
var mitmproxyVerdicts = []browserVerdict{
	0:  {method: "GET", path: "/", scope: outsideBase},
	1:  {method: "GET", path: "/static/app.css", scope: outsideBase},
	2:  {method: "GET", path: "/static/logo.png", scope: outsideBase},
	3:  {method: "GET", path: "/static/app.js", scope: outsideBase},
	4:  {method: "GET", path: "/favicon.ico", scope: outsideBase},
	5:  {method: "OPTIONS", path: otherUser, operation: "patchUser", preflight: "PATCH"},
	6:  {method: "PATCH", path: otherUser, operation: "patchUser"},
	7:  {method: "OPTIONS", path: "/api/user_profiles", operation: "patchUserProfiles", preflight: "PATCH"},
	8:  {method: "PATCH", path: "/api/user_profiles", operation: "patchUserProfiles"},
	9:  {method: "OPTIONS", path: oigPath, operation: "patchUsers", preflight: "PATCH"},
	10: {method: "PATCH", path: oigPath, operation: "patchUsers"},
	11: {method: "OPTIONS", path: oigPath, operation: "putUsers", preflight: "PUT"},
	12: {method: "PUT", path: oigPath, operation: "putUsers"},
	13: {method: "OPTIONS", path: docUser, operation: "patchUser", preflight: "PATCH"},
	14: {method: "PATCH", path: docUser, operation: "patchUser", rules: []string{"response.body.schema"}},
	15: {method: "GET", path: "/api/user_profiles/export", rules: []string{"route.not_found"}},
	16: {method: "OPTIONS", path: otherUser, preflight: "DELETE", rules: []string{"route.preflight_method_not_allowed"}},
	17: {method: "DELETE", path: otherUser, rules: []string{"route.method_not_allowed"}},
	18: {method: "GET", path: "/healthz", scope: outsideBase},
	19: {method: "OPTIONS", path: "/api/user_profiles", operation: "patchUserProfiles", preflight: "PATCH"},
}

// browserReport is the JSON report of a run over chromiumHAR.
type browserReport struct {
	Exchanges []browserExchange `json:"exchanges"`
	Summary   struct {
		Exchanges, Valid, Invalid, Errors, Preflights int
		OutOfScope                                    int            `json:"out_of_scope"`
		OutOfScopeReasons                             map[string]int `json:"out_of_scope_reasons"`
		ByRule                                        map[string]int `json:"by_rule"`
	} `json:"summary"`
}

type browserExchange struct {
	File, Method, URL, Operation, Preflight, Note string
	Index                                         int
	Valid                                         bool
	OutOfScope                                    string `json:"out_of_scope"`
	Violations                                    []struct{ Rule, Instance string }
}

func decodeBrowserReport(t *testing.T, res result) browserReport {
	t.Helper()
	var r browserReport
	if err := json.Unmarshal([]byte(res.stdout), &r); err != nil {
		t.Fatalf("not the JSON report: %v\n%s\n%s", err, res.stdout, res.stderr)
	}
	return r
}

// checkVerdicts checks every exchange the report lists against the verdicts, and that it lists
// exactly the entries listed says should be there.
func checkVerdicts(t *testing.T, r browserReport, verdicts []browserVerdict, listed func(browserVerdict) bool) {
	t.Helper()
	var want []int
	for i, v := range verdicts {
		if listed(v) {
			want = append(want, i)
		}
	}
	var got []int
	for _, x := range r.Exchanges {
		got = append(got, x.Index)
		if x.Index < 0 || x.Index >= len(verdicts) {
			t.Errorf("entry %d: no such entry", x.Index)
			continue
		}
		v := verdicts[x.Index]
		path, _, _ := strings.Cut(x.URL, "?")
		var rules []string
		for _, vi := range x.Violations {
			rules = append(rules, vi.Rule)
		}
		switch {
		case x.Method != v.method || path != v.path:
			t.Errorf("entry %d: %s %s, want %s %s", x.Index, x.Method, path, v.method, v.path)
		case x.Operation != v.operation || x.Preflight != v.preflight:
			t.Errorf("entry %d (%s %s): operation %q, preflight %q; want %q, %q", x.Index, x.Method, path, x.Operation, x.Preflight, v.operation, v.preflight)
		case v.scope == "" && x.OutOfScope != "", v.scope != "" && !strings.HasSuffix(x.OutOfScope, v.scope):
			t.Errorf("entry %d (%s %s): out of scope %q, want %q", x.Index, x.Method, path, x.OutOfScope, v.scope)
		case !slices.Equal(rules, v.rules) || x.Valid != (v.scope == "" && len(v.rules) == 0):
			t.Errorf("entry %d (%s %s): valid %v, rules %q; want rules %q", x.Index, x.Method, path, x.Valid, rules, v.rules)
		case !strings.Contains(x.Note, v.note) || v.note == "" && x.Note != "":
			t.Errorf("entry %d (%s %s): note %q, want %q", x.Index, x.Method, path, x.Note, v.note)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("listed entries %v, want %v, in input order", got, want)
	}
}

func inScope(v browserVerdict) bool { return v.scope == "" }
func every(browserVerdict) bool     { return true }

// TestBrowserRecording validates the HAR that Chromium recorded and checks the verdict on each
// entry: the API calls are checked, the preflights against the methods they announce, and the
// page's assets are out of scope, counted but not listed.
func TestBrowserRecording(t *testing.T) {
	t.Run("json", func(t *testing.T) {
		res := run(t, "", nil, "validate", "--format", "json", chromiumHAR)
		if res.code != exitFindings || res.stderr != "" {
			t.Fatalf("exit %d, want 1; stderr %q", res.code, res.stderr)
		}
		r := decodeBrowserReport(t, res)
		checkVerdicts(t, r, chromiumVerdicts, inScope)
		s := r.Summary
		if s.Exchanges != 21 || s.Valid != 11 || s.Invalid != 4 || s.Errors != 0 || s.OutOfScope != 6 || s.Preflights != 7 {
			t.Errorf("summary %+v", s)
		}
		if len(s.OutOfScopeReasons) != 1 || s.OutOfScopeReasons[outsideBase] != 6 {
			t.Errorf("out-of-scope reasons %v", s.OutOfScopeReasons)
		}
	})

	t.Run("json verbose", func(t *testing.T) {
		res := run(t, "", nil, "validate", "--format", "json", "--verbose", chromiumHAR)
		checkVerdicts(t, decodeBrowserReport(t, res), chromiumVerdicts, every)
	})

	t.Run("text", func(t *testing.T) {
		res := run(t, "", nil, "validate", chromiumHAR)
		for _, asset := range []string{"entry 0:", "/static/", "/favicon.ico", "/healthz", "OUT OF SCOPE"} {
			if strings.Contains(res.stdout, asset) {
				t.Errorf("text report shows %q without --verbose:\n%s", asset, res.stdout)
			}
		}
		for _, want := range []string{
			"chromium.har entry 6: OPTIONS " + otherUser + " (CORS preflight for PATCH) → patchUser: VALID\n",
			"chromium.har entry 13: PATCH " + docUser + "?access_token=REDACTED → patchUser: INVALID\n  response.body.schema /user/uid:",
			"chromium.har entry 17: OPTIONS " + otherUser + " (CORS preflight for DELETE): INVALID\n  route.preflight_method_not_allowed",
			"\n21 exchanges: 11 valid, 4 invalid, 0 errors, 6 out of scope\n",
			"\n7 CORS preflights, each checked against the method it announced\n",
			"\n6 out of scope, not checked (--verbose lists them):\n      6  " + outsideBase + "\n",
		} {
			if !strings.Contains(res.stdout, want) {
				t.Errorf("text report lacks %q:\n%s", want, res.stdout)
			}
		}
		res = run(t, "", nil, "validate", "--verbose", chromiumHAR)
		if !strings.Contains(res.stdout, "chromium.har entry 4: GET /favicon.ico: OUT OF SCOPE\n  out of scope: /favicon.ico is "+outsideBase+"\n") {
			t.Errorf("verbose text report does not list the favicon:\n%s", res.stdout)
		}
	})

	t.Run("host", func(t *testing.T) {
		// The page and the API are two origins; naming the API's host puts the page's assets
		// out of scope by host, and changes no verdict on the API.
		res := run(t, "", nil, "validate", "--format", "json", "--verbose", "--host", "api.localhost", chromiumHAR)
		r := decodeBrowserReport(t, res)
		for _, x := range r.Exchanges {
			if v := chromiumVerdicts[x.Index]; v.scope != "" && v.path != "/healthz" {
				if !strings.HasPrefix(x.OutOfScope, "host app.localhost:") || !strings.HasSuffix(x.OutOfScope, "matches no --host pattern (api.localhost)") {
					t.Errorf("entry %d: out of scope %q, want by host", x.Index, x.OutOfScope)
				}
			}
		}
		checkVerdicts(t, browserReport{Exchanges: slices.DeleteFunc(r.Exchanges, func(x browserExchange) bool { return x.OutOfScope != "" })}, chromiumVerdicts, inScope)
		if s := r.Summary; s.Valid != 11 || s.Invalid != 4 || s.OutOfScope != 6 || s.OutOfScopeReasons[outsideBase] != 1 || len(s.OutOfScopeReasons) != 2 {
			t.Errorf("summary %+v", s)
		}

		res = run(t, "", nil, "validate", "--host", "app.localhost", chromiumHAR)
		if res.code != exitUsage || !strings.Contains(res.stderr, "none of the 21 exchanges was in scope") {
			t.Errorf("only the page's host: exit %d, stderr %q; want 2: nothing was checked", res.code, res.stderr)
		}
	})
}

// TestMitmproxyRecording validates the HAR that mitmproxy exported of the same page, in its own
// shape: content.size is the encoded size, postData carries params besides text, entries go by
// the end of their response.
func TestMitmproxyRecording(t *testing.T) {
	res := run(t, "", nil, "validate", "--format", "json", "--verbose", mitmproxyHAR)
	if res.code != exitFindings || res.stderr != "" {
		t.Fatalf("exit %d, want 1; stderr %q", res.code, res.stderr)
	}
	r := decodeBrowserReport(t, res)
	checkVerdicts(t, r, mitmproxyVerdicts, every)
	if s := r.Summary; s.Exchanges != 20 || s.Valid != 10 || s.Invalid != 4 || s.OutOfScope != 6 || s.Preflights != 7 {
		t.Errorf("summary %+v", s)
	}

	// mitmproxy's addon writes a .zhar, zlib-compressed, when asked to.
	plain, err := os.ReadFile(mitmproxyHAR)
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	_, _ = zw.Write(plain)
	_ = zw.Close()
	res = run(t, "", nil, "validate", "--format", "json", writeFile(t, t.TempDir(), "dump.zhar", z.Bytes()))
	checkVerdicts(t, decodeBrowserReport(t, res), mitmproxyVerdicts, inScope)
}

// TestBrowserRecordingVariants reads the recording as exports and pipes vary: gzip-compressed
// (told by its bytes, not its name), on stdin, with a byte order mark, with its entries in
// another order than their startedDateTime, and with a request body written as postData.params.
func TestBrowserRecordingVariants(t *testing.T) {
	plain, err := os.ReadFile(chromiumHAR)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(plain)
	_ = zw.Close()
	dir := t.TempDir()

	t.Run("gzip named .json", func(t *testing.T) {
		res := run(t, "", nil, "validate", "--format", "json", writeFile(t, dir, "recording.json", gz.Bytes()))
		checkVerdicts(t, decodeBrowserReport(t, res), chromiumVerdicts, inScope)
	})
	t.Run("gzip on stdin", func(t *testing.T) {
		res := run(t, gz.String(), nil, "validate", "--format", "json", "-")
		r := decodeBrowserReport(t, res)
		checkVerdicts(t, r, chromiumVerdicts, inScope)
		if len(r.Exchanges) == 0 || r.Exchanges[0].File != "stdin" {
			t.Errorf("exchanges %+v, want them from stdin", r.Exchanges)
		}
	})
	t.Run("byte order mark", func(t *testing.T) {
		res := run(t, "\ufeff"+string(plain), nil, "validate", "--format", "json", "-")
		checkVerdicts(t, decodeBrowserReport(t, res), chromiumVerdicts, inScope)
	})

	var doc map[string]any
	if err := json.Unmarshal(plain, &doc); err != nil {
		t.Fatal(err)
	}
	entries := doc["log"].(map[string]any)["entries"].([]any)

	t.Run("file order, not time order", func(t *testing.T) {
		reversed := slices.Clone(entries)
		slices.Reverse(reversed)
		doc["log"].(map[string]any)["entries"] = reversed
		defer func() { doc["log"].(map[string]any)["entries"] = entries }()
		data, _ := json.Marshal(doc)
		r := decodeBrowserReport(t, run(t, "", nil, "validate", "--format", "json", "--verbose", writeFile(t, dir, "reversed.har", data)))
		if len(r.Exchanges) != len(entries) {
			t.Fatalf("%d exchanges", len(r.Exchanges))
		}
		for i, x := range r.Exchanges {
			if want := chromiumVerdicts[len(entries)-1-i]; x.Index != i || x.Method != want.method || !strings.HasPrefix(x.URL, want.path) {
				t.Errorf("exchange %d: index %d, %s %s; want index %d, %s %s", i, x.Index, x.Method, x.URL, i, want.method, want.path)
			}
		}
	})

	t.Run("postData.params", func(t *testing.T) {
		// Some exporters write a JSON body as name/value pairs: a finding that the body was not
		// recorded as text, not a schema violation.
		e := entries[7].(map[string]any)
		req := e["request"].(map[string]any)
		saved := req["postData"]
		req["postData"] = map[string]any{"mimeType": "application/json", "params": []any{map[string]any{"name": "user_profiles", "value": "[...]"}}}
		defer func() { req["postData"] = saved }()
		data, _ := json.Marshal(doc)
		r := decodeBrowserReport(t, run(t, "", nil, "validate", "--format", "json", writeFile(t, dir, "params.har", data)))
		for _, x := range r.Exchanges {
			if x.Index != 7 {
				continue
			}
			if len(x.Violations) != 1 || x.Violations[0].Rule != "request.body.not_recorded" {
				t.Errorf("entry 7: violations %+v, want request.body.not_recorded alone", x.Violations)
			}
			return
		}
		t.Error("entry 7 not reported")
	})
}

// TestBrowserRecordingSecrets checks that no credential the browser recorded (Authorization,
// Cookie, Set-Cookie and API-key headers, cookie values, credential query parameters) appears in
// any output format, out-of-scope exchanges listed too.
func TestBrowserRecordingSecrets(t *testing.T) {
	formats := report.Formats
	for _, har := range []string{chromiumHAR, mitmproxyHAR} {
		secrets := recordedSecrets(t, har)
		for _, kind := range []string{"Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "query access_token", "query token"} {
			if len(secrets[kind]) == 0 {
				t.Errorf("%s holds no %s to look for", har, kind)
			}
		}
		for _, format := range formats {
			t.Run(filepath.Base(har)+"/"+format, func(t *testing.T) {
				res := run(t, "", nil, "validate", "--format", format, "--verbose", har)
				if res.code != exitFindings {
					t.Fatalf("exit %d, stderr %s", res.code, res.stderr)
				}
				for kind, values := range secrets {
					for _, v := range values {
						if strings.Contains(res.stdout, v) || strings.Contains(res.stderr, v) {
							t.Errorf("the %s report shows a %s value %q", format, kind, v)
						}
					}
				}
			})
		}
	}
}

// recordedSecrets returns the credentials a HAR holds, by kind: whole header values, the
// credential of an Authorization header without its scheme, cookie values, and the values of
// credential query parameters.
func recordedSecrets(t *testing.T, path string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type nv struct{ Name, Value string }
	var doc struct {
		Log struct {
			Entries []struct {
				Request struct {
					URL     string
					Headers []nv
					Cookies []nv
				}
				Response struct {
					Headers []nv
					Cookies []nv
				}
			}
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	add := func(kind, v string) {
		if len(v) >= 6 && !slices.Contains(out[kind], v) {
			out[kind] = append(out[kind], v)
		}
	}
	for _, e := range doc.Log.Entries {
		for _, h := range append(e.Request.Headers, e.Response.Headers...) {
			switch name := textproto.CanonicalMIMEHeaderKey(h.Name); name {
			case "Authorization":
				add(name, h.Value)
				_, cred, _ := strings.Cut(h.Value, " ")
				add(name, cred)
			case "Cookie", "Set-Cookie", "X-Api-Key":
				add(name, h.Value)
			}
		}
		for _, c := range append(e.Request.Cookies, e.Response.Cookies...) {
			add("Cookie", c.Value)
		}
		if u, err := url.Parse(e.Request.URL); err == nil {
			for _, name := range []string{"access_token", "token"} {
				for _, v := range u.Query()[name] {
					add("query "+name, v)
				}
			}
		}
	}
	return out
}
