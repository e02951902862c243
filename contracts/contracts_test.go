package contracts

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/specgate/specgate/validator"
)

const minimal = `description: d
operation: patchUser
request:
  method: PATCH
  url: https://acme.nonemployee.com/api/users/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e
expect:
  valid: true
`

func load(t *testing.T, p, content string) (*Contract, error) {
	t.Helper()
	return Load(fstest.MapFS{p: {Data: []byte(content)}}, p)
}

func mustLoad(t *testing.T, p, content string) *Contract {
	t.Helper()
	c, err := load(t, p, content)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEmbeddedContractsLoad(t *testing.T) {
	paths, err := Glob(Embedded())
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no embedded contracts")
	}
	kinds := map[string]map[Kind]bool{}
	for i, p := range paths {
		if i > 0 && paths[i-1] >= p {
			t.Errorf("Glob is not sorted: %s before %s", paths[i-1], p)
		}
		c, err := Load(Embedded(), p)
		if err != nil {
			t.Error(err)
			continue
		}
		if _, err := c.Exchange(); err != nil {
			t.Error(err)
		}
		if kinds[c.Operation] == nil {
			kinds[c.Operation] = map[Kind]bool{}
		}
		kinds[c.Operation][c.Kind] = true
	}
	for _, op := range []string{"patchUserProfiles", "patchUser", "patchUsers", "putUsers"} {
		for _, k := range []Kind{KindDocumented, KindValid, KindInvalid} {
			if !kinds[op][k] {
				t.Errorf("operation %s has no %s contract", op, k)
			}
		}
	}
}

func TestGlobSkipsOtherFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"b/op/valid-x.yaml":      {Data: []byte(minimal)},
		"a/op/invalid-y.yaml":    {Data: []byte(minimal)},
		"README.md":              {Data: []byte("# contracts")},
		"a/op/notes.txt":         {Data: []byte("notes")},
		"a/op/documented-z.yaml": {Data: []byte(minimal)},
	}
	got, err := Glob(fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a/op/documented-z.yaml", "a/op/invalid-y.yaml", "b/op/valid-x.yaml"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Glob = %v, want %v", got, want)
	}
}

