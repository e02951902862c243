package proxy

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/specgate/specgate/internal/traffic"
)

// echoUpgrade switches a request with "Upgrade: echo" to a raw connection that echoes every
// line back, the way a WebSocket server takes over its connection.
func echoUpgrade(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Upgrade") != "echo" {
		http.Error(w, "want Upgrade: echo", http.StatusBadRequest)
		return
	}
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	// A proxy that waits for the end of this "body" fails the test instead of hanging it.
	_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
	_, _ = rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	_ = rw.Flush()
	for {
		line, err := rw.ReadString('\n')
		if err != nil {
			return
		}
		_, _ = rw.WriteString(line)
		_ = rw.Flush()
	}
}

// upgrade asks the proxy at addr to switch a connection to the echo protocol, and returns the
// connection once it has.
func upgrade(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.WriteString(conn, "GET /ws/socket HTTP/1.1\r\nHost: acme.nonemployee.com\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer to the upgrade: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Upgrade") != "echo" {
		t.Fatalf("status %d, Upgrade %q", resp.StatusCode, resp.Header.Get("Upgrade"))
	}
	return conn, br
}

// TestUpgradedConnectionsPassThrough: a connection upgrade (WebSocket and the like) on the
// proxied host is forwarded both ways, not read as a response body; the handshake is logged
// when the connection switches, and nothing after it is validated.
func TestUpgradedConnectionsPassThrough(t *testing.T) {
	for _, mode := range []struct {
		name string
		opts Options
	}{{"report", Options{}}, {"enforce", Options{EnforceRequest: true, EnforceResponse: true}}} {
		t.Run(mode.name, func(t *testing.T) {
			h := newHarness(t, http.HandlerFunc(echoUpgrade), mode.opts)
			before := h.proxy.Exchanges()
			conn, br := upgrade(t, strings.TrimPrefix(h.url, "http://"))
			for _, msg := range []string{"ping\n", "a longer second message\n"} {
				if _, err := io.WriteString(conn, msg); err != nil {
					t.Fatal(err)
				}
				got, err := br.ReadString('\n')
				if err != nil || got != msg {
					t.Fatalf("echo %q, %v; want %q", got, err, msg)
				}
			}
			// The exchange, the handshake, was finished when the connection switched, while
			// the connection is still open.
			if h.proxy.Exchanges() != before+1 {
				t.Fatalf("%d exchanges finished with the connection open, want 1", h.proxy.Exchanges()-before)
			}
			lines := h.log.exchanges(t)
			l := lines[len(lines)-1]
			if l.Status != http.StatusSwitchingProtocols || l.Outcome != outcomeForwarded || l.Upgrade != "echo" {
				t.Errorf("logged %+v", l)
			}
		})
	}
}

// TestUpgradedConnectionOutlivesExchangeTimeouts: under Serve, whose read and write timeouts
// bound one exchange, an upgraded connection keeps working past them, and the recording holds
// the handshake.
func TestUpgradedConnectionOutlivesExchangeTimeouts(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(echoUpgrade))
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL)
	var rec bytes.Buffer
	w, _ := traffic.NewWriter(&rec, traffic.FormatJSONLines, "specgate test")
	p, _ := newProxy(t, Options{Upstream: u, Recording: w,
		ReadTimeout: 150 * time.Millisecond, WriteTimeout: 150 * time.Millisecond})
	addr, stop := serving(t, p)

	conn, br := upgrade(t, addr)
	time.Sleep(400 * time.Millisecond) // past both timeouts
	if _, err := io.WriteString(conn, "still there?\n"); err != nil {
		t.Fatal(err)
	}
	if got, err := br.ReadString('\n'); err != nil || got != "still there?\n" {
		t.Fatalf("after the timeouts: %q, %v", got, err)
	}
	stop() // the recording is read once Serve has returned
	if !strings.Contains(rec.String(), `"status":101`) || p.Recorded() != 1 {
		t.Errorf("recorded %d exchanges:\n%s", p.Recorded(), rec.String())
	}
}
