package proxy

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"

	"github.com/specgate/specgate/internal/mock"
	"github.com/specgate/specgate/validator"
)

// The adversarial suite: one invalid PATCH /api/users/{id} (an undocumented status), and one
// valid PATCH that an upstream would act on as something else, sent in every disguise found to
// carry a request past a validating proxy, as raw bytes over TCP to a real specgate proxy
// (Serve, the server the CLI runs) in front of real upstreams on loopback that record what
// reached them. Enforce mode must let none of them reach the upstream; report mode must pass
// each one on and report it.

// invalidBody breaks patchUser's schema: "Gone" is not a documented status.
var invalidBody = []byte(`{"user": {"id": "` + docID + `", "status": "Gone"}}`)

// validBody is a patchUser body the validator accepts.
var validBody = []byte(`{"user": {"id": "` + docID + `", "title": "t"}}`)

// raw builds a request's bytes. A Content-Length is added unless a header names the framing.
func raw(method, target string, headers []string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: specgate.test\r\n", method, target)
	framed := false
	for _, h := range headers {
		lower := strings.ToLower(h)
		framed = framed || strings.HasPrefix(lower, "content-length:") || strings.HasPrefix(lower, "transfer-encoding:")
		b.WriteString(h + "\r\n")
	}
	if !framed && body != nil {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

func gzipped(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	_, _ = w.Write(b)
	_ = w.Close()
	return out.Bytes()
}

func zlibbed(b []byte) []byte {
	var out bytes.Buffer
	w := zlib.NewWriter(&out)
	_, _ = w.Write(b)
	_ = w.Close()
	return out.Bytes()
}

func flated(b []byte) []byte {
	var out bytes.Buffer
	w, _ := flate.NewWriter(&out, flate.BestSpeed)
	_, _ = w.Write(b)
	_ = w.Close()
	return out.Bytes()
}

func brotlied(b []byte) []byte {
	var out bytes.Buffer
	w := brotli.NewWriter(&out)
	_, _ = w.Write(b)
	_ = w.Close()
	return out.Bytes()
}

func zstded(b []byte) []byte {
	e, _ := zstd.NewWriter(nil)
	defer e.Close()
	return e.EncodeAll(b, nil)
}

// bomb is an invalid body padded to 64 MiB of spaces, gzipped to about 64 KiB.
func bomb() []byte {
	var out bytes.Buffer
	w, _ := gzip.NewWriterLevel(&out, gzip.BestSpeed)
	_, _ = w.Write(invalidBody[:len(invalidBody)-1])
	pad := bytes.Repeat([]byte(" "), 1<<20)
	for range 64 {
		_, _ = w.Write(pad)
	}
	_, _ = w.Write([]byte("}"))
	_ = w.Close()
	return out.Bytes()
}

// chunked frames body as two chunks, with trailer fields after them.
func chunked(body []byte, trailers ...string) []byte {
	half := len(body) / 2
	s := fmt.Sprintf("%x\r\n%s\r\n%x\r\n%s\r\n0\r\n", half, body[:half], len(body)-half, body[half:])
	for _, t := range trailers {
		s += t + "\r\n"
	}
	return []byte(s + "\r\n")
}

// disguise is one shape of request. rule is the rule id enforce mode refuses it by and report
// mode reports; status is enforce mode's answer.
type disguise struct {
	name   string
	req    func(user string) []byte
	status int
	// rule is "" for any violation, and "-" for a request whose body never comes whole: the
	// client ends its side of the connection after it, and the exchange has no verdict.
	rule string
}

const (
	ct     = "Content-Type: application/json"
	tagHdr = "X-Disguise"
)

func disguises() []disguise {
	u := "/api/users/"
	patch := func(target string, headers []string, body []byte) func(string) []byte {
		return func(tag string) []byte {
			return raw("PATCH", target, append([]string{tagHdr + ": " + tag}, headers...), body)
		}
	}
	return []disguise{
		{"plain, the control", patch(u+docID, []string{ct}, invalidBody), 400, validator.RuleRequestBodySchema},
		// Content-Encoding
		{"gzip label on a plain body", patch(u+docID, []string{ct, "Content-Encoding: gzip"}, invalidBody), 415, validator.RuleRequestBodyEncoding},
		{"gzip", patch(u+docID, []string{ct, "Content-Encoding: gzip"}, gzipped(invalidBody)), 400, validator.RuleRequestBodySchema},
		{"x-gzip", patch(u+docID, []string{ct, "Content-Encoding: x-gzip"}, gzipped(invalidBody)), 400, validator.RuleRequestBodySchema},
		{"br label on a plain body", patch(u+docID, []string{ct, "Content-Encoding: br"}, invalidBody), 415, validator.RuleRequestBodyEncoding},
		{"br", patch(u+docID, []string{ct, "Content-Encoding: br"}, brotlied(invalidBody)), 400, validator.RuleRequestBodySchema},
		{"br with a duplicate key", patch(u+docID, []string{ct, "Content-Encoding: br"}, brotlied([]byte(`{"user": {"id": "`+docID+`", "title": "a", "title": "b"}}`))), 400, validator.RuleRequestBodyDuplicateKey},
		{"deflate label on a plain body", patch(u+docID, []string{ct, "Content-Encoding: deflate"}, invalidBody), 415, validator.RuleRequestBodyEncoding},
		{"deflate (zlib)", patch(u+docID, []string{ct, "Content-Encoding: deflate"}, zlibbed(invalidBody)), 400, validator.RuleRequestBodySchema},
		{"deflate (raw)", patch(u+docID, []string{ct, "Content-Encoding: deflate"}, flated(invalidBody)), 400, validator.RuleRequestBodySchema},
		{"zstd label on a plain body", patch(u+docID, []string{ct, "Content-Encoding: zstd"}, invalidBody), 415, validator.RuleRequestBodyEncoding},
		{"zstd", patch(u+docID, []string{ct, "Content-Encoding: zstd"}, zstded(invalidBody)), 400, validator.RuleRequestBodySchema},
		{"identity, identity", patch(u+docID, []string{ct, "Content-Encoding: identity, identity"}, invalidBody), 400, validator.RuleRequestBodySchema},
		{"gzip then br, stacked", patch(u+docID, []string{ct, "Content-Encoding: gzip, br"}, brotlied(gzipped(invalidBody))), 400, validator.RuleRequestBodySchema},
		{"gzip and br in two fields", patch(u+docID, []string{ct, "Content-Encoding: gzip", "Content-Encoding: br"}, brotlied(gzipped(invalidBody))), 400, validator.RuleRequestBodySchema},
		{"unknown coding", patch(u+docID, []string{ct, "Content-Encoding: compress"}, invalidBody), 415, validator.RuleRequestBodyEncoding},
		{"gzip followed by garbage", patch(u+docID, []string{ct, "Content-Encoding: gzip"}, append(gzipped(validBody), "{}"...)), 415, validator.RuleRequestBodyEncoding},
		{"gzip bomb, 64 MiB decoded", patch(u+docID, []string{ct, "Content-Encoding: gzip"}, bomb()), 413, validator.RuleRequestBodyNotRecorded},
		// Non-canonical paths
		{"/x/../api", patch("/x/.."+u+docID, []string{ct}, invalidBody), 400, validator.RuleRequestPathNonCanonical},
		{"/./api", patch("/."+u+docID, []string{ct}, invalidBody), 400, validator.RuleRequestPathNonCanonical},
		{"/%2e/api", patch("/%2e"+u+docID, []string{ct}, invalidBody), 400, validator.RuleRequestPathNonCanonical},
		{"/%2E%2E/api", patch("/x/%2E%2E"+u+docID, []string{ct}, invalidBody), 400, validator.RuleRequestPathNonCanonical},
		{"/api;jsessionid=1", patch("/api;jsessionid=1/users/"+docID, []string{ct}, invalidBody), 400, validator.RuleRequestPathNonCanonical},
		{"..;/ (Tomcat)", patch(u+"x/..;/"+docID, []string{ct}, invalidBody), 400, validator.RuleRequestPathNonCanonical},
		{"//api//users", patch("//api//users//"+docID, []string{ct}, invalidBody), 400, validator.RuleRequestPathNonCanonical},
		{"%61pi", patch("/%61pi/users/"+docID, []string{ct}, invalidBody), 400, validator.RuleRequestPathNonCanonical},
		{"escaped slash", patch("/api%2Fusers%2F"+docID, []string{ct}, invalidBody), 400, validator.RuleRequestPathNonCanonical},
		{"backslashes", patch(`/api\users\`+docID, []string{ct}, invalidBody), 400, validator.RuleRequestPathNonCanonical},
		{"/API/USERS, for servers that ignore case", patch("/API/USERS/"+docID, []string{ct}, invalidBody), 400, validator.RuleRequestPathNonCanonical},
		{"absolute-form target", patch("http://specgate.test"+u+docID, []string{ct}, invalidBody), 400, validator.RuleRequestBodySchema},
		// Bodies past --max-body, framing
		{"5 MiB of whitespace", patch(u+docID, []string{ct}, append(append([]byte{}, invalidBody...), bytes.Repeat([]byte(" "), 5<<20)...)), 413, validator.RuleRequestBodyNotRecorded},
		{"chunked, no Content-Length", patch(u+docID, []string{ct, "Transfer-Encoding: chunked"}, chunked(invalidBody)), 400, validator.RuleRequestBodySchema},
		{"Content-Length shorter than the body", patch(u+docID, []string{ct, "Content-Length: 10"}, invalidBody), 400, validator.RuleRequestBodyMalformed},
		{"Content-Length longer than the body", patch(u+docID, []string{ct, "Content-Length: 500"}, validBody), 400, "-"},
		{"chunked and Content-Length", patch(u+docID, []string{ct, "Transfer-Encoding: chunked", "Content-Length: 3"}, chunked(invalidBody)), 400, validator.RuleRequestBodySchema},
		{"trailer fields", patch(u+docID, []string{ct, "Transfer-Encoding: chunked", "Trailer: X-HTTP-Method-Override"}, chunked(validBody, "X-HTTP-Method-Override: DELETE")), 400, validator.RuleRequestAmbiguous},
		{"h2c upgrade", patch(u+docID, []string{ct, "Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA"}, validBody), 400, validator.RuleRequestAmbiguous},
		{"h2c upgrade, out of scope", func(tag string) []byte {
			return raw("GET", "/elsewhere", []string{tagHdr + ": " + tag, "Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA"}, nil)
		}, 400, validator.RuleRequestAmbiguous},
		// Method and URL overrides: a valid PATCH the upstream would act on as DELETE
		{"X-HTTP-Method-Override", patch(u+docID, []string{ct, "X-HTTP-Method-Override: DELETE"}, validBody), 400, validator.RuleRequestOverride},
		{"X-HTTP-Method", patch(u+docID, []string{ct, "X-HTTP-Method: DELETE"}, validBody), 400, validator.RuleRequestOverride},
		{"X-Method-Override", patch(u+docID, []string{ct, "X-Method-Override: delete"}, validBody), 400, validator.RuleRequestOverride},
		{"_method query", patch(u+docID+"?_method=DELETE", []string{ct}, validBody), 400, validator.RuleRequestOverride},
		{"_method in the body", patch(u+docID, []string{ct}, []byte(`{"_method": "DELETE", "user": {"id": "`+docID+`"}}`)), 400, validator.RuleRequestOverride},
		{"_method form field", patch(u+docID, []string{"Content-Type: application/x-www-form-urlencoded"}, []byte("_method=DELETE")), 400, validator.RuleRequestOverride},
		{"X_HTTP_Method_Override (CGI)", patch(u+docID, []string{ct, "X_HTTP_Method_Override: DELETE"}, validBody), 400, validator.RuleRequestOverride},
		{"Content_Type (CGI)", patch(u+docID, []string{ct, "Content_Type: text/plain"}, validBody), 400, validator.RuleRequestAmbiguous},
		{"X-Original-URL", patch(u+docID, []string{ct, "X-Original-URL: /admin"}, validBody), 400, validator.RuleRequestOverride},
		// Content-Type variants
		{"application/json;charset=utf-8", patch(u+docID, []string{"Content-Type: application/json;charset=utf-8"}, invalidBody), 400, validator.RuleRequestBodySchema},
		{"application/JSON", patch(u+docID, []string{"Content-Type: application/JSON"}, invalidBody), 400, validator.RuleRequestBodySchema},
		{"application/vnd.x+json", patch(u+docID, []string{"Content-Type: application/vnd.x+json"}, invalidBody), 400, validator.RuleRequestContentType},
		{"text/plain holding JSON", patch(u+docID, []string{"Content-Type: text/plain"}, invalidBody), 400, validator.RuleRequestContentType},
		{"no Content-Type", patch(u+docID, nil, invalidBody), 400, validator.RuleRequestContentType},
		{"two Content-Types", patch(u+docID, []string{"Content-Type: text/plain", ct}, validBody), 400, validator.RuleRequestAmbiguous},
		{"query with ; and a bad escape", patch(u+docID+"?a=1;b=2&c=%zz", []string{ct}, validBody), 400, validator.RuleRequestAmbiguous},
		{"lower-case method", func(tag string) []byte { return raw("patch", u+docID, []string{tagHdr + ": " + tag, ct}, invalidBody) }, 400, ""},
	}
}

// recorder is an upstream that keeps the X-Disguise tag of every request that reached it.
type recorder struct {
	mu   sync.Mutex
	tags []string
	n    int
}

func (rec *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.tags, rec.n = append(rec.tags, r.Header.Get(tagHdr)), rec.n+1
		rec.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (rec *recorder) reached(tag string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, t := range rec.tags {
		if t == tag {
			n++
		}
	}
	return n
}

func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.n
}

// frameworkLike acts on a request as common frameworks do: it ignores Content-Encoding, reads
// the path as Tomcat and Spring do (";" parameters dropped, escapes decoded, "\" as "/", dot
// segments resolved, slashes merged), honours method overrides and parses any body as JSON.
// It answers what it understood, so that a test can see a disguise at work.
func frameworkLike() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := rawPath(r)
		var segs []string
		for _, s := range strings.Split(strings.ReplaceAll(p, `\`, "/"), "/") {
			s, _, _ = strings.Cut(s, ";")
			if d, err := url.PathUnescape(s); err == nil {
				s = d
			}
			segs = append(segs, s)
		}
		p = path.Clean("/" + strings.ReplaceAll(strings.Join(segs, "/"), `\`, "/"))
		method := r.Method
		for _, h := range methodOverrideHeaders {
			if v := r.Header.Get(h); v != "" {
				method = strings.ToUpper(v)
			}
		}
		if v := r.URL.Query().Get("_method"); v != "" {
			method = strings.ToUpper(v)
		}
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"acted_on": %q, "path": %q, "body_bytes": %d}`, method, p, len(body))
	})
}

// proxyOn serves a specgate proxy (Serve, as the CLI does) for upstream on loopback.
func proxyOn(t *testing.T, upstream string, opts Options) (string, *Proxy, *logBuffer) {
	t.Helper()
	u, _ := url.Parse(upstream)
	opts.Upstream = u
	p, lb := newProxy(t, opts)
	addr, _ := serving(t, p)
	return addr, p, lb
}

// serving serves p with Serve, as the CLI does, on a loopback port until stop is called or the
// test ends; stop waits for Serve to return and fails the test on its error.
func serving(t *testing.T, p *Proxy) (addr string, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx, ln, nil) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return ln.Addr().String(), stop
}

// send writes req to addr over a fresh connection and reads the final response.
func send(t *testing.T, addr string, req []byte) (*http.Response, []byte) {
	t.Helper()
	return sendHalf(t, addr, req, false)
}

// sendHalf is send, closing the connection's write side after req when halfClose is set.
func sendHalf(t *testing.T, addr string, req []byte, halfClose bool) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	go func() { // a refused body may be left unread
		_, _ = conn.Write(req)
		if halfClose {
			_ = conn.(*net.TCPConn).CloseWrite()
		}
	}()
	br := bufio.NewReader(conn)
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("reading the response: %v", err)
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			b, _ := io.ReadAll(resp.Body)
			return resp, b
		}
	}
}

