package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/validator"
)

// secretExchanges builds requests that carry a distinct secret under every name of
// internal/redact/testdata/secret-names.txt, in every shape a client sends one: a header, a
// query parameter, a JSON body (well-formed, malformed, sent as text/plain), a form, a
// multipart part, an OIG name/value attribute (a string and an array). It returns the requests
// and the secrets, and a third list: secrets sent as the values of fields that are no secret by
// name and that break the spec (a uuid, an email, an enum), which no redaction can tell from
// data but which no message about them may repeat.
func secretExchanges(t *testing.T, base string) ([]*http.Request, []string, []string) {
	t.Helper()
	f, err := os.Open("../redact/testdata/secret-names.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const id = "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"
	var reqs []*http.Request
	var secrets, values []string
	add := func(method, path, ct, body string, h http.Header) {
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range h {
			req.Header[k] = vs
		}
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		if strings.Contains(path, "/iam/") {
			req.Header.Set("X-Requested-By", "t")
		}
		reqs = append(reqs, req)
	}
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan(); {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kind, name, _ := strings.Cut(line, " ")
		v := fmt.Sprintf("zq%02dS3cr3t", i)
		i++
		secrets = append(secrets, v)
		user := "/api/users/" + id
		oig := "/iam/governance/selfservice/api/v1/users"
		j := fmt.Sprintf(`{"user": {"id": %q, %q: %q}}`, id, name, v)
		switch kind {
		case "header":
			add("PATCH", user, "application/json", `{"user": {"id": "`+id+`"}}`, http.Header{name: {v}})
			add("PATCH", user, "application/json", `{"user": {"id": "`+id+`"}}`, http.Header{name: {v + " extra"}})
		case "cookie":
			add("PATCH", user, "application/json", `{"user": {"id": "`+id+`"}}`, http.Header{"Cookie": {"theme=dark; " + name + "=" + v}})
		}
		add("PATCH", user+"?page=2&"+url.QueryEscape(name)+"="+url.QueryEscape(v), "application/json", `{"user": {"id": "`+id+`"}}`, nil)
		add("PATCH", user, "application/json", j, nil)
		add("PATCH", user, "application/json", j[:len(j)-2]+`, "x": }`, nil)
		add("PATCH", user, "text/plain", j, nil)
		add("PATCH", user, "application/x-www-form-urlencoded", "id="+id+"&"+url.QueryEscape(name)+"="+url.QueryEscape(v), nil)
		add("PATCH", user, "multipart/form-data; boundary=XyZ", "--XyZ\r\nContent-Disposition: form-data; name=\""+name+"\"\r\n\r\n"+v+"\r\n--XyZ--\r\n", nil)
		add("PUT", oig, "application/json", fmt.Sprintf(`{"users": [{"id": "5025", "requestId": "1", "fields": [{"name": %q, "value": %q}]}]}`, name, v), nil)
		add("PUT", oig, "application/json", fmt.Sprintf(`{"users": [{"id": "5025", "requestId": "1", "fields": [{"name": %q, "value": [%q]}]}]}`, name, v), nil)
		bad := fmt.Sprintf("zv%02dV4lu3", i)
		values = append(values, bad)
		add("PATCH", user, "application/json", fmt.Sprintf(`{"user": {"id": %q, "email": %q, "status": %q, "uid": %q}}`, bad, bad, bad, bad), nil)
		add("PATCH", user, "application/json", `{"user": {"id": "`+id+`"}}`, http.Header{"X-Requested-By": {bad}})
	}
	if len(secrets) < 50 {
		t.Fatalf("%d secrets, want at least 50", len(secrets))
	}
	return reqs, secrets, values
}

func leaks(output string, secrets []string) []string {
	var out []string
	for _, s := range secrets {
		if strings.Contains(output, s) {
			out = append(out, s)
		}
	}
	return out
}

// TestNoSecretInAnyOutput validates a recording full of secrets in every report format, and
// sends the same traffic through `specgate proxy --record` in both recording formats: no
// secret appears in any report, log or recording.
func TestNoSecretInAnyOutput(t *testing.T) {
	reqs, secrets, values := secretExchanges(t, "https://acme.nonemployee.com")
	dir := t.TempDir()
	har := filepath.Join(dir, "secrets.har")
	f, err := os.Create(har)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := traffic.NewWriter(f, traffic.FormatHAR, "test")
	for _, r := range reqs {
		body, _ := io.ReadAll(r.Body)
		err := w.Write(traffic.Entry{Exchange: validator.Exchange{
			Request:  &validator.Request{Method: r.Method, URL: r.URL, Header: r.Header, Body: body},
			Response: &validator.Response{Status: 400, Header: http.Header{"Content-Type": {"application/json"}, "Set-Cookie": {"sid=" + secrets[0]}}, Body: []byte(`{"error": "bad", "token": "` + secrets[1] + `"}`)},
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil || f.Close() != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "json", "github", "junit", "sarif", "html"} {
		var stdout, stderr bytes.Buffer
		code := Run(context.Background(), []string{"validate", "--format", format, "--verbose", har}, &stdout, &stderr)
		if code != exitFindings {
			t.Fatalf("%s: exit %d: %s", format, code, stderr.String())
		}
		if l := leaks(stdout.String()+stderr.String(), secrets); len(l) > 0 {
			t.Errorf("validate --format %s shows %d secrets: %v", format, len(l), l)
		}
		// The html report shows bodies, where a value under a name that is no secret is data.
		if l := leaks(stdout.String()+stderr.String(), values); len(l) > 0 && format != "html" {
			t.Errorf("validate --format %s repeats %d values in its messages: %v", format, len(l), l)
		}
	}

	mockAddr, _, stopMock := start(t, "mock", "--listen", "127.0.0.1:0")
	defer stopMock()
	for _, name := range []string{"rec.har", "rec.jsonl"} {
		record := filepath.Join(dir, name)
		proxyAddr, logs, stop := start(t, "proxy", "--upstream", "http://"+mockAddr, "--listen", "127.0.0.1:0",
			"--admin", "off", "--record", record)
		reqs, _, _ := secretExchanges(t, "http://"+proxyAddr)
		for _, r := range reqs {
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		if code := stop(); code != exitOK {
			t.Fatalf("proxy exited %d: %s", code, logs.String())
		}
		rec, err := os.ReadFile(record)
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(rec, []byte("zq")); n == 0 && len(rec) < 1000 {
			t.Fatalf("the recording is empty: %s", rec)
		}
		if l := leaks(string(rec), secrets); len(l) > 0 {
			t.Errorf("%s keeps %d secrets: %v", name, len(l), l)
		}
		if l := leaks(logs.String(), append(secrets, values...)); len(l) > 0 {
			t.Errorf("the proxy's log shows %d secrets: %v", len(l), l)
		}
	}
}
