package validator

import (
	"context"
	"strings"
	"testing"
)

func TestHostileBodies(t *testing.T) {
	v := defaultValidator(t, Options{})
	deep := strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000)
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"duplicate key, last value valid", `{"user":{"email":"x","email":"a@b.co"}}`, []string{"request.body.duplicate_key /user/email"}},
		{"duplicate key, both reported and schema still checked", `{"user":{"admin":true,"admin":"yes"},"user":{"admin":"no"}}`, []string{"request.body.duplicate_key /user", "request.body.duplicate_key /user/admin", "request.body.schema /user/admin"}},
		{"nesting beyond the limit", deep, []string{"request.body.limits " + strings.Repeat("/a", 512)}},
		{"deep arrays beyond the limit", `{"user":{"name":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}}`, []string{"request.body.limits /user/name" + strings.Repeat("/0", 510)}},
		{"huge exponent is not evaluated", `{"user":{"admin":1e999999999}}`, []string{"request.body.limits /user/admin"}},
		{"very long number is not evaluated", `{"user":{"admin":` + strings.Repeat("9", 5000) + `}}`, []string{"request.body.limits /user/admin"}},
		{"big but evaluable number", `{"user":{"admin":1e300}}`, []string{"request.body.schema /user/admin"}},
		{"invalid UTF-8 in a string", "{\"user\":{\"name\":\"\xff\xfe\"}}", []string{"request.body.malformed "}},
		{"invalid UTF-8 in a key", "{\"user\":{\"\xc3\":1}}", []string{"request.body.malformed "}},
		{"lone surrogate escape is read as U+FFFD", `{"user":{"name":"\ud800"}}`, nil},
		{"very long string", `{"user":{"name":"` + strings.Repeat("x", 1<<20) + `"}}`, nil},
		{"very long string breaking a format", `{"user":{"email":"` + strings.Repeat("x", 1<<20) + `"}}`, []string{"request.body.schema /user/email"}},
		{"very long string breaking the uuid format", `{"user":{"id":"` + strings.Repeat("0", 1<<20) + `"}}`, []string{"request.body.schema /user/id"}},
		{"unterminated deep nesting", strings.Repeat("[", 100000), []string{"request.body.limits " + strings.Repeat("/0", 512), "request.body.malformed "}},
		{"NUL byte", "{\"user\":{\"name\":\"a\x00\"}}", []string{"request.body.malformed "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := v.Validate(context.Background(), Exchange{Request: req("PATCH", "https://acme.nonemployee.com/api/users/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e", tt.body, "Content-Type", "application/json")})
			// user.id is optional, so a body without it breaks nothing else.
			wantViolations(t, res, tt.want)
			for _, x := range res.Violations {
				if len(x.Message) > 600 {
					t.Errorf("message of %d bytes: %.200s...", len(x.Message), x.Message)
				}
			}
		})
	}
}

// TestLongStringIsMeasuredNotQuoted: a string of any length is checked against its schema, and
// the message gives its length, never the string.
func TestLongStringIsMeasuredNotQuoted(t *testing.T) {
	v := defaultValidator(t, Options{})
	body := `{"user":{"id":"db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e","uid":"` + strings.Repeat("a", 1<<20) + `"}}`
	res := v.Validate(context.Background(), Exchange{Operation: "patchUser", Response: resp(200, body, "Content-Type", "application/json")})
	if len(res.Violations) != 1 {
		t.Fatalf("violations = %v, want one", got(res))
	}
	x := res.Violations[0]
	if want := "`/user/uid` must be exactly 32 characters, got 1048576"; x.Keyword != "maxLength" || x.Message != want {
		t.Errorf("keyword %q, message %q; want maxLength, %q", x.Keyword, x.Message, want)
	}
}
