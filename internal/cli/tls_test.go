package cli

import (
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/specgate/specgate/internal/mock"
)

// tlsMock serves specgate's mock over https on loopback, HTTP/2 offered, with a certificate of
// its own; it returns the server, the PEM file of that certificate and the protocols the mock
// was reached with.
func tlsMock(t *testing.T) (srv *httptest.Server, cacert string, protos func() []string) {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	m := mock.New(mock.Options{})
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Proto)
		mu.Unlock()
		m.ServeHTTP(w, r)
	}))
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cacert = filepath.Join(t.TempDir(), "upstream-ca.pem")
	if err := os.WriteFile(cacert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, cacert, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// TestProxyHTTPSUpstream: the vendors' APIs are https. With --cacert the proxy trusts the
// upstream's CA and talks HTTP/2 to it; without, the client gets 502 problem+json and the log
// says why, and the proxy keeps serving.
func TestProxyHTTPSUpstream(t *testing.T) {
	srv, cacert, protos := tlsMock(t)
	const id = "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"
	send := func(addr string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("PATCH", "http://"+addr+"/api/users/"+id, strings.NewReader(`{"user": {"id": "`+id+`"}}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	addr, logs, stop := start(t, "proxy", "--upstream", srv.URL, "--cacert", cacert, "--listen", "127.0.0.1:0", "--admin", "off")
	resp, body := send(addr)
	if code := stop(); code != exitOK {
		t.Fatalf("proxy exited %d: %s", code, logs.String())
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"uid"`) {
		t.Fatalf("through the proxy: %d %s\n%s", resp.StatusCode, body, logs.String())
	}
	if !strings.Contains(logs.String(), `"verdict":"valid"`) {
		t.Errorf("no valid verdict logged:\n%s", logs.String())
	}
	if p := protos(); len(p) != 1 || p[0] != "HTTP/2.0" {
		t.Errorf("the upstream was reached with %v, want HTTP/2.0 once", p)
	}

	addr, logs, stop = start(t, "proxy", "--upstream", srv.URL, "--listen", "127.0.0.1:0", "--admin", "off")
	resp, body = send(addr)
	if code := stop(); code != exitOK {
		t.Fatalf("proxy exited %d: %s", code, logs.String())
	}
	if resp.StatusCode != http.StatusBadGateway || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("untrusted upstream: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if !strings.Contains(logs.String(), "certificate") || !strings.Contains(logs.String(), `"outcome":"upstream_error"`) {
		t.Errorf("the log does not say the certificate was refused:\n%s", logs.String())
	}
	if n := len(protos()); n != 1 {
		t.Errorf("the upstream saw %d requests, want still 1", n)
	}
}

// TestReplayHTTPSTarget: replay trusts the deployment's CA with --cacert; without it every
// exchange fails and the run exits 2.
func TestReplayHTTPSTarget(t *testing.T) {
	srv, cacert, protos := tlsMock(t)
	t.Setenv("SPECGATE_USER", "username")
	t.Setenv("SPECGATE_PASSWORD", "password")
	if res := run(t, "", nil, "replay", "--target", srv.URL, "--cacert", cacert); res.code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if len(protos()) == 0 {
		t.Fatal("the target saw no request")
	}
	res := run(t, "", nil, "replay", "--target", srv.URL)
	if res.code != exitUsage || !strings.Contains(res.stderr, "certificate") {
		t.Errorf("untrusted target: exit %d\n%s", res.code, res.stderr)
	}
}

// TestCACertErrors: a --cacert that cannot be used stops the command before it serves or sends
// anything, naming the file.
func TestCACertErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	for _, tt := range []struct {
		file, want string
	}{
		{missing, "missing.pem: open: no such file or directory"},
		{notPEM, "ca.txt: no PEM certificate in it"},
	} {
		for _, args := range [][]string{
			{"proxy", "--upstream", "https://127.0.0.1:1", "--listen", "127.0.0.1:0", "--admin", "off", "--cacert", tt.file},
			{"replay", "--target", "https://127.0.0.1:1", "--cacert", tt.file},
		} {
			res := run(t, "", nil, args...)
			if res.code != exitUsage || !strings.Contains(res.stderr, "--cacert: "+filepath.Join(dir, "")) || !strings.Contains(res.stderr, tt.want) {
				t.Errorf("%s --cacert %s: exit %d\n%s", args[0], filepath.Base(tt.file), res.code, res.stderr)
			}
		}
	}
}
