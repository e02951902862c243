package proxy

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/specgate/specgate/internal/mock"
	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/validator"
)

var (
	sharedValidator *validator.Validator
	validatorOnce   sync.Once
)

func testValidator(t testing.TB) *validator.Validator {
	t.Helper()
	validatorOnce.Do(func() {
		var err error
		if sharedValidator, err = validator.Default(context.Background(), validator.Options{}); err != nil {
			panic(err)
		}
	})
	return sharedValidator
}

// logBuffer collects the proxy's JSON log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// exchanges returns the "exchange" lines logged so far.
func (l *logBuffer) exchanges(t testing.TB) []logLine {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []logLine
	for _, line := range strings.Split(strings.TrimSpace(l.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var x logLine
		if err := json.Unmarshal([]byte(line), &x); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if x.Msg == "exchange" {
			out = append(out, x)
		}
	}
	return out
}

type logLine struct {
	Msg                     string                `json:"msg"`
	Level                   string                `json:"level"`
	Method                  string                `json:"method"`
	Path                    string                `json:"path"`
	Operation               string                `json:"operation"`
	Verdict                 string                `json:"verdict"`
	Outcome                 string                `json:"outcome"`
	Status                  int                   `json:"status"`
	Violations              []validator.Violation `json:"violations"`
	RequestBodyUnvalidated  string                `json:"request_body_unvalidated"`
	ResponseBodyUnvalidated string                `json:"response_body_unvalidated"`
	UpstreamError           string                `json:"upstream_error"`
	Upgrade                 string                `json:"upgrade"`
	MS                      struct {
		Total, Upstream, Validation float64
	} `json:"ms"`
}

func (l logLine) rules() []string {
	var out []string
	for _, v := range l.Violations {
		out = append(out, v.Rule)
	}
	return out
}

// harness is a proxy in front of an upstream, both on loopback.
type harness struct {
	proxy    *Proxy
	url      string
	upstream *httptest.Server
	log      *logBuffer
}

func newHarness(t *testing.T, upstream http.Handler, opts Options) *harness {
	t.Helper()
	up := httptest.NewServer(upstream)
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL)
	if opts.Upstream == nil {
		opts.Upstream = u
	}
	p, lb := newProxy(t, opts)
	front := httptest.NewServer(p)
	t.Cleanup(front.Close)
	return &harness{proxy: p, url: front.URL, upstream: up, log: lb}
}

// newProxy builds a proxy with opts, checking with the test validator unless opts names one, and
// logging as JSON to the buffer it returns.
func newProxy(t *testing.T, opts Options) (*Proxy, *logBuffer) {
	t.Helper()
	if opts.Validator == nil {
		opts.Validator = testValidator(t)
	}
	lb := &logBuffer{}
	opts.Logger = slog.New(slog.NewJSONHandler(lb, nil))
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return p, lb
}

// do sends a request through the proxy and returns the response, its body and the exchange's
// log line.
func (h *harness) do(t *testing.T, method, path string, header http.Header, body string) (*http.Response, []byte, logLine) {
	t.Helper()
	before := h.proxy.Exchanges()
	req, _ := http.NewRequest(method, h.url+path, strings.NewReader(body))
	if body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return resp, b, h.logged(t, before)
}

// logged waits for an exchange after the first before to be finished and returns the log line
// of the last one.
func (h *harness) logged(t *testing.T, before uint64) logLine {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.proxy.Exchanges() == before {
		if time.Now().After(deadline) {
			t.Fatal("the exchange was never logged")
		}
		time.Sleep(time.Millisecond)
	}
	lines := h.log.exchanges(t)
	return lines[len(lines)-1]
}

const (
	docID     = "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"
	basicAuth = "Basic dXNlcm5hbWU6cGFzc3dvcmQ="
)

var jsonCT = http.Header{"Content-Type": {"application/json"}}

// captured is what an upstream handler received and sent.
type captured struct {
	mu     sync.Mutex
	method string
	uri    string
	host   string
	header http.Header
	body   []byte
}

// capture wraps h to keep the last request it received.
func capture(c *captured, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.method, c.uri, c.host, c.header, c.body = r.Method, r.URL.RequestURI(), r.Host, r.Header.Clone(), b
		c.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		h.ServeHTTP(w, r)
	})
}

