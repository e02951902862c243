package validator

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

// FuzzValidate sends arbitrary methods, paths, headers and bodies through the validator: it must
// never panic, and every violation must carry a known rule id and a message.
func FuzzValidate(f *testing.F) {
	v := defaultValidator(f, Options{Observe: true})
	known := map[string]bool{}
	for _, r := range Rules {
		known[r.ID] = true
	}
	for _, b := range seedBodies {
		f.Add("PATCH", "/api/user_profiles", "application/json", "Basic eDp5", b, 200, b)
	}
	f.Add("PUT", "/iam/governance/selfservice/api/v1/users", "application/json; charset=utf-8", "Basic eDp5", `{"users":[]}`, 200, `{"users":[{"id":"1","status":" FAIL"}]}`)
	f.Add("OPTIONS", "/api/users/%zz", "text/plain", "", "", 404, "<html>")
	f.Fuzz(func(t *testing.T, method, path, contentType, auth, reqBody string, status int, respBody string) {
		u, err := url.Parse("https://acme.nonemployee.com" + path)
		if err != nil {
			return
		}
		h := http.Header{"Content-Type": {contentType}, "Authorization": {auth}, "X-Requested-By": {contentType}, "Access-Control-Request-Method": {auth}}
		res := v.Validate(context.Background(), Exchange{
			Request:  &Request{Method: method, URL: u, Header: h, Body: []byte(reqBody)},
			Response: &Response{Status: status, Header: http.Header{"Content-Type": {contentType}}, Body: []byte(respBody)},
		})
		for _, x := range res.Violations {
			if !known[x.Rule] || x.Message == "" {
				t.Fatalf("violation %+v", x)
			}
		}
	})
}
