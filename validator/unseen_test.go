package validator

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"testing/fstest"
)

// Failure classes found on published specs outside the development corpus (oasdiff's and
// kin-openapi's test documents), each as a minimal reproducer: the validator builds on every
// document that loads, and checks what it can.
func TestBuildsOnUnseenClasses(t *testing.T) {
	for _, c := range []struct {
		name, spec, method, path string
		op                       string
	}{
		{
			// OpenAPI 3.2's custom methods live under additionalOperations, not beside get.
			name: "3.2 additionalOperations", method: "COPY", path: "/search", op: "copySearch",
			spec: `openapi: 3.2.0
info: {title: t, version: "1"}
paths:
  /search:
    get:
      operationId: search
      responses: {"200": {description: ok}}
    additionalOperations:
      COPY:
        operationId: copySearch
        responses: {"201": {description: copied}}
`,
		},
		{
			// Two operations of one spec share an operationId: the load's
			// spec.operation_id.duplicate finding, and both are still routed.
			name: "duplicate operationId", method: "POST", path: "/b", op: "shared",
			spec: `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      operationId: shared
      responses: {"200": {description: ok}}
  /b:
    post:
      operationId: shared
      responses: {"201": {description: ok}}
`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			docs, err := loadLenient(t, fstest.MapFS{"openapi.yaml": {Data: []byte(c.spec)}}, "openapi.yaml")
			if err != nil {
				t.Fatal(err)
			}
			v, err := New(docs, Options{})
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse("https://api.test" + c.path)
			res := v.Validate(context.Background(), Exchange{
				Request:  &Request{Method: c.method, URL: u, Header: http.Header{}},
				Response: &Response{Status: 200, Header: http.Header{}},
			})
			if res.Operation != c.op {
				t.Fatalf("%s %s routed to %q, want %q", c.method, c.path, res.Operation, c.op)
			}
			// Status 200 is undocumented for both: the response is checked against the
			// operation's own responses.
			if len(res.Violations) != 1 || res.Violations[0].Rule != RuleResponseStatus {
				t.Errorf("violations %+v, want one %s", res.Violations, RuleResponseStatus)
			}
		})
	}
}
