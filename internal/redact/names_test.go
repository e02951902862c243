package redact_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/specgate/specgate/internal/redact"
)

// secretName is one line of testdata/secret-names.txt.
type secretName struct{ kind, name string }

// SecretNames reads testdata/secret-names.txt (the names whose values are secrets) and
// plain-names.txt (names whose values must be kept), from dir.
func readNames(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

func secretNames(t testing.TB) []secretName {
	var out []secretName
	for _, line := range readNames(t, "testdata/secret-names.txt") {
		kind, name, _ := strings.Cut(line, " ")
		out = append(out, secretName{kind, name})
	}
	if len(out) < 50 {
		t.Fatalf("%d secret names, want at least 50", len(out))
	}
	return out
}

func TestSensitiveNames(t *testing.T) {
	for _, n := range secretNames(t) {
		if n.kind != "cookie" && !redact.Sensitive(n.name) {
			t.Errorf("Sensitive(%q) = false; it is a %s that holds a secret", n.name, n.kind)
		}
	}
	for _, name := range readNames(t, "testdata/plain-names.txt") {
		if redact.Sensitive(name) {
			t.Errorf("Sensitive(%q) = true; its value is no secret", name)
		}
	}
}

// places puts value under name in every place a name can give a value a meaning: a header, a
// query, JSON (well-formed, malformed, truncated, sent as text/plain, inside a form field and
// a multipart part), a form (urlencoded, as text/plain, as a multipart part), a name/value pair
// (string, array and malformed), and header-like text. Each returns what redaction leaves.
func places(name, value string) map[string]string {
	q := url.QueryEscape
	j := fmt.Sprintf(`{"user": {"id": "1", %q: %q, "count": 3}}`, name, value)
	mp := func(part string) string {
		return "--XyZ\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\nhello\r\n--XyZ\r\n" + part + "\r\n--XyZ--\r\n"
	}
	body := func(ct, b string) string { return string(redact.Body(ct, []byte(b))) }
	u, _ := url.Parse("https://acme.example/api/users?page=2&" + q(name) + "=" + q(value))
	out := map[string]string{
		"header":                     strings.Join(redact.Header(http.Header{http.CanonicalHeaderKey(name): {value}}).Values(name), ","),
		"query target":               redact.Target(u),
		"query url":                  redact.URL(u).String(),
		"json":                       body("application/json", j),
		"json array":                 body("application/json", fmt.Sprintf(`{%q: [%q, {"x": %q}]}`, name, value, value)),
		"json malformed":             body("application/json", fmt.Sprintf(`{"user": {%q: %q, "id": }`, name, value)),
		"json truncated":             body("application/json", fmt.Sprintf(`{"user": {%q: "%s`, name, value)),
		"json unquoted":              body("application/json", fmt.Sprintf(`{%q: %s, "x": 1`, name, value)),
		"json as text":               body("text/plain", j),
		"json cut for display":       string(redact.Prefix("application/json", []byte(j[:len(j)-len(value)/2-16]))),
		"json as text broken":        body("text/plain", j[:len(j)-3]),
		"json no type":               body("", j),
		"json in a form":             body("application/x-www-form-urlencoded", "a=1&data="+q(j)),
		"json in multipart":          body("multipart/form-data; boundary=XyZ", mp("Content-Disposition: form-data; name=\"doc\"\r\nContent-Type: application/json\r\n\r\n"+j)),
		"form":                       body("application/x-www-form-urlencoded", "user=bob&"+q(name)+"="+q(value)+"&x=1"),
		"form as text":               body("text/plain", "user=bob&"+q(name)+"="+q(value)),
		"multipart":                  body("multipart/form-data; boundary=XyZ", mp("Content-Disposition: form-data; name=\""+name+"\"\r\n\r\n"+value)),
		"multipart no type":          body("", mp("Content-Disposition: form-data; name=\""+name+"\"\r\n\r\n"+value)),
		"pair":                       body("application/json", fmt.Sprintf(`{"fields": [{"name": %q, "value": %q}, {"name": "First Name", "value": "Ann"}]}`, name, value)),
		"pair value first":           body("application/json", fmt.Sprintf(`{"fields": [{"value": %q, "name": %q}]}`, value, name)),
		"pair array":                 body("application/json", fmt.Sprintf(`{"fields": [{"name": %q, "value": [%q, {"v": %q}]}]}`, name, value, value)),
		"pair malformed":             body("application/json", fmt.Sprintf(`{"fields": [{"name": %q, "value": %q}, {"name": `, name, value)),
		"pair value first malformed": body("text/plain", fmt.Sprintf(`[{"value": %q, "name": %q`, value, name)),
		"header-like text":           body("text/plain", "Host: acme\n"+name+": "+value+"\n"),
	}
	return out
}

// TestSecretsNeverSurvive puts a distinct secret under every name of the list, in every place,
// and checks that none survives redaction.
func TestSecretsNeverSurvive(t *testing.T) {
	for i, n := range secretNames(t) {
		value := fmt.Sprintf("zq%02dS3cr3t", i)
		switch n.kind {
		case "cookie":
			for _, h := range []http.Header{
				{"Cookie": {"theme=dark; " + n.name + "=" + value}},
				{"Set-Cookie": {n.name + "=" + value + "; Path=/; HttpOnly"}},
			} {
				for name, vs := range redact.Header(h) {
					if strings.Contains(strings.Join(vs, ","), value) {
						t.Errorf("%s %s: %q survived: %q", name, n.name, value, vs)
					}
				}
			}
			continue
		case "header":
			if n.name == "Authorization" || n.name == "Proxy-Authorization" {
				for _, v := range []string{"Bearer " + value, value + " extra", "TOKEN " + value, value} {
					got := redact.Header(http.Header{n.name: {v}}).Get(n.name)
					if strings.Contains(got, value) {
						t.Errorf("%s: %q: %q survived: %q", n.name, v, value, got)
					}
				}
			}
		}
		for place, got := range places(n.name, value) {
			if strings.Contains(got, value) {
				t.Errorf("%s %q in %s: the secret survived:\n%s", n.kind, n.name, place, got)
			}
		}
	}
}

// TestPlainValuesKept checks the other side: values under names that hold no secret are kept
// in the places where the rule applies by name.
func TestPlainValuesKept(t *testing.T) {
	for i, name := range readNames(t, "testdata/plain-names.txt") {
		value := fmt.Sprintf("pl%02dValue", i)
		for place, got := range places(name, value) {
			switch place {
			case "json in a form", "json in multipart":
				continue // the value is escaped there
			case "json cut for display":
				continue // the value is cut
			}
			if !strings.Contains(got, value) {
				t.Errorf("%q in %s: the value was masked:\n%s", name, place, got)
			}
		}
	}
}