// waitLogged waits until p has finished more than before exchanges and returns the last line.
func waitLogged(t *testing.T, p *Proxy, lb *logBuffer, before uint64) logLine {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for p.Exchanges() == before {
		if time.Now().After(deadline) {
			t.Fatal("the exchange was never logged")
		}
		time.Sleep(time.Millisecond)
	}
	lines := lb.exchanges(t)
	return lines[len(lines)-1]
}

// TestHostileRequests sends every disguise through the proxy to the mock and to a
// framework-like upstream: in enforce mode none reaches either, and each is answered as the
// table says; in report mode each reaches the upstream and is reported.
func TestHostileRequests(t *testing.T) {
	upstreams := map[string]http.Handler{"mock": mock.New(mock.Options{}), "framework-like": frameworkLike()}
	for upName, up := range upstreams {
		for _, mode := range []string{"enforce", "report"} {
			t.Run(upName+"/"+mode, func(t *testing.T) {
				rec := &recorder{}
				addr, p, lb := proxyOn(t, serve(t, rec.wrap(up)), Options{EnforceRequest: mode == "enforce", EnforceResponse: mode == "enforce"})
				for i, d := range disguises() {
					tag := fmt.Sprint(i)
					before := p.Exchanges()
					resp, body := sendHalf(t, addr, d.req(tag), d.rule == "-")
					l := waitLogged(t, p, lb, before)
					if mode == "enforce" {
						if n := rec.reached(tag); n != 0 {
							t.Errorf("%s: reached the upstream in enforce mode (answered %d)", d.name, resp.StatusCode)
						}
						if resp.StatusCode != d.status || resp.Header.Get("Content-Type") != problemType {
							t.Errorf("%s: answered %d %s, want %d problem+json: %s", d.name, resp.StatusCode, resp.Header.Get("Content-Type"), d.status, body)
						}
					} else if n := rec.reached(tag); d.rule == "-" && (n != 0 || resp.StatusCode != 400) {
						t.Errorf("%s: a body that never came whole reached the upstream %d times in report mode, answered %d", d.name, n, resp.StatusCode)
					} else if n != 1 && d.rule != "-" {
						t.Errorf("%s: reached the upstream %d times in report mode, want once", d.name, n)
					}
					if d.rule == "-" {
						if l.Outcome != outcomeClientError {
							t.Errorf("%s: %s mode logged outcome %s", d.name, mode, l.Outcome)
						}
					} else if l.Verdict != "invalid" || d.rule != "" && !slices.Contains(l.rules(), d.rule) {
						t.Errorf("%s: %s mode logged verdict %s, rules %v; want %s", d.name, mode, l.Verdict, l.rules(), d.rule)
					}
				}
			})
		}
	}
}

// TestHTTP2PriorKnowledgeIsRefused: the HTTP/2 connection preface is not HTTP/1; the proxy's
// server refuses it, and nothing reaches the upstream.
func TestHTTP2PriorKnowledgeIsRefused(t *testing.T) {
	rec := &recorder{}
	addr, _, _ := proxyOn(t, serve(t, rec.wrap(frameworkLike())), Options{EnforceRequest: true})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.WriteString(conn, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
	got, _ := io.ReadAll(conn)
	if !bytes.HasPrefix(got, []byte("HTTP/1.1 4")) && !bytes.HasPrefix(got, []byte("HTTP/1.1 5")) {
		t.Errorf("the preface was answered %q", got)
	}
	if rec.count() != 0 {
		t.Errorf("%d requests reached the upstream", rec.count())
	}
}
