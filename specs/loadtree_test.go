package specs_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"testing/fstest"

	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// The set-up the tests of what loading forgives share: a tree of files written in the test,
// loaded from its root; the findings of one rule compared with the pointers and lines they must
// name; and exchanges a validator of the loaded documents must accept or reject.

// loadTree loads root from a tree of the given files (name: text), failing the test if loading
// refuses it.
func loadTree(t *testing.T, root string, files map[string]string) []*specs.Document {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	docs, err := specs.Load(context.Background(), specs.NewSources(fsys, nil), root)
	if err != nil {
		t.Fatalf("%s: %v", root, err)
	}
	return docs
}

// loadDoc loads the one file name holding text.
func loadDoc(t *testing.T, name, text string) []*specs.Document {
	t.Helper()
	return loadTree(t, name, map[string]string{name: text})
}

// ruleFindings lists the findings of rule in file, by file and line; "" is any rule or file.
func ruleFindings(docs []*specs.Document, rule, file string) []specs.Finding {
	var out []specs.Finding
	for _, f := range specs.Findings(docs) {
		if (rule == "" || f.Rule == rule) && (file == "" || f.File == file) {
			out = append(out, f)
		}
	}
	return out
}

// wantLines checks that the findings of rule in file ("" is any) are exactly those of want,
// each at its line: want's key is the pointer, or with rule "" the rule, a space and the
// pointer. It returns the findings, for what a test checks further.
func wantLines(t *testing.T, docs []*specs.Document, rule, file string, want map[string]int) []specs.Finding {
	t.Helper()
	fs := ruleFindings(docs, rule, file)
	got := map[string]int{}
	for _, f := range fs {
		key := f.Pointer
		if rule == "" {
			key = f.Rule + " " + f.Pointer
		}
		got[key] = f.Line
	}
	if len(fs) != len(want) {
		t.Errorf("%d %s findings, want %d %v: %v", len(fs), ruleName(rule), len(want), want, specs.Findings(docs))
	}
	for key, line := range want {
		if l, ok := got[key]; !ok || l != line {
			t.Errorf("no %s finding at %s line %d: %v", ruleName(rule), key, line, specs.Findings(docs))
		}
	}
	return fs
}

func ruleName(rule string) string {
	if rule == "" {
		return "such"
	}
	return rule
}

// newValidator builds a validator of docs, failing the test if it cannot.
func newValidator(t *testing.T, docs []*specs.Document) *validator.Validator {
	t.Helper()
	v, err := validator.New(docs, validator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// call is one exchange with https://x.test: a request of method to target (a path and query)
// with a JSON body if body is not empty, and, if status is not 0, a response of status with a
// JSON body if resp is not empty.
type call struct {
	method, target, body string
	status               int
	resp                 string
}

func (c call) String() string {
	s := c.method + " " + c.target
	if c.body != "" {
		s += " " + c.body
	}
	if c.status != 0 {
		s += " -> " + strconv.Itoa(c.status)
		if c.resp != "" {
			s += " " + c.resp
		}
	}
	return s
}

// wantValid checks that v finds no violation in the call if ok, and some if not.
func wantValid(t *testing.T, v *validator.Validator, c call, ok bool) {
	t.Helper()
	u, err := url.Parse("https://x.test" + c.target)
	if err != nil {
		t.Fatal(err)
	}
	ex := validator.Exchange{Request: &validator.Request{Method: c.method, URL: u, Header: jsonHeader(c.body)}}
	if c.body != "" {
		ex.Request.Body = []byte(c.body)
	}
	if c.status != 0 {
		ex.Response = &validator.Response{Status: c.status, Header: jsonHeader(c.resp)}
		if c.resp != "" {
			ex.Response.Body = []byte(c.resp)
		}
	}
	res := v.Validate(context.Background(), ex)
	if got := len(res.Violations) == 0; got != ok {
		t.Errorf("%v: valid = %v, want %v: %v", c, got, ok, res.Violations)
	}
}

// jsonHeader is the header of a message with body: a JSON one, or none.
func jsonHeader(body string) http.Header {
	if body == "" {
		return http.Header{}
	}
	return http.Header{"Content-Type": {"application/json"}}
}

// wantBodies checks, for each JSON body, that a POST of it to target is valid or not.
func wantBodies(t *testing.T, v *validator.Validator, target string, bodies map[string]bool) {
	t.Helper()
	for body, ok := range bodies {
		wantValid(t, v, call{method: "POST", target: target, body: body}, ok)
	}
}

// wantQueries checks GET /a?n=1 -> 200 is valid and GET /a?n=x -> 200 is not: n is an integer
// query parameter.
func wantQueries(t *testing.T, v *validator.Validator) {
	t.Helper()
	wantValid(t, v, call{method: "GET", target: "/a?n=1", status: 200}, true)
	wantValid(t, v, call{method: "GET", target: "/a?n=x", status: 200}, false)
}
