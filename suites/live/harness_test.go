package live_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/gomega"

	"github.com/specgate/specgate/internal/proxy"
	"github.com/specgate/specgate/validator"
)

// logBuffer collects a proxy's JSON log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// exchanges returns the exchange lines logged so far, in order.
func (l *logBuffer) exchanges() []logLine {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []logLine
	for _, line := range strings.Split(l.buf.String(), "\n") {
		var x logLine
		if json.Unmarshal([]byte(line), &x) == nil && x.Msg == "exchange" {
			out = append(out, x)
		}
	}
	return out
}

// logLine is one exchange as the proxy logs it.
type logLine struct {
	Msg        string                `json:"msg"`
	Exchange   uint64                `json:"exchange"`
	Operation  string                `json:"operation"`
	Verdict    string                `json:"verdict"`
	Outcome    string                `json:"outcome"`
	Status     int                   `json:"status"`
	OutOfScope string                `json:"out_of_scope"`
	Violations []validator.Violation `json:"violations"`
}

func (l logLine) result() validator.Result {
	return validator.Result{Operation: l.Operation, OutOfScope: l.OutOfScope, Violations: l.Violations}
}

// stack is one proxy served on loopback ports, its logs and the way to stop it.
type stack struct {
	proxy  *proxy.Proxy
	url    string // the proxy's base URL
	admin  string // the admin listener's base URL
	log    *logBuffer
	cancel context.CancelFunc
	served chan error
}

// startProxy serves a proxy in front of upstream with opts (Upstream, Validator and Logger are
// filled in) the way `specgate proxy` does: Serve on a listener and an admin listener.
func startProxy(upstream string, opts proxy.Options) *stack {
	u, err := url.Parse(upstream)
	Expect(err).NotTo(HaveOccurred())
	s := &stack{log: &logBuffer{}, served: make(chan error, 1)}
	opts.Upstream, opts.Validator = u, v
	opts.Logger = slog.New(slog.NewJSONHandler(s.log, nil))
	s.proxy, err = proxy.New(opts)
	Expect(err).NotTo(HaveOccurred())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	admin, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	s.url, s.admin = "http://"+ln.Addr().String(), "http://"+admin.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() { s.served <- s.proxy.Serve(ctx, ln, admin) }()
	return s
}

// stop shuts the proxy down as SIGINT does and returns what Serve returned.
func (s *stack) stop() error {
	s.cancel()
	select {
	case err := <-s.served:
		return err
	case <-time.After(30 * time.Second):
		return context.DeadlineExceeded
	}
}

// send sends req through the proxy and returns the response, its body, and the line the proxy
// logged for the exchange.
func (s *stack) send(req *http.Request) (*http.Response, []byte, logLine) {
	before := s.proxy.Exchanges()
	resp, err := client.Do(req)
	Expect(err).NotTo(HaveOccurred())
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	Expect(err).NotTo(HaveOccurred())
	Eventually(s.proxy.Exchanges).WithTimeout(5 * time.Second).WithPolling(time.Millisecond).Should(BeNumerically(">", before))
	lines := s.log.exchanges()
	Expect(lines).NotTo(BeEmpty())
	return resp, body, lines[len(lines)-1]
}

// client sends the suite's requests: no compression asked for, so that bodies compare as sent.
var client = &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 8}, Timeout: 30 * time.Second}

// requestTo builds the HTTP request of r, sent to base instead of r's own scheme and host.
func requestTo(base string, r *validator.Request) *http.Request {
	req, err := http.NewRequest(r.Method, base+r.URL.RequestURI(), bytes.NewReader(r.Body))
	Expect(err).NotTo(HaveOccurred())
	if len(r.Body) == 0 {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	req.Header = r.Header.Clone()
	return req
}

// received is what an upstream got and answered, as its handler saw it.
type received struct {
	method, uri string
	header      http.Header
	body        []byte
	status      int
	respHeader  http.Header
	respBody    []byte
}

// tap wraps an upstream handler and keeps what the last request carried and what was answered.
type tap struct {
	h     http.Handler
	count atomic.Int64
	mu    sync.Mutex
	last  received
}

func (t *tap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rw := &recordingWriter{ResponseWriter: w}
	t.h.ServeHTTP(rw, r)
	rw.snapshot(http.StatusOK)
	t.mu.Lock()
	t.last = received{method: r.Method, uri: r.URL.RequestURI(), header: r.Header.Clone(), body: body,
		status: rw.status, respHeader: rw.header, respBody: rw.body.Bytes()}
	t.mu.Unlock()
	t.count.Add(1)
}

func (t *tap) got() received {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last
}

// recordingWriter keeps the status, headers and body a handler wrote.
type recordingWriter struct {
	http.ResponseWriter
	status int
	header http.Header
	body   bytes.Buffer
}

func (w *recordingWriter) snapshot(status int) {
	if w.header == nil {
		w.status, w.header = status, w.ResponseWriter.Header().Clone()
	}
}

func (w *recordingWriter) WriteHeader(code int) {
	w.snapshot(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.snapshot(http.StatusOK)
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

// scripted is an upstream that answers every request with the response it was last given.
type scripted struct {
	resp atomic.Pointer[validator.Response]
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	r := s.resp.Load()
	h := w.Header()
	for k, vs := range r.Header {
		h[k] = append([]string(nil), vs...)
	}
	if _, has := r.Header["Content-Type"]; !has {
		h["Content-Type"] = nil // as recorded: no Content-Type, not a sniffed one
	}
	w.WriteHeader(r.Status)
	_, _ = w.Write(r.Body)
}

// serveUpstream serves h on a loopback port; the returned function stops it.
func serveUpstream(h http.Handler) (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }
}
