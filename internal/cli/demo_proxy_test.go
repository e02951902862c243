package cli

import (
	"encoding/json"
	"net"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
)

// TestTwoProxiesWithDefaults: two proxies on one host, every flag at its default but the listen
// port, both start: the admin listener is off unless asked for (its old default, 9090, is
// Prometheus's own port, and a second proxy could not bind it).
func TestTwoProxiesWithDefaults(t *testing.T) {
	for i := range 2 {
		_, stderr, stop := start(t, "proxy", "--upstream", "http://127.0.0.1:1", "--listen", "127.0.0.1:0")
		defer stop()
		var l struct{ Msg, Admin string }
		json.Unmarshal([]byte(strings.SplitN(stderr.String(), "\n", 2)[0]), &l)
		if l.Admin != "off" {
			t.Errorf("proxy %d: admin %q, want off by default: %s", i, l.Admin, stderr.String())
		}
	}
	// Asked for with port 0, it is on a free port, and the log says which.
	_, stderr, stop := start(t, "proxy", "--upstream", "http://127.0.0.1:1", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0")
	defer stop()
	var l struct{ Admin string }
	json.Unmarshal([]byte(strings.SplitN(stderr.String(), "\n", 2)[0]), &l)
	if _, port, err := net.SplitHostPort(l.Admin); err != nil || port == "0" {
		t.Errorf("admin %q, want the bound address", l.Admin)
	}
}

// squat listens on a port the old demo used, when it is free, and counts the connections it
// gets: the demo must reach none of them.
func squat(t *testing.T, addr string) *atomic.Int32 {
	t.Helper()
	var n atomic.Int32
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return &n // taken by something else already: the demo must not need it either
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	return &n
}

// TestMakeDemoProxy runs the demo with 8080, 8081 and 9090 taken: it uses free ports, reaches
// none of those, and shows the recording validated; a fixed address that is taken fails with the
// server's own error, not with a kill of a process that never started.
func TestMakeDemoProxy(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("the demo needs curl")
	}
	var squatters []*atomic.Int32
	for _, addr := range []string{"127.0.0.1:8080", "127.0.0.1:8081", "127.0.0.1:9090"} {
		squatters = append(squatters, squat(t, addr))
	}
	cmd := exec.Command("make", "-s", "-C", "../..", "demo-proxy")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make demo-proxy: %v\n%s", err, out)
	}
	for _, want := range []string{"5 exchanges: 4 valid, 1 invalid", `"msg":"specgate proxy stopped","exchanges":5,"recorded":5`, "specgate_proxy_exchanges_total"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, out)
		}
	}
	for i, n := range squatters {
		if n.Load() != 0 {
			t.Errorf("the demo connected %d times to port %d's listener", n.Load(), []int{8080, 8081, 9090}[i])
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cmd = exec.Command("bash", "../../docs/demo-proxy.sh")
	cmd.Env = append(cmd.Environ(), "PROXY_ADDR="+ln.Addr().String())
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "specgate proxy did not start") || !strings.Contains(string(out), "address already in use") || strings.Contains(string(out), "No such process") {
		t.Errorf("a taken PROXY_ADDR: %v\n%s", err, out)
	}
}
