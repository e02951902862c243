package proxy

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/specgate/specgate/validator"
)

// nginx in front of or behind the proxy: nginx resolves dot segments, decodes escapes and
// merges slashes before it matches a location, and when proxy_pass names a URI it sends that
// normalised path on. Behind specgate, that turns a path specgate would call out of scope into
// the operation; in front, it hands specgate the canonical path.

// startNginx runs nginx (Debian's nginx-light, installed by `make setup`) on a loopback port,
// with a temporary prefix, as a reverse proxy to upstream (host:port) with proxy_pass naming a
// URI. It is stopped when the test ends.
func startNginx(t *testing.T, upstream string) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/nginx"); serr != nil {
			t.Fatal("nginx is not installed: run make setup (it installs Debian's nginx-light)")
		}
		bin = "/usr/sbin/nginx"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	client_max_body_size 0;
	server {
		listen %[2]s;
		location / {
			proxy_pass http://%[3]s/;
			proxy_http_version 1.1;
			proxy_request_buffering off;
		}
	}
}
`, dir, addr, upstream)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", path)
	out := &logBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting nginx: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx did not start listening on %s: %s %s", addr, out.buf.String(), log)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pathDisguises are the disguises of the table that hide the path.
func pathDisguises(t *testing.T) []disguise {
	var out []disguise
	for _, d := range disguises() {
		if d.rule == validator.RuleRequestPathNonCanonical {
			out = append(out, d)
		}
	}
	if len(out) < 8 {
		t.Fatalf("only %d path disguises", len(out))
	}
	return out
}

func TestNginxBehindTheProxy(t *testing.T) {
	rec := &recorder{}
	upstream := strings.TrimPrefix(serve(t, rec.wrap(frameworkLike())), "http://")
	nginx := startNginx(t, upstream)

	// Directly through nginx, each disguised path reaches the upstream as the operation's path:
	// that is why specgate must judge the path nginx will act on.
	for i, d := range pathDisguises(t) {
		if strings.Contains(d.name, "backslash") || strings.Contains(d.name, "case") {
			continue // nginx keeps "\" and case as sent; IIS, Express and ASP.NET do not
		}
		tag := fmt.Sprint("direct-", i)
		resp, body := send(t, nginx, d.req(tag))
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"path": "/api/users/`+docID+`"`) || rec.reached(tag) != 1 {
			t.Errorf("%s: nginx alone answered %d %s, want the operation's path upstream", d.name, resp.StatusCode, body)
		}
	}

	addr, _, _ := proxyOn(t, "http://"+nginx, Options{EnforceRequest: true})
	for i, d := range pathDisguises(t) {
		tag := fmt.Sprint(i)
		resp, body := send(t, addr, d.req(tag))
		if n := rec.reached(tag); n != 0 || resp.StatusCode != 400 {
			t.Errorf("%s: specgate then nginx: answered %d, reached the upstream %d times: %s", d.name, resp.StatusCode, n, body)
		}
	}
	// curl, with the path as the user typed it.
	out, err := exec.Command("curl", "-sS", "--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PATCH",
		"-H", "Content-Type: application/json", "-H", tagHdr+": curl", "--data-binary", string(invalidBody),
		"http://"+addr+"/x/../api/users/"+docID).CombinedOutput()
	if err != nil || string(out) != "400" || rec.reached("curl") != 0 {
		t.Errorf("curl --path-as-is through specgate and nginx: %s %v, reached %d", out, err, rec.reached("curl"))
	}
}

func TestNginxInFrontOfTheProxy(t *testing.T) {
	rec := &recorder{}
	upstream := serve(t, rec.wrap(frameworkLike()))
	addr, p, lb := proxyOn(t, upstream, Options{EnforceRequest: true})
	nginx := startNginx(t, addr)
	for i, d := range pathDisguises(t) {
		tag := fmt.Sprint(i)
		before := p.Exchanges()
		resp, body := send(t, nginx, d.req(tag))
		if n := rec.reached(tag); n != 0 || resp.StatusCode != 400 {
			t.Errorf("%s: nginx then specgate: answered %d, reached the upstream %d times: %s", d.name, resp.StatusCode, n, body)
			continue
		}
		// nginx handed specgate the path it normalised (keeping "\" and case), which specgate
		// judged as the operation.
		if l := waitLogged(t, p, lb, before); l.Operation != "patchUser" || !slices.Contains(l.rules(), validator.RuleRequestBodySchema) {
			t.Errorf("%s: logged %+v", d.name, l)
		}
	}
}
