package redact

import (
	"mime"
	"strings"
	"testing"
)

// FuzzBody feeds arbitrary bodies and media types to Body and Prefix: no panic, and a secret
// under a password key in well-formed JSON never survives whatever surrounds it, unless the
// media type is a binary one, which is left alone.
func FuzzBody(f *testing.F) {
	for _, seed := range []struct{ ct, body string }{
		{"application/json", `{"users": [{"name": "Password", "value": ["x", {"y": 1}]}], "pin": 1234}`},
		{"text/plain", `{"password": "hunter2", "x": }`},
		{"application/x-www-form-urlencoded", "a=1&password=x&data=%7B%22token%22%3A%22t%22%7D"},
		{"multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nx\r\n--b--"},
		{"", `[{"value": "v", "name": "api_key"`},
		{"text/plain", "Authorization: Bearer x\npassword: y"},
	} {
		f.Add(seed.ct, seed.body)
	}
	f.Fuzz(func(t *testing.T, ct, body string) {
		_ = Body(ct, []byte(body))
		_ = Prefix(ct, []byte(body))
		if mt, _, _ := mime.ParseMediaType(ct); binary(mt) || binary(strings.ToLower(strings.TrimSpace(ct))) {
			return // left as they are, by design
		}
		wrapped := `{"password": "zqFuzzS3cret", "x": ` + quoteJSON(body) + `}`
		if out := string(Body(ct, []byte(wrapped))); strings.Contains(out, "zqFuzzS3cret") {
			t.Fatalf("the secret survived: %s", out)
		}
	})
}

// quoteJSON writes s as a JSON string, whatever bytes it holds.
func quoteJSON(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0xFFFD:
			b.WriteString(`\u0020`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
