package validator

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/specgate/specgate/specs"
)

func load(t testing.TB, dir string, roots ...string) *Validator {
	t.Helper()
	docs, err := specs.Load(context.Background(), specs.NewSources(os.DirFS(dir), nil), roots...)
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(docs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// defaultValidator compiles the embedded specs.
func defaultValidator(t testing.TB, opts Options) *Validator {
	t.Helper()
	v, err := Default(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func req(method, rawURL string, body string, headers ...string) *Request {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	h := http.Header{}
	for i := 0; i+1 < len(headers); i += 2 {
		h.Add(headers[i], headers[i+1])
	}
	return &Request{Method: method, URL: u, Header: h, Body: []byte(body)}
}

func resp(status int, body string, headers ...string) *Response {
	h := http.Header{}
	for i := 0; i+1 < len(headers); i += 2 {
		h.Add(headers[i], headers[i+1])
	}
	return &Response{Status: status, Header: h, Body: []byte(body)}
}

// got renders violations as "rule instance" strings, sorted, for comparison.
func got(res Result) []string {
	out := make([]string, len(res.Violations))
	for i, v := range res.Violations {
		out[i] = v.Rule + " " + v.Instance
	}
	sort.Strings(out)
	return out
}

// wantViolations fails t unless res has exactly the violations want lists, as got renders them.
func wantViolations(t *testing.T, res Result, want []string) {
	t.Helper()
	if g := got(res); strings.Join(g, "|") != strings.Join(want, "|") {
		t.Errorf("violations = %q, want %q", g, want)
		for _, x := range res.Violations {
			t.Logf("  %s", x)
		}
	}
}

// exchangeCase is an exchange and the violations it must have, as got renders them.
type exchangeCase struct {
	name string
	ex   Exchange
	want []string
}

// runCases validates each case's exchange with v, one subtest per case.
func runCases(t *testing.T, v *Validator, cases []exchangeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantViolations(t, v.Validate(context.Background(), c.ex), c.want)
		})
	}
}

const pet = "https://eu.api.example.com/v2/pets/12"

var (
	auth   = []string{"Authorization", "Bearer t0ken", "If-Match", "abc", "Content-Type", "application/json"}
	okResp = resp(200, `{"id":12,"name":null}`, "Content-Type", "application/json", "X-Rate-Remaining", "5")
)

func with(base []string, more ...string) []string {
	return append(append([]string{}, base...), more...)
}

func TestValidateSplitSpec(t *testing.T) {
	v := load(t, "testdata/split", "openapi.yaml")
	tests := []exchangeCase{
		{"valid put, readOnly id exempt from required in requests, writeOnly secret in responses",
			Exchange{Request: req("PUT", pet, `{"name":"Rex","secret":"s"}`, auth...), Response: okResp}, nil},
		{"host does not matter", Exchange{Request: req("PUT", "http://localhost:8080/v2/pets/12", `{"name":"Rex","secret":"s"}`, auth...)}, nil},
		{"readOnly property sent", Exchange{Request: req("PUT", pet, `{"id":1,"name":"Rex","secret":"s"}`, auth...)}, []string{"request.body.readonly /id"}},
		{"writeOnly property returned", Exchange{Request: req("PUT", pet, `{"secret":"s","name":"x"}`, auth...), Response: resp(200, `{"id":1,"name":"x","secret":"s"}`, "Content-Type", "application/json", "X-Rate-Remaining", "1")}, []string{"response.body.writeonly /secret"}},
		{"path parameter of the wrong type", Exchange{Request: req("PUT", "https://x/v2/pets/abc", `{"name":"a","secret":"s"}`, auth...)}, []string{"request.param.schema petId"}},
		{"path parameter out of int32", Exchange{Request: req("PUT", "https://x/v2/pets/3000000000", `{"name":"a","secret":"s"}`, auth...)}, []string{"request.param.format petId"}},
		{"required header missing", Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s"}`, "Authorization", "Bearer x", "Content-Type", "application/json")}, []string{"request.param.missing If-Match"}},
		{"header too short", Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s"}`, "Authorization", "Bearer x", "if-match", "ab", "Content-Type", "application/json")}, []string{"request.param.schema If-Match"}},
		{"no credentials", Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s"}`, "If-Match", "abc", "Content-Type", "application/json")}, []string{"request.security.missing Authorization"}},
		{"wrong authorization scheme", Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s"}`, "Authorization", "Basic eDp5", "If-Match", "abc", "Content-Type", "application/json")}, []string{"request.security.missing Authorization"}},
		{"the other security alternative", Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s"}`, "X-Api-Key", "k", "If-Match", "abc", "Content-Type", "application/json")}, nil},
		{"content type with parameters and case", Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s"}`, with(auth[:4], "Content-Type", "Application/JSON; charset=UTF-8")...)}, nil},
		{"undocumented content type", Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s"}`, with(auth[:4], "Content-Type", "text/plain")...)}, []string{"request.content_type Content-Type"}},
		{"no content type", Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s"}`, auth[:4]...)}, []string{"request.content_type Content-Type"}},
		{"malformed JSON", Exchange{Request: req("PUT", pet, `{"name":`, auth...)}, []string{"request.body.malformed "}},
		{"trailing data after JSON", Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s"} {}`, auth...)}, []string{"request.body.malformed "}},
		{"required body missing", Exchange{Request: req("PUT", pet, ``, auth...)}, []string{"request.body.missing "}},
		{"body not recorded", Exchange{Request: func() *Request { r := req("PUT", pet, ``, auth...); r.BodyNotRecorded = true; return r }()}, []string{"request.body.not_recorded "}},
		{"nested format in a file of schemas", Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s","owner":{"email":"not-an-email","since":"2024-13-01T00:00:00Z"}}`, auth...)}, []string{"request.body.schema /owner/email", "request.body.schema /owner/since"}},
		{"exclusiveMinimum of OpenAPI 3.0", Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s","weight":0}`, auth...)}, []string{"request.body.schema /weight"}},
		{"nullable without null", Exchange{Request: req("PUT", pet, `{"name":7,"secret":"s"}`, auth...)}, []string{"request.body.schema /name"}},
		{"required response header missing", Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s"}`, auth...), Response: resp(200, `{"id":1,"name":"a"}`, "Content-Type", "application/json")}, []string{"response.header.missing X-Rate-Remaining"}},
		{"response header of the wrong type", Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s"}`, auth...), Response: resp(200, `{"id":1,"name":"a"}`, "Content-Type", "application/json", "X-Rate-Remaining", "many")}, []string{"response.header.schema X-Rate-Remaining"}},
		{"undocumented status", Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s"}`, auth...), Response: resp(404, `{}`, "Content-Type", "application/json")}, []string{"response.status.undocumented 404"}},
		{"response body missing", Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s"}`, auth...), Response: resp(200, ``, "X-Rate-Remaining", "1")}, []string{"response.body.missing "}},
		{"response body malformed", Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s"}`, auth...), Response: resp(200, `{"id":`, "Content-Type", "application/json", "X-Rate-Remaining", "1")}, []string{"response.body.malformed "}},
		{"response content type undocumented", Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s"}`, auth...), Response: resp(200, `<p>`, "Content-Type", "text/html", "X-Rate-Remaining", "1")}, []string{"response.content_type Content-Type"}},
		{"query parameters of every kind", Exchange{Request: req("GET", "https://eu.api.example.com/v2/pets/mine?tag=a&tag=b&limit=10&since=2024-01-01T00:00:00Z&verbose=true", ``), Response: resp(201, `[{"id":1,"name":"a"}]`, "Content-Type", "application/vnd.pets+json")}, nil},
		{"huge number in a parameter stays text", Exchange{Request: req("GET", "https://x/v2/pets/mine?limit=1e999999999", ``)}, []string{"request.param.schema limit"}},
		{"literal segment wins over parameter, query checked", Exchange{Request: req("GET", "https://x/v2/pets/mine?limit=0&since=yesterday&verbose=maybe", ``)}, []string{"request.param.format since", "request.param.schema limit", "request.param.schema verbose"}},
		{"default response", Exchange{Request: req("GET", "https://x/v2/pets/mine", ``), Response: resp(500, `{"detail":null}`, "Content-Type", "application/problem+json")}, []string{"response.body.schema "}},
		{"method not documented", Exchange{Request: req("DELETE", pet, ``)}, []string{"route.method_not_allowed /v2/pets/12"}},
		{"path not documented", Exchange{Request: req("GET", "https://x/v2/cats", ``)}, []string{"route.not_found /v2/cats"}},
		{"response alone, by operation", Exchange{Operation: "putPet", Response: resp(200, `{"id":"x","name":"a"}`, "Content-Type", "application/json", "X-Rate-Remaining", "1")}, []string{"response.body.schema /id"}},
		{"response alone, unknown operation", Exchange{Operation: "nope", Response: okResp}, []string{"route.not_found nope"}},
	}
	runCases(t, v, tests)
}

func TestScopeAndPreflight(t *testing.T) {
	v := load(t, "testdata/split", "openapi.yaml")
	docs, err := specs.Load(context.Background(), specs.NewSources(os.DirFS("testdata/split"), nil), "openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	hosted, err := New(docs, Options{Hosts: []string{"*.api.example.com", "localhost:8080"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		v         *Validator
		r         *Request
		scope     bool
		preflight string
		op        string
		want      []string
	}{
		{"page asset outside every base path", v, req("GET", "https://x/favicon.ico", ``), false, "", "", nil},
		{"base path itself without template", v, req("GET", "https://x/v2", ``), true, "", "", []string{"route.not_found /v2"}},
		{"preflight announcing a documented method", v, req("OPTIONS", pet, ``, "Access-Control-Request-Method", "PUT", "Origin", "http://app"), true, "PUT", "putPet", nil},
		{"preflight announcing an undocumented method", v, req("OPTIONS", pet, ``, "Access-Control-Request-Method", "DELETE"), true, "DELETE", "", []string{"route.preflight_method_not_allowed Access-Control-Request-Method"}},
		{"preflight outside the base paths", v, req("OPTIONS", "https://x/cdn/app.js", ``, "Access-Control-Request-Method", "GET"), false, "GET", "", nil},
		{"plain OPTIONS is a method like any other", v, req("OPTIONS", pet, ``), true, "", "", []string{"route.method_not_allowed /v2/pets/12"}},
		{"host matching a pattern", hosted, req("PUT", pet, `{"name":"a","secret":"s"}`, auth...), true, "", "putPet", nil},
		{"host:port matching a pattern", hosted, req("PUT", "http://localhost:8080/v2/pets/1", `{"name":"a","secret":"s"}`, auth...), true, "", "putPet", nil},
		{"host matching no pattern", hosted, req("PUT", "https://evil.example.org/v2/pets/12", `{}`, auth...), false, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.v.Validate(context.Background(), Exchange{Request: tt.r})
			if (res.OutOfScope == "") != tt.scope || res.Preflight != tt.preflight || res.Operation != tt.op {
				t.Errorf("result = %+v, want in scope %v, preflight %q, operation %q", res, tt.scope, tt.preflight, tt.op)
			}
			wantViolations(t, res, tt.want)
			if !tt.scope && res.Valid() {
				t.Error("an out-of-scope exchange must not count as valid")
			}
		})
	}
	if _, err := New(docs, Options{Hosts: []string{"[bad"}}); err == nil {
		t.Error("a malformed host pattern must be refused")
	}
}

func TestViolationLocatesSpec(t *testing.T) {
	v := load(t, "testdata/split", "openapi.yaml")
	res := v.Validate(context.Background(), Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s","owner":{"email":"nope"}}`, auth...)})
	if len(res.Violations) != 1 {
		t.Fatalf("got %v", res.Violations)
	}
	x := res.Violations[0]
	if x.Schema != "schemas/pet.yaml#/Owner/properties/email/format" || x.Line != 13 || x.Keyword != "format" || x.Operation != "putPet" {
		t.Errorf("violation = %+v", x)
	}
}

func TestSecretsNeverEchoed(t *testing.T) {
	v := load(t, "testdata/split", "openapi.yaml")
	res := v.Validate(context.Background(), Exchange{Request: req("PUT", pet, `{"name":"a","secret":"s","owner":{"email":"hunter2-secret"}}`, "Authorization", "Basic aHVudGVyMg==", "Cookie", "sid=hunter2", "If-Match", "abc", "Content-Type", "application/json")})
	for _, x := range res.Violations {
		if strings.Contains(fmt.Sprint(x), "hunter2") || strings.Contains(x.Message, "aHVudGVy") {
			t.Errorf("violation echoes a secret: %s", x)
		}
	}
	if len(res.Violations) != 2 {
		t.Errorf("want a security and a format violation, got %v", res.Violations)
	}
}

func TestAmbiguousOneOfNamesBothBranches(t *testing.T) {
	v := load(t, "testdata", "ambiguous.yaml")
	res := v.Validate(context.Background(), Exchange{Request: req("POST", "http://x/things", ``), Response: resp(200, `{"job_status":{"status":"queued"}}`, "Content-Type", "application/json")})
	if len(res.Violations) != 1 {
		t.Fatalf("got %v", res.Violations)
	}
	x := res.Violations[0]
	if x.Keyword != "oneOf" || len(x.Branches) != 2 || !x.Branches[0].Matched || !x.Branches[1].Matched {
		t.Errorf("want both branches matched, got %+v", x)
	}
}

func TestOneOfPointsAtDeepestInstance(t *testing.T) {
	v := defaultValidator(t, Options{})
	res := v.Validate(context.Background(), Exchange{Operation: "patchUserProfiles",
		Response: resp(200, `{"info":"job has started","job_status":{"job_id":"3ce88e47ad6dba2ddf349d21","status":1},"status":200}`, "Content-Type", "application/json")})
	if len(res.Violations) != 1 {
		t.Fatalf("got %v", res.Violations)
	}
	x := res.Violations[0]
	if x.Rule != RuleResponseBodySchema || x.Instance != "/job_status/status" || len(x.Branches) != 2 {
		t.Fatalf("violation = %+v", x)
	}
	b := x.Branches[1]
	if b.Name != "JobStatusResult" || b.Matched || len(b.Errors) != 1 || b.Errors[0].Keyword != "type" || b.Errors[0].Instance != "/job_status/status" {
		t.Errorf("branch 1 = %+v", b)
	}
	if x.Branches[0].Name != "UserProfilesResult" || x.Branches[0].Matched {
		t.Errorf("branch 0 = %+v", x.Branches[0])
	}
}

func TestConcurrentUse(t *testing.T) {
	v := load(t, "testdata/split", "openapi.yaml")
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				body := fmt.Sprintf(`{"name":"a","secret":"s","weight":%d}`, (i+j)%2)
				res := v.Validate(context.Background(), Exchange{Request: req("PUT", pet, body, auth...)})
				if want := (i+j)%2 == 1; res.Valid() != want {
					errs <- fmt.Sprintf("weight %d: valid=%v", (i+j)%2, res.Valid())
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestNewReportsBrokenRefs(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/api.yaml", []byte(`openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: 'missing.yaml#/X'}
`), 0o644)
	// Loading is lenient (the $ref reads as an empty schema); strict mode names the defect.
	docs, err := specs.Load(context.Background(), specs.NewSources(os.DirFS(dir), nil), "api.yaml")
	if err == nil {
		err = specs.Strict(docs)
	}
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("err = %v, want it to name missing.yaml", err)
	}
}

func TestObserveRecordsWhatWasExercised(t *testing.T) {
	v := defaultValidator(t, Options{Observe: true})
	res := v.Validate(context.Background(), Exchange{
		Request:  req("PATCH", "https://acme.nonemployee.com/api/user_profiles", `{"user_profiles":[]}`, "Content-Type", "application/json; charset=utf-8"),
		Response: resp(200, `{"job_status":{"job_id":"1","status":"queued"}}`, "Content-Type", "application/json"),
	})
	o := res.Observed
	if !res.Valid() || o == nil || o.Status != "200" || o.RequestMedia != "application/json" || o.ResponseMedia != "application/json" {
		t.Fatalf("result = %+v, observed = %+v", res, o)
	}
	if len(o.Branches) != 1 || o.Branches[0].Name != "JobStatusResult" || o.Branches[0].Index != 1 || o.Branches[0].Part != PartResponse || o.Branches[0].Line != 56 {
		t.Errorf("branches = %+v", o.Branches)
	}
	res = v.Validate(context.Background(), Exchange{
		Request:  req("PATCH", "https://x/iam/governance/selfservice/api/v1/users", `{"users":[]}`, "Content-Type", "application/json", "Authorization", "Basic eDp5", "X-Requested-By", "me"),
		Response: resp(403, ``),
	})
	if o := res.Observed; !res.Valid() || o.Status != "403" || strings.Join(o.Params, ",") != "header:X-Requested-By" || len(o.Branches) != 0 {
		t.Errorf("result = %+v, observed = %+v", res, o)
	}
	plain := defaultValidator(t, Options{})
	if r := plain.Validate(context.Background(), Exchange{Request: req("PATCH", "https://x/api/user_profiles", `{}`, "Content-Type", "application/json")}); r.Observed != nil {
		t.Error("without Options.Observe a result carries no observation")
	}
}

// TestVendorTree validates traffic against the vendor-style multi-file spec of package specs,
// whose defects are repaired on load: the repaired meaning must be the one enforced.
func TestVendorTree(t *testing.T) {
	v := load(t, "../specs/testdata/vendor", "openapi.yaml")
	const user = "https://acme.nonemployee.com/api/users/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"
	bearer := []string{"Authorization", "Bearer t", "Content-Type", "application/json"}
	tests := []exchangeCase{
		{"boolean required read as required", Exchange{Request: req("PATCH", user, `{"user":{"name":"bob"}}`, bearer...)}, []string{"request.body.schema /user"}},
		{"required: false read as optional", Exchange{Request: req("PATCH", user, `{"user":{"email":"a@b.co"}}`, bearer...)}, nil},
		{"repaired schemas on both sides of an exchange", Exchange{Request: req("PATCH", "https://acme.nonemployee.com/api/user_profiles", `{"user_profiles":[{"user_id":"db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e","profile_id":"db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"}]}`, bearer...),
			Response: resp(200, `{"user_profiles":[{"uid":"db6f8e8b65c247d5a0db90bcc4e9df9e","relationship_type":"owner"}]}`, "Content-Type", "application/json", "X-RateLimit-Remaining", "3")}, nil},
		{"boolean required on a $ref sibling in a JSON file", Exchange{Request: req("PATCH", "https://acme.nonemployee.com/api/user_profiles", `{"user_profiles":[{"profile_id":"db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"}]}`, bearer...)}, []string{"request.body.schema /user_profiles/0"}},
		{"uid through two files", Exchange{Operation: "patchUser", Response: resp(200, `{"user":{"uid":"db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"}}`, "Content-Type", "application/json")}, []string{"response.body.schema /user/uid"}},
		{"parameters by fragment", Exchange{Request: req("GET", "https://x/api/users?limit=0&offset=2", ``, bearer...)}, []string{"request.param.schema limit"}},
		{"oneOf in a file reached through additionalProperties", Exchange{Request: req("GET", "https://x/api/profiles/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e", ``, bearer...),
			Response: resp(200, `{"profile":{"attributes":{"a":"x","b":2,"c":[1]}}}`, "Content-Type", "application/json")}, []string{"response.body.schema /profile/attributes/c/0"}},
		{"response file in JSON", Exchange{Request: req("GET", "https://x/api/users", ``), Response: resp(401, `{"error":7}`, "Content-Type", "application/json")}, []string{"request.security.missing Authorization", "response.body.schema /error"}},
	}
	runCases(t, v, tests)
}

// A security requirement naming a scheme the spec does not define (SailPoint's v2025 names
// UserContextAuth) does not refuse the spec: the load reports it, and the rest of the
// requirement is still checked.
func TestUndefinedSecuritySchemeIsNotARefusal(t *testing.T) {
	fsys := fstest.MapFS{"openapi.yaml": {Data: []byte(`openapi: 3.0.3
info: {title: t, version: '1'}
servers: [{url: 'https://api.test'}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
paths:
  /a:
    get:
      operationId: getA
      security: [{key: [], UserContextAuth: []}]
      responses: {'204': {description: ok}}
  /b:
    get:
      operationId: getB
      security: [{UserContextAuth: []}]
      responses: {'204': {description: ok}}
`)}}
	docs, err := specs.Load(context.Background(), specs.NewSources(fsys, nil), "openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	undefined := false
	for _, f := range specs.Findings(docs) {
		undefined = undefined || strings.Contains(f.Message, "UserContextAuth")
	}
	if !undefined {
		t.Errorf("the load does not report the undefined scheme: %v", specs.Findings(docs))
	}
	v, err := New(docs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		hdr  []string
		want []string
	}{
		{"/a", nil, []string{"request.security.missing Authorization"}},
		{"/a", []string{"X-Key", "k"}, nil},
		{"/b", nil, nil},
	} {
		res := v.Validate(context.Background(), Exchange{Request: req("GET", "https://api.test"+c.path, "", c.hdr...)})
		var rules []string
		for _, x := range res.Violations {
			rules = append(rules, x.Rule+" "+x.Instance)
		}
		if strings.Join(rules, ",") != strings.Join(c.want, ",") {
			t.Errorf("GET %s with %v: %v, want %v", c.path, c.hdr, rules, c.want)
		}
	}
}