func TestReportModePassesInvalidTrafficUnchanged(t *testing.T) {
	var c captured
	// The upstream answers with the pages' own 200 example: a 36-character uid, no Date, no
	// Content-Type sniffing wanted, an odd header.
	answer := `{"user": {"id": "` + docID + `", "uid": "` + docID + `"}}`
	h := newHarness(t, capture(&c, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header()["Date"] = nil
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("X-Odd", "1")
		w.Header().Add("X-Odd", "2")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, answer)
	})), Options{})
	reqBody := `{"user": {"id": "not-a-uuid", "admin": "yes"}}`
	header := http.Header{"Content-Type": {"application/json"}, "X-Forwarded-For": {"10.0.0.1"}, "Authorization": {"Bearer t"}, "X-Many": {"a", "b"}}
	resp, body, line := h.do(t, "PATCH", "/api/users/"+docID+"?q=1", header, reqBody)

	if resp.StatusCode != 200 || string(body) != answer {
		t.Errorf("client got %d %s, want the upstream's 200 %s", resp.StatusCode, body, answer)
	}
	if got := resp.Header.Values("X-Odd"); strings.Join(got, ",") != "1,2" {
		t.Errorf("X-Odd = %q", got)
	}
	if _, has := resp.Header["Date"]; has {
		t.Error("the proxy added a Date the upstream did not send")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.method != "PATCH" || c.uri != "/api/users/"+docID+"?q=1" || string(c.body) != reqBody {
		t.Errorf("upstream got %s %s %s", c.method, c.uri, c.body)
	}
	for name, vs := range header {
		if strings.Join(c.header.Values(name), ",") != strings.Join(vs, ",") {
			t.Errorf("upstream got %s = %q, want %q", name, c.header.Values(name), vs)
		}
	}
	if line.Verdict != "invalid" || line.Outcome != "forwarded" || line.Operation != "patchUser" || line.Status != 200 {
		t.Errorf("log line: %+v", line)
	}
	if got := strings.Join(line.rules(), ","); got != "request.body.schema,request.body.schema,response.body.schema" {
		t.Errorf("rules %s, want the id format, the admin type and the uid length", got)
	}
}

func TestResponseWithoutContentTypeStaysWithout(t *testing.T) {
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header()["Content-Type"] = nil
		_, _ = io.WriteString(w, `{"error": "x"}`)
	}), Options{})
	resp, body, line := h.do(t, "PATCH", "/api/user_profiles", jsonCT, `{}`)
	if ct, has := resp.Header["Content-Type"]; has {
		t.Errorf("the proxy added Content-Type %q", ct)
	}
	if string(body) != `{"error": "x"}` {
		t.Errorf("body %s", body)
	}
	if !slices.Contains(line.rules(), validator.RuleResponseContentType) {
		t.Errorf("rules %v, want %s", line.rules(), validator.RuleResponseContentType)
	}
}

