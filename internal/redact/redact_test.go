package redact

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSensitive(t *testing.T) {
	for name, want := range map[string]bool{
		"password": true, "Password": true, "User Password": true, "access_token": true,
		"Authorization": true, "X-Api-Key": true, "key": true, "client-secret": true,
		"name": false, "value": false, "Last Name": false, "X-Requested-By": false,
		"Content-Type": false, "user_id": false, "uid": false, "keyboard": false,
	} {
		if got := Sensitive(name); got != want {
			t.Errorf("Sensitive(%q) = %t, want %t", name, got, want)
		}
	}
}

func TestHeaderKeepsShapeAndDropsSecrets(t *testing.T) {
	h := http.Header{
		"Authorization":       {"Basic dXNlcm5hbWU6cGFzc3dvcmQ="},
		"Cookie":              {"sid=abc123; theme=dark"},
		"Set-Cookie":          {"sid=abc123; Path=/; HttpOnly", "plain=1"},
		"X-Api-Key":           {"k-123"},
		"X-Requested-By":      {"specgate"},
		"Content-Type":        {"application/json"},
		"Proxy-Authorization": {"bearer"},
	}
	got := Header(h)
	want := http.Header{
		"Authorization":       {"Basic REDACTED"},
		"Cookie":              {"sid=REDACTED; theme=REDACTED"},
		"Set-Cookie":          {"sid=REDACTED; Path=/; HttpOnly", "plain=REDACTED"},
		"X-Api-Key":           {"REDACTED"},
		"X-Requested-By":      {"specgate"},
		"Content-Type":        {"application/json"},
		"Proxy-Authorization": {"REDACTED"},
	}
	for name, vs := range want {
		if strings.Join(got[name], "|") != strings.Join(vs, "|") {
			t.Errorf("%s: got %q, want %q", name, got[name], vs)
		}
	}
	if h.Get("Authorization") != "Basic dXNlcm5hbWU6cGFzc3dvcmQ=" {
		t.Error("Header modified its argument")
	}
	for _, vs := range got {
		for _, v := range vs {
			if strings.Contains(v, "abc123") || strings.Contains(v, "dXNlcm5hbWU6") || strings.Contains(v, "k-123") {
				t.Errorf("a secret survived: %q", v)
			}
		}
	}
}

func TestBodyJSON(t *testing.T) {
	in := `{"users": [{"id": "5025", "fields": [{"name": "Password", "value": "hunter2"},
  {"value": "s3cr3t", "name": "User Password"}, {"name": "First Name", "value": "Ann"}]}],
 "password": "p\"w", "credentials": {"user": "bob", "list": ["x", 1]}, "count": 3}`
	out := Body("application/json; charset=utf-8", []byte(in))
	for _, secret := range []string{"hunter2", "s3cr3t", `p\"w`, `"bob"`, `"x"`} {
		if strings.Contains(string(out), secret) {
			t.Errorf("%s survived: %s", secret, out)
		}
	}
	if !strings.Contains(string(out), `"Ann"`) || !strings.Contains(string(out), `"5025"`) {
		t.Errorf("a value that is no secret was masked: %s", out)
	}
	if !json.Valid(out) {
		t.Fatalf("not JSON any more: %s", out)
	}
	// Layout is kept: only the masked tokens change.
	if !strings.Contains(string(out), "\n  {\"value\": \"REDACTED\", \"name\": \"User Password\"}") {
		t.Errorf("layout changed: %s", out)
	}
	var v struct {
		Count int `json:"count"`
		Users []struct {
			Fields []struct{ Name, Value string }
		}
	}
	if err := json.Unmarshal(out, &v); err != nil || v.Count != 3 || v.Users[0].Fields[0].Value != Mask {
		t.Errorf("masked body decodes to %+v (%v)", v, err)
	}
}

func TestBodyLeavesOtherBodiesAlone(t *testing.T) {
	for _, tc := range []struct{ ct, body string }{
		{"application/json", `{"name": "bob", "admin": false}`},
		{"application/json", `{"password": `}, // malformed, and no value to mask
		{"text/plain", `{"passenger_count": 3, "author": "ann", "keyboard": "qwerty"}`},
		{"image/png", `password=hunter2`}, // binary: nothing names a secret in it
	} {
		if got := string(Body(tc.ct, []byte(tc.body))); got != tc.body {
			t.Errorf("Body(%q, %q) = %q, want it unchanged", tc.ct, tc.body, got)
		}
	}
	if got := string(Body("application/x-www-form-urlencoded", []byte("user=bob&password=hunter2"))); got != "user=bob&password=REDACTED" {
		t.Errorf("form body: %q", got)
	}
}

func TestURL(t *testing.T) {
	u, _ := url.Parse("https://bob:hunter2@acme.example/api/users?access_token=abc&page=2")
	got := URL(u).String()
	if strings.Contains(got, "hunter2") || strings.Contains(got, "abc") || !strings.Contains(got, "page=2") {
		t.Errorf("URL = %s", got)
	}
	if u.String() != "https://bob:hunter2@acme.example/api/users?access_token=abc&page=2" {
		t.Error("URL modified its argument")
	}
}

// TestTarget: paths and queries as reports and logs show them.
func TestTarget(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:pw@acme.nonemployee.com/api/users/1", "/api/users/1"},
		{"https://acme.nonemployee.com", "/"},
		{"/api/users/a%2Fb?x=1", "/api/users/a%2Fb?x=1"},
		{"/a?access_token=abc&x=1&API-Key=k&Signature=s&code=c&flag&b=%20", "/a?access_token=REDACTED&x=1&API-Key=REDACTED&Signature=REDACTED&code=REDACTED&flag&b=%20"},
		{"/a?client_secret=s&password=p&sessionid=1&jwt=j&authorization=Basic+x&keyword=ok", "/a?client_secret=REDACTED&password=REDACTED&sessionid=REDACTED&jwt=REDACTED&authorization=REDACTED&keyword=ok"},
		{"/a?acc%65ss_token=abc", "/a?acc%65ss_token=REDACTED"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := Target(u); got != tt.want {
			t.Errorf("Target(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if Target(nil) != "" {
		t.Error("Target(nil) should be empty")
	}
}