func TestParsePath(t *testing.T) {
	loc, err := ParsePath("oig-selfservice/patchUsers/invalid-param-missing.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if loc != (Location{Spec: "oig-selfservice", Operation: "patchUsers", Kind: KindInvalid}) {
		t.Errorf("ParsePath = %+v", loc)
	}
	for _, p := range []string{
		"patchUsers/invalid-x.yaml",
		"a/b/c/invalid-x.yaml",
		"oig-selfservice/patchUsers/invalid-x.yml",
		"oig-selfservice/patchUsers/broken-x.yaml",
		"oig-selfservice//valid-x.yaml",
	} {
		if _, err := ParsePath(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("ParsePath(%q) error = %v, want an error naming the path", p, err)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	const p = "nerm-lifecycle/patchUser/valid-case.yaml"
	const inv = "nerm-lifecycle/patchUser/invalid-case.yaml"
	replace := func(old, new string) string {
		if !strings.Contains(minimal, old) {
			t.Fatalf("minimal has no %q", old)
		}
		return strings.Replace(minimal, old, new, 1)
	}
	invalid := func(violations string) string {
		return replace("  valid: true\n", "  valid: false\n  violations:\n"+violations)
	}
	tests := []struct {
		name, path, content string
		want                []string // substrings of the error, besides the path
	}{
		{"unknown top-level field", p, minimal + "expected: {valid: true}\n", []string{`line 8: unknown field "expected" at the top level`}},
		{"unknown request field", p, replace("  method:", "  urll: x\n  method:"), []string{`line 4: unknown field "urll" in request`}},
		{"unknown response field", p, minimal + "response:\n  status: 200\n  bodytext: x\n", []string{`unknown field "bodytext" in response`}},
		{"unknown violation field", inv, invalid("    - rule: request.body.schema\n      pointer: /user\n"), []string{`unknown field "pointer" in expect.violations`}},
		{"wrong type", p, minimal + "response:\n  status: \"200\"\n", []string{"line 9", "cannot unmarshal"}},
		{"yaml syntax", p, "description: [unclosed\n", []string{"line"}},
		{"empty file", p, "", []string{"empty"}},
		{"two documents", p, minimal + "---\n" + minimal, []string{"one YAML document"}},
		{"description missing", p, replace("description: d\n", ""), []string{"description is required"}},
		{"operation missing", p, replace("operation: patchUser\n", ""), []string{"operation is required"}},
		{"operation in the wrong folder", p, replace("operation: patchUser", "operation: patchUsers"), []string{`operation is "patchUsers"`, `folder of "patchUser"`}},
		{"documented without source", "nerm-lifecycle/patchUser/documented-x.yaml", "documented: true\n" + minimal, []string{"source is required"}},
		{"documented in a valid- file", p, "documented: true\nsource: page.txt\n" + minimal, []string{"documented is true", "valid-"}},
		{"documented- file not documented", "nerm-lifecycle/patchUser/documented-x.yaml", minimal, []string{"documented is false"}},
		{"no request or response", p, "description: d\noperation: patchUser\nexpect: {valid: true}\n", []string{"request, a response or both"}},
		{"expect missing", p, replace("expect:\n  valid: true\n", ""), []string{"expect is required"}},
		{"expect.valid missing", p, replace("  valid: true\n", "  violations: []\n"), []string{"expect.valid is required"}},
		{"valid with violations", p, replace("  valid: true\n", "  valid: true\n  violations:\n    - {rule: request.body.schema, instance: /user}\n"), []string{"expect.violations must be empty"}},
		{"invalid without violations", inv, replace("valid: true", "valid: false"), []string{"must list the violations"}},
		{"invalid verdict in a valid- file", p, invalid("    - {rule: request.body.schema, instance: /user}\n"), []string{"expect.valid is false", "valid-"}},
		{"valid verdict in an invalid- file", inv, minimal, []string{"expect.valid is true", "invalid-"}},
		{"unknown rule", inv, invalid("    - {rule: request.body.schema, instance: /user}\n    - {rule: response.body.schmea, instance: /user}\n"), []string{`expect.violations[1].rule "response.body.schmea"`}},
		{"rule missing", inv, invalid("    - {instance: /user}\n"), []string{"expect.violations[0].rule is required"}},
		{"instance missing", inv, invalid("    - {rule: request.body.schema}\n"), []string{"expect.violations[0].instance is required"}},
		{"method missing", p, replace("  method: PATCH\n", ""), []string{"request.method is required"}},
		{"url missing", p, replace("  url: https://acme.nonemployee.com/api/users/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e\n", ""), []string{"request.url is required"}},
		{"url unparsable", p, replace("https://acme.nonemployee.com", "http://[::1"), []string{"request.url is not a URL"}},
		{"body and bodyText", p, replace("expect:", "  body: {}\n  bodyText: '{}'\nexpect:"), []string{"request: body, bodyText and bodyNotRecorded exclude one another"}},
		{"bodyText and bodyNotRecorded", p, minimal + "response:\n  status: 200\n  bodyText: x\n  bodyNotRecorded: true\n", []string{"response: body, bodyText and bodyNotRecorded exclude one another"}},
		{"status out of range", p, minimal + "response:\n  status: 42\n", []string{"response.status", "got 42"}},
		{"header value a mapping", p, replace("expect:", "  headers:\n    Accept: {type: json}\nexpect:"), []string{"line 7", `header "Accept"`}},
		{"header listed twice", p, replace("expect:", "  headers:\n    Accept: a\n    Accept: b\nexpect:"), []string{"line 8", `"Accept" is listed twice`}},
		{"headers not a mapping", p, replace("expect:", "  headers: [Accept]\nexpect:"), []string{"line 6", "headers must be a mapping"}},
		{"body infinite number", p, replace("expect:", "  body: {user: {n: .inf}}\nexpect:"), []string{"request.body.user.n (line 6)", "not a JSON number"}},
		{"body duplicate key", p, replace("expect:", "  body:\n    user: {}\n    user: {}\nexpect:"), []string{"request.body (line 8)", `key "user" appears twice`}},
		{"body binary", p, replace("expect:", "  body: {data: !!binary aGk=}\nexpect:"), []string{"request.body.data (line 6)", "!!binary"}},
		{"path layout", "patchUser.yaml", minimal, []string{"<spec>/<operationId>/<kind>-<name>.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.path, tt.content)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range append([]string{tt.path}, tt.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	const p = "nerm-lifecycle/patchUser/valid-absent.yaml"
	_, err := Load(fstest.MapFS{}, p)
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("error = %v, want one naming %s", err, p)
	}
}

func TestExchange(t *testing.T) {
	c := mustLoad(t, "nerm-lifecycle/patchUser/valid-x.yaml", `description: d
operation: patchUser
request:
  method: PATCH
  url: https://acme.nonemployee.com/api/users/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e?dry=1
  headers:
    content-type: application/json
    Accept: [application/json, text/plain]
    X-Count: 12
  body:
    z: &shared {k: 1}
    a: [true, null, 1.5, -3, "007", 0x1F]
    t: 2023-05-01T09:12:28Z
    s: The <object> failed & stopped
    copy: *shared
response:
  status: 400
  bodyText: '{"error": '
expect:
  valid: true
`)
	ex, err := c.Exchange()
	if err != nil {
		t.Fatal(err)
	}
	r := ex.Request
	if r == nil || ex.Response == nil {
		t.Fatalf("exchange = %+v, want a request and a response", ex)
	}
	if ex.Operation != "" {
		t.Errorf("Operation = %q, want it empty when the request routes the exchange", ex.Operation)
	}
	if r.Method != "PATCH" || r.URL.Path != "/api/users/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e" || r.URL.Query().Get("dry") != "1" {
		t.Errorf("request = %s %s", r.Method, r.URL)
	}
	if got := r.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := r.Header.Values("Accept"); strings.Join(got, "|") != "application/json|text/plain" {
		t.Errorf("Accept = %q", got)
	}
	if got := r.Header.Get("X-Count"); got != "12" {
		t.Errorf("X-Count = %q", got)
	}
	want := `{"z":{"k":1},"a":[true,null,1.5,-3,"007",31],"t":"2023-05-01T09:12:28Z","s":"The <object> failed & stopped","copy":{"k":1}}`
	if string(r.Body) != want {
		t.Errorf("request body\n got %s\nwant %s", r.Body, want)
	}
	if ex.Response.Status != 400 || string(ex.Response.Body) != `{"error": ` {
		t.Errorf("response = %d %q", ex.Response.Status, ex.Response.Body)
	}

	// Each call returns fresh values.
	r.Header.Set("Content-Type", "text/plain")
	again, _ := c.Exchange()
	if again.Request.Header.Get("Content-Type") != "application/json" {
		t.Error("Exchange returned a header shared with an earlier call")
	}
}

func TestExchangeResponseOnly(t *testing.T) {
	c := mustLoad(t, "nerm-lifecycle/patchUser/invalid-x.yaml", `description: d
operation: patchUser
response:
  status: 200
  headers: {Content-Type: application/json}
  bodyNotRecorded: true
expect:
  valid: false
  violations:
    - rule: response.body.not_recorded
      instance: ""
`)
	ex, err := c.Exchange()
	if err != nil {
		t.Fatal(err)
	}
	if ex.Request != nil || ex.Operation != "patchUser" {
		t.Errorf("exchange = %+v, want no request and operation patchUser", ex)
	}
	if !ex.Response.BodyNotRecorded || ex.Response.Body != nil {
		t.Errorf("response = %+v, want a body marked not recorded", ex.Response)
	}
}

func TestExchangeNoBody(t *testing.T) {
	ex, err := mustLoad(t, "nerm-lifecycle/patchUser/valid-x.yaml", minimal).Exchange()
	if err != nil {
		t.Fatal(err)
	}
	if ex.Request.Body != nil || ex.Request.BodyNotRecorded || ex.Request.Header == nil {
		t.Errorf("request = %+v, want no body and an empty header", ex.Request)
	}
}

func TestExchangeNullBody(t *testing.T) {
	ex, err := mustLoad(t, "nerm-lifecycle/patchUser/valid-x.yaml", replaceOnce(minimal, "expect:", "  body: null\nexpect:")).Exchange()
	if err != nil {
		t.Fatal(err)
	}
	if string(ex.Request.Body) != "null" {
		t.Errorf("body = %q, want the JSON null", ex.Request.Body)
	}
}

func replaceOnce(s, old, new string) string { return strings.Replace(s, old, new, 1) }

const expectTwo = `description: d
operation: patchUser
response:
  status: 200
expect:
  valid: false
  violations:
    - rule: response.body.schema
      instance: /user/uid
    - rule: response.body.schema
      instance: ""
`

func violation(rule, inst string) validator.Violation {
	return validator.Violation{Rule: rule, Instance: inst, Message: "message for " + inst}
}

func TestCheckAgrees(t *testing.T) {
	c := mustLoad(t, "nerm-lifecycle/patchUser/invalid-x.yaml", expectTwo)
	res := validator.Result{Operation: "patchUser", Violations: []validator.Violation{
		violation("response.body.schema", ""),
		violation("response.body.schema", "/user/uid"),
	}}
	if err := c.Check(res); err != nil {
		t.Errorf("Check = %v, want agreement whatever the order", err)
	}
	valid := mustLoad(t, "nerm-lifecycle/patchUser/valid-x.yaml", minimal)
	if err := valid.Check(validator.Result{Operation: "patchUser"}); err != nil {
		t.Errorf("Check = %v on a valid result", err)
	}
}

func TestCheckMismatch(t *testing.T) {
	c := mustLoad(t, "nerm-lifecycle/patchUser/invalid-x.yaml", expectTwo)
	res := validator.Result{Operation: "patchUser", Violations: []validator.Violation{
		violation("response.body.schema", "/user/uid"),
		violation("response.body.schema", "/user/email"),
		violation("response.content_type", "/user/uid"),
	}}
	err := c.Check(res)
	var me *MismatchError
	if !errors.As(err, &me) {
		t.Fatalf("Check = %v, want a *MismatchError", err)
	}
	if len(me.Missing) != 1 || me.Missing[0].String() != `response.body.schema at ""` {
		t.Errorf("Missing = %v", me.Missing)
	}
	if len(me.Unexpected) != 2 || me.Unexpected[0].Instance != "/user/email" || me.Unexpected[1].Rule != "response.content_type" {
		t.Errorf("Unexpected = %v", me.Unexpected)
	}
	msg := err.Error()
	for _, w := range []string{
		"contract nerm-lifecycle/patchUser/invalid-x.yaml",
		`expected but not reported: response.body.schema at ""`,
		`reported but not expected: response.body.schema at "/user/email" (message for /user/email)`,
		`reported but not expected: response.content_type at "/user/uid"`,
	} {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q does not contain %q", msg, w)
		}
	}
	if strings.Contains(msg, `response.body.schema at "/user/uid"`) {
		t.Errorf("message %q names a violation that matched", msg)
	}
}

func TestCheckCountsDuplicates(t *testing.T) {
	twice := strings.Replace(expectTwo, `instance: ""`, "instance: /user/uid", 1)
	c := mustLoad(t, "nerm-lifecycle/patchUser/invalid-x.yaml", twice)
	err := c.Check(validator.Result{Operation: "patchUser", Violations: []validator.Violation{violation("response.body.schema", "/user/uid")}})
	var me *MismatchError
	if !errors.As(err, &me) || len(me.Missing) != 1 || len(me.Unexpected) != 0 {
		t.Fatalf("Check = %v, want one missing violation: expected twice, reported once", err)
	}
}

func TestCheckValidExpected(t *testing.T) {
	c := mustLoad(t, "nerm-lifecycle/patchUser/valid-x.yaml", minimal)
	err := c.Check(validator.Result{Operation: "patchUser", Violations: []validator.Violation{violation("request.body.missing", "")}})
	if err == nil || !strings.Contains(err.Error(), `reported but not expected: request.body.missing at ""`) {
		t.Errorf("Check = %v", err)
	}
}

func TestCheckOperationAndScope(t *testing.T) {
	c := mustLoad(t, "nerm-lifecycle/patchUser/valid-x.yaml", minimal)
	err := c.Check(validator.Result{Operation: "patchUserProfiles"})
	if err == nil || !strings.Contains(err.Error(), "routed to operation patchUserProfiles") {
		t.Errorf("Check = %v, want a complaint about the operation", err)
	}
	err = c.Check(validator.Result{OutOfScope: "/elsewhere is outside the base paths"})
	if err == nil || !strings.Contains(err.Error(), "not checked: /elsewhere is outside the base paths") {
		t.Errorf("Check = %v, want a complaint that nothing was checked", err)
	}
}

func TestDocumented(t *testing.T) {
	const (
		req  = "nerm/patchUser/documented-request.yaml"
		resp = "nerm/patchUser/documented-200.yaml"
	)
	request := `description: d
documented: true
source: nerm-patch-user.txt
operation: patchUser
request:
  method: PATCH
  url: https://acme.nonemployee.com/api/users/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e
  body: {user: {name: n}}
expect:
  valid: true
`
	response := `description: d
documented: true
source: nerm-patch-user.txt
operation: patchUser
response:
  status: 200
  body: {user: {name: n}}
expect:
  valid: true
`
	invalid := strings.Replace(strings.Replace(request, "name: n", "name: 1", 1), "documented: true\n", "", 1)
	invalid = strings.Replace(invalid, "valid: true", "valid: false\n  violations:\n    - rule: request.body.schema\n      instance: /user/name", 1)
	fsys := fstest.MapFS{
		req:                                {Data: []byte(request)},
		resp:                               {Data: []byte(response)},
		"nerm/patchUser/invalid-name.yaml": {Data: []byte(invalid)},
	}
	exs, err := Documented(fsys)
	if err != nil {
		t.Fatal(err)
	}
	// The lone request is not an exchange of its own; the response gets it; the invalid
	// contract is not documented.
	if len(exs) != 1 || exs[0].Request == nil || exs[0].Response == nil || exs[0].Response.Status != 200 || exs[0].Request.Method != "PATCH" {
		t.Fatalf("got %+v", exs)
	}

	delete(fsys, req)
	if _, err := Documented(fsys); err == nil || !strings.Contains(err.Error(), "patchUser: no documented request") {
		t.Fatalf("a response without its request: %v", err)
	}
}