func TestEnforceRequest(t *testing.T) {
	var c captured
	h := newHarness(t, capture(&c, mock.New(mock.Options{})), Options{EnforceRequest: true})
	resp, body, line := h.do(t, "PATCH", "/api/users/"+docID, jsonCT, `{"user": {"name": "bob", "status": "Gone"}}`)
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != problemType {
		t.Fatalf("got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil || p.Status != 400 || p.Operation != "patchUser" || len(p.Violations) != 1 || p.Violations[0].Rule != validator.RuleRequestBodySchema {
		t.Errorf("problem %s (%v)", body, err)
	}
	c.mu.Lock()
	reached := c.method != ""
	c.mu.Unlock()
	if reached {
		t.Error("the invalid request reached the upstream")
	}
	if line.Outcome != "rejected" || line.Verdict != "invalid" || line.Status != 400 {
		t.Errorf("log line %+v", line)
	}
	// A valid request still goes through, and a response is not judged by the request rule.
	resp, _, line = h.do(t, "PATCH", "/api/users/"+docID, jsonCT, `{"user": {"id": "`+docID+`"}}`)
	if resp.StatusCode != 200 || line.Verdict != "valid" || line.Outcome != "forwarded" {
		t.Errorf("valid request: %d %+v", resp.StatusCode, line)
	}
}

func TestEnforceResponse(t *testing.T) {
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"user": {"uid": "`+docID+`"}}`)
	}), Options{EnforceResponse: true})
	// An invalid request passes (only responses are enforced); its invalid response does not.
	resp, body, line := h.do(t, "PATCH", "/api/users/"+docID, jsonCT, `{"user": {"admin": "yes"}}`)
	if resp.StatusCode != 502 || resp.Header.Get("Content-Type") != problemType {
		t.Fatalf("got %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil || len(p.Violations) != 1 || p.Violations[0].Instance != "/user/uid" {
		t.Errorf("problem %s", body)
	}
	if line.Outcome != "replaced" || line.Status != 502 || len(line.Violations) != 2 {
		t.Errorf("log line %+v", line)
	}
}

func TestUpstreamDownAndSlow(t *testing.T) {
	// A port nobody listens on: listen, note the address, close.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead, _ := url.Parse("http://" + ln.Addr().String())
	ln.Close()
	h := newHarness(t, http.NotFoundHandler(), Options{Upstream: dead})
	for i := 0; i < 2; i++ { // and it keeps serving
		resp, body, line := h.do(t, "PATCH", "/api/user_profiles", jsonCT, `{}`)
		if resp.StatusCode != 502 || resp.Header.Get("Content-Type") != problemType || !strings.Contains(string(body), problemUpstream) {
			t.Fatalf("got %d %s", resp.StatusCode, body)
		}
		if line.Outcome != "upstream_error" || line.UpstreamError == "" || line.Level != "ERROR" {
			t.Errorf("log line %+v", line)
		}
	}

	release := make(chan struct{})
	slow := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}), Options{UpstreamTimeout: 50 * time.Millisecond})
	defer close(release)
	resp, body, _ := slow.do(t, "PATCH", "/api/user_profiles", jsonCT, `{}`)
	if resp.StatusCode != 502 || !strings.Contains(string(body), "in time") {
		t.Errorf("slow upstream: %d %s", resp.StatusCode, body)
	}
	metrics := scrape(t, slow.proxy)
	if !strings.Contains(metrics, `specgate_proxy_upstream_errors_total{kind="timeout"} 1`) {
		t.Errorf("timeout not counted:\n%s", grep(metrics, "upstream_errors"))
	}
}

func TestLargeBodiesStreamThroughUnvalidated(t *testing.T) {
	// Enforce mode holds the response to validate it; report mode passes it on as it arrives.
	// Enforce mode refuses a request body it cannot check (TestHostileRequests) unless told not
	// to.
	for name, mode := range map[string]Options{
		"report": {MaxBody: 1024},
		"enforce, forwarding unvalidated large bodies": {MaxBody: 1024, EnforceRequest: true, EnforceResponse: true, ForwardUnvalidatedLargeBodies: true},
	} {
		t.Run(name, func(t *testing.T) {
			big := `{"user_profiles": [` + strings.Repeat(`{"relationship_type": "owner"},`, 4000) + `{}]}`
			var c captured
			h := newHarness(t, capture(&c, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, big)
			})), mode)
			resp, body, line := h.do(t, "PATCH", "/api/user_profiles", jsonCT, big)
			if resp.StatusCode != 200 || string(body) != big {
				t.Fatalf("client got %d and %d bytes, want 200 and %d", resp.StatusCode, len(body), len(big))
			}
			c.mu.Lock()
			if string(c.body) != big {
				t.Errorf("upstream got %d bytes, want %d", len(c.body), len(big))
			}
			c.mu.Unlock()
			if line.RequestBodyUnvalidated == "" || line.ResponseBodyUnvalidated == "" || line.Outcome != "forwarded" {
				t.Errorf("log line %+v", line)
			}
			if got := line.rules(); len(got) != 2 || got[0] != validator.RuleRequestBodyNotRecorded || got[1] != validator.RuleResponseBodyNotRecorded {
				t.Errorf("rules %v", got)
			}
			if !strings.Contains(line.Violations[0].Message, "1 KiB") {
				t.Errorf("message %q does not say why", line.Violations[0].Message)
			}
		})
	}
}

func TestGzipResponseIsValidatedDecodedAndPassedCompressed(t *testing.T) {
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = io.WriteString(zw, `{"user": {"uid": "`+docID+`"}}`)
	_ = zw.Close()
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(zipped.Bytes())
	}), Options{})
	resp, body, line := h.do(t, "PATCH", "/api/users/"+docID, http.Header{"Content-Type": {"application/json"}, "Accept-Encoding": {"gzip"}}, `{"user": {"id": "`+docID+`"}}`)
	if !bytes.Equal(body, zipped.Bytes()) || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("the compressed body was changed")
	}
	if got := line.rules(); len(got) != 1 || line.Violations[0].Instance != "/user/uid" {
		t.Errorf("rules %v, want the uid violation found in the decoded body", got)
	}
}

func TestPathPrefixAndOutOfScope(t *testing.T) {
	var c captured
	up := httptest.NewServer(capture(&c, mock.New(mock.Options{})))
	defer up.Close()
	u, _ := url.Parse(up.URL + "/api")
	h := newHarness(t, http.NotFoundHandler(), Options{Upstream: u})
	resp, _, line := h.do(t, "PATCH", "/users/"+docID, jsonCT, `{"user": {"id": "`+docID+`"}}`)
	c.mu.Lock()
	uri := c.uri
	c.mu.Unlock()
	if resp.StatusCode != 200 || uri != "/api/users/"+docID || line.Operation != "patchUser" || line.Verdict != "valid" {
		t.Errorf("prefixed upstream: %d, upstream got %s, log %+v", resp.StatusCode, uri, line)
	}
	plain := newHarness(t, http.NotFoundHandler(), Options{})
	resp, _, line = plain.do(t, "GET", "/favicon.ico", nil, "")
	if line.Verdict != "out_of_scope" || resp.StatusCode != 404 {
		t.Errorf("a page outside the API: %d %+v", resp.StatusCode, line)
	}
}

func TestMetrics(t *testing.T) {
	h := newHarness(t, mock.New(mock.Options{}), Options{})
	h.do(t, "PATCH", "/api/users/"+docID, jsonCT, `{"user": {"id": "`+docID+`"}}`)
	h.do(t, "PATCH", "/api/users/"+docID, jsonCT, `{"user": {"id": "`+docID+`", "admin": 1}}`)
	h.do(t, "PATCH", "/api/nowhere", jsonCT, `{}`)
	m := scrape(t, h.proxy)
	for _, want := range []string{
		`specgate_proxy_exchanges_total{operation="patchUser",verdict="valid"} 1`,
		`specgate_proxy_exchanges_total{operation="patchUser",verdict="invalid"} 1`,
		`specgate_proxy_exchanges_total{operation="none",verdict="invalid"} 1`,
		`specgate_proxy_violations_total{operation="patchUser",rule="request.body.schema"} 1`,
		`specgate_proxy_violations_total{operation="none",rule="route.not_found"} 1`,
		`specgate_proxy_validation_duration_seconds_count{part="request"} 3`,
		`specgate_proxy_validation_duration_seconds_count{part="response"} 2`,
		`specgate_proxy_upstream_errors_total{kind="unreachable"} 0`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s\n%s", want, grep(m, "specgate_"))
		}
	}
	rec := httptest.NewRecorder()
	h.proxy.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 || rec.Body.String() != "ok\n" {
		t.Errorf("healthz: %d %q", rec.Code, rec.Body.String())
	}
}

func scrape(t *testing.T, p *Proxy) string {
	t.Helper()
	rec := httptest.NewRecorder()
	p.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	return rec.Body.String()
}

func grep(s, word string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestRecordingRoundTrip records exchanges (valid, invalid, rejected, unreachable) and reads the
// recording back: the validator reaches the verdict the proxy logged, and no secret is kept.
func TestRecordingRoundTrip(t *testing.T) {
	for _, format := range []traffic.Format{traffic.FormatHAR, traffic.FormatJSONLines} {
		t.Run(string(format), func(t *testing.T) {
			var rec bytes.Buffer
			w, _ := traffic.NewWriter(&rec, format, "specgate test")
			h := newHarness(t, mock.New(mock.Options{}), Options{Recording: w, EnforceRequest: true})
			oig := http.Header{"Content-Type": {"application/json"}, "Authorization": {basicAuth}, "X-Requested-By": {"t"}, "Cookie": {"JSESSIONID=s3cr3t"}}
			var lines []logLine
			for _, c := range []struct {
				method, path string
				header       http.Header
				body         string
			}{
				{"PATCH", "/api/users/" + docID, jsonCT, `{"user": {"id": "` + docID + `", "name": "n"}}`},
				{"PATCH", "/api/users/" + docID, jsonCT, `{"user": {"name": "rejected"}}`},
				{"PUT", "/iam/governance/selfservice/api/v1/users", oig, `{"users": [{"id": "5025", "fields": [{"name": "Password", "value": "hunter2"}]}]}`},
				{"PATCH", "/iam/governance/selfservice/api/v1/users?access_token=tok3n", oig, `{"users": [{"id": "505"}]}`},
				{"GET", "/elsewhere", nil, ""},
			} {
				_, _, line := h.do(t, c.method, c.path, c.header, c.body)
				lines = append(lines, line)
			}
			if err := h.proxy.Close(); err != nil {
				t.Fatal(err)
			}
			if h.proxy.Recorded() != len(lines) {
				t.Fatalf("recorded %d, proxied %d", h.proxy.Recorded(), len(lines))
			}
			for _, secret := range []string{"hunter2", "s3cr3t", "dXNlcm5hbWU6cGFzc3dvcmQ", "tok3n"} {
				if strings.Contains(rec.String(), secret) {
					t.Errorf("the recording keeps %q", secret)
				}
			}
			r, err := traffic.Open("rec", bytes.NewReader(rec.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; ; i++ {
				record, err := r.Next()
				if errors.Is(err, io.EOF) {
					if i != len(lines) {
						t.Fatalf("read %d records, want %d", i, len(lines))
					}
					break
				}
				if err != nil || record.Err != nil {
					t.Fatalf("record %d: %v %v", i, err, record.Err)
				}
				res := testValidator(t).Validate(context.Background(), record.Exchange)
				verdict := "valid"
				switch {
				case res.OutOfScope != "":
					verdict = "out_of_scope"
				case len(res.Violations) > 0:
					verdict = "invalid"
				}
				var rules []string
				for _, v := range res.Violations {
					rules = append(rules, v.Rule)
				}
				if verdict != lines[i].Verdict || strings.Join(rules, ",") != strings.Join(lines[i].rules(), ",") {
					t.Errorf("record %d: read back %s %v, proxy logged %s %v", i, verdict, rules, lines[i].Verdict, lines[i].rules())
				}
			}
		})
	}
}

// TestServeShutsDownGracefully cancels Serve's context with exchanges in flight: they finish,
// and the recording holds as many exchanges as were proxied.
func TestServeShutsDownGracefully(t *testing.T) {
	arrived := make(chan struct{}, 16)
	release := make(chan struct{})
	inner := mock.New(mock.Options{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		inner.ServeHTTP(w, r)
	}))
	defer up.Close()
	u, _ := url.Parse(up.URL)
	var rec bytes.Buffer
	w, _ := traffic.NewWriter(&rec, traffic.FormatHAR, "specgate test")
	p, err := New(Options{Upstream: u, Validator: testValidator(t), Recording: w})
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	admin, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- p.Serve(ctx, ln, admin) }()

	const n = 5
	statuses := make(chan int, n)
	for i := 0; i < n; i++ {
		go func() {
			resp, err := http.Post("http://"+ln.Addr().String()+"/api/users/"+docID, "application/json",
				strings.NewReader(`{"user": {"id": "`+docID+`"}}`))
			if err != nil {
				statuses <- 0
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	for i := 0; i < n; i++ {
		<-arrived
	}
	cancel() // SIGINT, as far as Serve can tell
	time.Sleep(50 * time.Millisecond)
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("the proxy still accepts connections after shutdown began")
	}
	close(release)
	for i := 0; i < n; i++ {
		if s := <-statuses; s != http.StatusMethodNotAllowed { // POST is not PATCH: the mock's answer
			t.Errorf("in-flight request got %d, want the upstream's 405", s)
		}
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if p.Exchanges() != n || p.Recorded() != n {
		t.Fatalf("proxied %d, recorded %d, want %d", p.Exchanges(), p.Recorded(), n)
	}
	r, err := traffic.Open("rec.har", bytes.NewReader(rec.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the recording was not completed: %v", err)
		}
		count++
	}
	if count != n {
		t.Fatalf("the recording holds %d exchanges, want %d", count, n)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	v := testValidator(t)
	for _, o := range []Options{
		{Validator: v},
		{Upstream: &url.URL{Scheme: "ftp", Host: "x"}, Validator: v},
		{Upstream: &url.URL{Scheme: "http", Host: "x"}},
		{Upstream: &url.URL{Scheme: "http", Host: "x"}, Validator: v, MaxBody: -1},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) succeeded", o)
		}
	}
}
