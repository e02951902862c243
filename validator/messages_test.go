package validator

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestMessagesNeverCarryTheValue sends hostile instances (a million-digit number, megabyte
// strings, secrets where a uuid, an email, an enum or a pattern is expected, in the body and in
// parameters) and checks that no message repeats the value and every message is at most
// MaxMessage bytes.
func TestMessagesNeverCarryTheValue(t *testing.T) {
	v := load(t, "testdata/hostile", "openapi.yaml")
	const secret = "zq5ecr3tV4lue"
	digits := "9" + strings.Repeat("87654321", 125000) // a million digits
	long := strings.Repeat("ab"+secret, 100000)
	const id = "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"
	tests := []struct {
		name, path, query, body string
		header                  http.Header
		value                   string // what no message may contain
	}{
		{"number over maximum", id, "", `{"count": 987654}`, nil, "987654"},
		{"million digits", id, "", `{"count": ` + digits + `}`, nil, "87654321"},
		{"million digits under exclusive bounds", id, "", `{"ratio": ` + digits + `}`, nil, "87654321"},
		{"negative million digits", id, "", `{"count": -` + digits + `}`, nil, "87654321"},
		{"number not a multiple", id, "", `{"step": 0.123456789}`, nil, "123456789"},
		{"huge exponent", id, "", `{"count": 1e999999}`, nil, "999999"},
		{"secret as a name", id, "", `{"name": "` + secret + `"}`, nil, secret},
		{"megabyte string", id, "", `{"name": "` + long + `"}`, nil, secret},
		{"secret as a uuid", id, "", `{"ref": "` + secret + `"}`, nil, secret},
		{"secret as an email", id, "", `{"email": "` + secret + `"}`, nil, secret},
		{"secret as a date-time", id, "", `{"when": "` + secret + `"}`, nil, secret},
		{"secret as an enum", id, "", `{"kind": "` + secret + `"}`, nil, secret},
		{"secret as a boolean", id, "", `{"flag": "` + secret + `"}`, nil, secret},
		{"secret in a oneOf", id, "", `{"pick": {"a": 987654, "b": "` + secret + `"}}`, nil, secret},
		{"secret in an array", id, "", `{"tags": ["` + secret + `", "` + secret + `", "x"]}`, nil, secret},
		{"secret as a key", id, "", `{"` + secret + `": 1}`, nil, "zq5ecr3tV4lue\": 1"},
		{"megabyte key", id, "", `{"` + long + `": 1}`, nil, strings.Repeat("ab"+secret, 50)},
		{"secret as a path uuid", secret, "", `{}`, nil, secret},
		{"secret as a query integer", id, "count=" + secret, `{}`, nil, secret},
		{"million digits as a query integer", id, "count=" + digits, `{}`, nil, "87654321"},
		{"secret as a query enum", id, "mode=" + secret, `{}`, nil, secret},
		{"secret as a header", id, "", `{}`, http.Header{"X-Trace": {secret}}, secret},
		{"megabyte header", id, "", `{}`, http.Header{"X-Trace": {long}}, secret},
		{"malformed body around a secret", id, "", `{"name": "` + secret + `" "x"}`, nil, secret},
		{"megabyte content type", id, "", `{}`, http.Header{"Content-Type": {"application/" + strings.ToLower(long)}}, strings.ToLower(strings.Repeat("ab"+secret, 4))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &url.URL{Scheme: "https", Host: "api.example.com", Path: "/v1/things/" + tt.path, RawQuery: tt.query}
			h := http.Header{"Content-Type": {"application/json"}}
			for k, vs := range tt.header {
				h[k] = vs
			}
			res := v.Validate(context.Background(), Exchange{Request: &Request{Method: "POST", URL: u, Header: h, Body: []byte(tt.body)}})
			if len(res.Violations) == 0 {
				t.Fatalf("no violation; the instance was meant to break the spec")
			}
			check := func(what, msg string) {
				if len(msg) > MaxMessage {
					t.Errorf("%s is %d bytes, over %d", what, len(msg), MaxMessage)
				}
				if strings.Contains(msg, tt.value) {
					t.Errorf("%s repeats the value: %.200s", what, msg)
				}
			}
			check("OutOfScope", res.OutOfScope)
			for _, x := range res.Violations {
				check(x.Rule+" message", x.Message)
				for _, b := range x.Branches {
					for _, e := range b.Errors {
						check(x.Rule+" branch message", e.Message)
					}
				}
			}
		})
	}
}

func TestClipText(t *testing.T) {
	s := strings.Repeat("é", MaxMessage)
	got := clipText(s)
	if len(got) > MaxMessage || !strings.HasSuffix(got, "…") || !strings.HasPrefix(s, strings.TrimSuffix(got, "…")) {
		t.Errorf("clipText cut %d bytes to %d: %q", len(s), len(got), got[len(got)-8:])
	}
	if clipText("short") != "short" {
		t.Error("a short text was changed")
	}
}
