package validator

import (
	"net/http"
	"net/url"
	"testing"
)

func TestRequestKey(t *testing.T) {
	req := func(method, target string, h http.Header, body string) *Request {
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		return &Request{Method: method, URL: u, Header: h, Body: []byte(body)}
	}
	base := req("PATCH", "http://h/users/1?a=1", http.Header{"A": {"1"}, "B": {"2"}}, `{"x":1}`)
	same := req("PATCH", "http://h/users/1?a=1", http.Header{"B": {"2"}, "A": {"1"}}, `{"x":1}`)
	if base.Key() != same.Key() {
		t.Error("the same request in another header order has another key")
	}
	for name, other := range map[string]*Request{
		"method":       req("PUT", "http://h/users/1?a=1", http.Header{"A": {"1"}, "B": {"2"}}, `{"x":1}`),
		"query":        req("PATCH", "http://h/users/1?a=2", http.Header{"A": {"1"}, "B": {"2"}}, `{"x":1}`),
		"header value": req("PATCH", "http://h/users/1?a=1", http.Header{"A": {"1"}, "B": {"3"}}, `{"x":1}`),
		"header split": req("PATCH", "http://h/users/1?a=1", http.Header{"A": {"1", "B: 2"}}, `{"x":1}`),
		"body":         req("PATCH", "http://h/users/1?a=1", http.Header{"A": {"1"}, "B": {"2"}}, `{"x":2}`),
	} {
		if other.Key() == base.Key() {
			t.Errorf("a request differing in its %s has the same key", name)
		}
	}
}
