// Package proxy is specgate's validating reverse proxy: net/http/httputil.ReverseProxy plus a
// hook that validates, not a new proxy.
//
// # How an exchange goes through
//
// Proxy.ServeHTTP reads the request body once (up to Options.MaxBody), undoes its content
// codings for validation (gzip, deflate, br, zstd, stacked, each bounded by MaxBody decoded),
// judges the request as the upstream will act on it (judge.go: canonical path, overrides,
// ambiguities), and either answers it itself (enforce mode, refused request: 400, 413 or 415
// application/problem+json listing the violations; the upstream never sees it) or hands it to
// the ReverseProxy with the body restored byte for byte. Rewrite points the request at the
// upstream (httputil.ProxyRequest.SetURL), restores the client's request target byte for byte,
// and keeps the client's X-Forwarded-* headers, which ReverseProxy would otherwise drop.
// ModifyResponse lets the response body go on to the client as it arrives, keeping a copy
// that is validated, against the operation the request was routed to, once the body has passed
// whole; only when responses are enforced does it hold an in-scope response, validate it, and
// pass it on unchanged or replace it with 502 problem+json. A switched protocol (101,
// WebSocket) is not read at all: ReverseProxy copies the connection both ways. ErrorHandler
// turns an unreachable or silent upstream into 502 problem+json. When the exchange is over
// (for an upgrade, when the connection switches), one JSON log line (log/slog) gives its
// operation, verdict, violations and timing; the metrics are counted; and the exchange is
// appended to the recording, with secrets redacted.
//
// # What enforce mode refuses
//
// Beyond a request that breaks the spec, enforce mode refuses what it cannot check, and what an
// upstream may read otherwise than it was checked: a body larger than MaxBody (413, unless
// Options.ForwardUnvalidatedLargeBodies), a Content-Encoding that is unknown or does not decode
// (415), a path that is not canonical but normalises to one in scope, a method or URL override,
// a repeated Content-Type, a query Go's parser cannot read whole, trailer fields, an h2c
// upgrade or HTTP/2 preface (400). Report mode forwards each of them unchanged and reports it
// with the rule ids validator.RuleRequestBodyEncoding, RuleRequestPathNonCanonical,
// RuleRequestOverride and RuleRequestAmbiguous.
//
// # What passes unchanged
//
// In report mode the client gets the upstream's status, headers and body as sent, and the
// upstream gets the client's method, request target (byte for byte), headers and body as sent,
// valid or not: only the hop-by-hop headers of RFC 9110 (which describe one connection, not the
// exchange), the message framing, the Host header (the upstream's own), the protocol version
// and the reason phrase differ (fidelity_test.go says exactly how). The Go server's habit of
// adding a sniffed Content-Type or a Date to a response that lacks them is suppressed, a
// client that sent Expect: 100-continue gets one 100 Continue, and a response body that breaks
// off reaches the client as far as it came before its connection is aborted.
//
// # Bodies too large to validate
//
// A response body larger than Options.MaxBody, or with a coding that does not decode, streams
// through unvalidated and is never truncated; so does a response body that breaks off midway,
// and, in report mode or with ForwardUnvalidatedLargeBodies, such a request body. The verdict
// then carries the validator's *.body.not_recorded violation with a message saying why. A
// recording keeps such a body as not recorded, so `specgate validate` reaches the same verdict.
//
// A Proxy is safe for concurrent use.
package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/specgate/specgate/internal/message"
	"github.com/specgate/specgate/internal/redact"
	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/validator"
)

// DefaultMaxBody is the largest body validated when Options.MaxBody is zero.
const DefaultMaxBody = 4 << 20

// Default timeouts, used when the Options field is zero.
const (
	DefaultUpstreamTimeout   = 30 * time.Second
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 90 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultShutdownTimeout   = 30 * time.Second
)

// Options configures a Proxy. Upstream and Validator are required; every other zero value is a
// working default.
type Options struct {
	// Upstream is the API's base URL: scheme, host and an optional path prefix, which is put in
	// front of every request's path.
	Upstream *url.URL
	// Validator checks every exchange.
	Validator *validator.Validator
	// EnforceRequest answers an invalid request with 400 problem+json instead of forwarding it;
	// EnforceResponse replaces an invalid response with 502 problem+json. Both false is report
	// mode: everything passes unchanged.
	EnforceRequest, EnforceResponse bool
	// MaxBody is the largest body, in bytes, read for validation, as sent and decoded. Zero means
	// DefaultMaxBody. When requests are enforced, an in-scope request whose body is larger is
	// answered 413 problem+json, since it cannot be checked; larger response bodies, and request
	// bodies in report mode, stream through unvalidated.
	MaxBody int64
	// ForwardUnvalidatedLargeBodies lets an enforced request whose body is larger than MaxBody
	// through unvalidated instead of answering it 413.
	ForwardUnvalidatedLargeBodies bool
	// Logger receives one line per exchange (and the servers' own errors). Nil discards them.
	Logger *slog.Logger
	// Recording, when set, receives every exchange, redacted. The Proxy serialises the writes;
	// Close (and Serve, when it returns) closes the recording, which flushes it. The underlying
	// file is the caller's to close.
	Recording *traffic.Writer
	// Transport sends requests upstream. Nil means NewTransport(UpstreamTimeout).
	Transport http.RoundTripper
	// UpstreamTimeout bounds the wait for the upstream's response headers (used only when
	// Transport is nil). Zero means DefaultUpstreamTimeout.
	UpstreamTimeout time.Duration
	// The server timeouts Serve uses (see net/http.Server); zero means the Default ones.
	// WriteTimeout must exceed UpstreamTimeout, or slow answers are cut off.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// ShutdownTimeout bounds how long Serve waits for in-flight exchanges once its context is
	// done. Zero means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
}

// Proxy validates the exchanges it forwards to one upstream. Build it with New.
type Proxy struct {
	opts    Options
	rp      *httputil.ReverseProxy
	log     *slog.Logger
	reg     *prometheus.Registry
	m       *metrics
	seq     atomic.Uint64
	done    atomic.Uint64 // exchanges finished (logged, counted, recorded)
	recMu   sync.Mutex
	rec     *traffic.Writer
	recErr  error
	closed  bool
	maxBody int64
}

// NewTransport returns the transport a Proxy uses by default: http.DefaultTransport's settings,
// with compression left to the client (so bodies pass as the upstream sent them), a bound on
// the wait for response headers, and enough idle connections for a busy proxy.
func NewTransport(upstreamTimeout time.Duration) *http.Transport {
	if upstreamTimeout <= 0 {
		upstreamTimeout = DefaultUpstreamTimeout
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DisableCompression = true
	t.ResponseHeaderTimeout = upstreamTimeout
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.MaxIdleConns = 512
	t.MaxIdleConnsPerHost = 256
	return t
}

// New builds a Proxy.
func New(opts Options) (*Proxy, error) {
	if opts.Upstream == nil || opts.Upstream.Scheme == "" || opts.Upstream.Host == "" {
		return nil, errors.New("the upstream must be an absolute URL such as https://acme.nonemployee.com")
	}
	if opts.Upstream.Scheme != "http" && opts.Upstream.Scheme != "https" {
		return nil, fmt.Errorf("the upstream's scheme is %q, want http or https", opts.Upstream.Scheme)
	}
	if opts.Validator == nil {
		return nil, errors.New("the proxy needs a validator")
	}
	if opts.MaxBody < 0 {
		return nil, fmt.Errorf("the body limit must not be negative, got %d", opts.MaxBody)
	}
	p := &Proxy{opts: opts, log: opts.Logger, rec: opts.Recording, maxBody: opts.MaxBody}
	if p.maxBody == 0 {
		p.maxBody = DefaultMaxBody
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	transport := opts.Transport
	if transport == nil {
		transport = NewTransport(opts.UpstreamTimeout)
	}
	p.reg = prometheus.NewRegistry()
	p.m = newMetrics(p.reg)
	p.rp = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.errorHandler,
		Transport:      transport,
		ErrorLog:       slog.NewLogLogger(p.log.Handler(), slog.LevelWarn),
		BufferPool:     copyBuffers{},
	}
	return p, nil
}

// copyBuffers lends the ReverseProxy the buffers it copies response bodies through, which it
// would otherwise allocate, 32 KiB each, for every exchange.
type copyBuffers struct{}

var copyBufferPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (copyBuffers) Get() []byte  { return *copyBufferPool.Get().(*[]byte) }
func (copyBuffers) Put(b []byte) { copyBufferPool.Put(&b) }

// Exchanges returns the number of exchanges finished so far: answered, logged, counted and
// (with a recording) recorded.
func (p *Proxy) Exchanges() uint64 { return p.done.Load() }

// stateKey carries an exchange's state from ServeHTTP to the ReverseProxy's hooks.
type stateKey struct{}

// exchange is the state of one exchange.
type exchange struct {
	id     uint64
	start  time.Time
	in     *http.Request
	target *url.URL

	req          validator.Request
	reqBody      body   // the request body as read
	reqSkipped   string // why the request body was not validated
	reqResult    validator.Result
	reqValidTime time.Duration

	resp          *validator.Response
	respBody      body // the response body as read
	respSkipped   string
	respResult    []validator.Violation
	respValidTime time.Duration
	respPending   bool     // report mode: the response is validated in finish
	tee           *teeBody // the response body as it passes on, when it is not held first

	upstreamStart time.Time
	upstreamTime  time.Duration
	upstreamErr   string
	errKind       string

	status  int
	outcome string
	upgrade string // the protocol the connection switched to, if it did

	w clientWriter // what the ReverseProxy writes the client's answer to

	finished bool // logged, counted and recorded
}

// The outcomes of an exchange, as logged.
const (
	outcomeForwarded     = "forwarded"
	outcomeRejected      = "rejected"           // enforce: request refused, 400, 413 or 415
	outcomeReplaced      = "replaced"           // enforce: invalid response replaced by 502
	outcomeUpstreamError = "upstream_error"     // no answer from the upstream: 502
	outcomeClientError   = "client_error"       // the request body could not be read
	outcomeCanceled      = "canceled"           // the client went away first
	outcomeBrokenOff     = "upstream_broke_off" // the response body broke off: the client's connection was aborted
)

// ServeHTTP validates and forwards one exchange.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := &exchange{id: p.seq.Add(1), start: time.Now(), in: r, outcome: outcomeForwarded}
	defer p.finish(x)
	x.target = p.targetOf(r)
	x.req = validator.Request{Method: r.Method, URL: x.target, Header: r.Header}
	// Reading the body makes the server send the client its 100 Continue; the upstream's, which
	// ReverseProxy passes on, is then a second one.
	x.w = clientWriter{ResponseWriter: w, continued: r.Body != nil && r.Body != http.NoBody && expectsContinue(r.Header)}

	body, err := readBody(r.Body, r.ContentLength, p.maxBody)
	if err != nil {
		x.outcome, x.status = outcomeClientError, http.StatusBadRequest
		x.req.BodyNotRecorded = true
		writeProblem(w, Problem{Type: problemBadBody, Title: "The request body could not be read", Status: http.StatusBadRequest,
			Detail: "reading the request body failed: " + err.Error()})
		return
	}
	r.Body = body.reader
	x.reqBody = body
	var skip int
	x.req.Body, skip, x.reqSkipped = decodeForValidation(body, r.Header, p.maxBody)
	if x.reqSkipped != "" {
		x.req.Body, x.req.BodyNotRecorded = nil, true
	}
	t0 := time.Now()
	x.reqResult = p.judge(r, x)
	x.reqValidTime = time.Since(t0)
	p.m.validation.WithLabelValues(string(validator.PartRequest)).Observe(x.reqValidTime.Seconds())
	explainSkipped(x.reqResult.Violations, validator.RuleRequestBodyNotRecorded, "request", x.reqSkipped)
	if skip == skipEncoding {
		relabel(x.reqResult.Violations, validator.RuleRequestBodyNotRecorded, validator.RuleRequestBodyEncoding)
	}

	if p.opts.EnforceRequest {
		if pr, ok := p.refusal(r, x); ok {
			x.outcome, x.status = outcomeRejected, pr.Status
			writeProblem(w, pr)
			return
		}
	}
	// Suppress what the Go server would add to a response that lacks it: the upstream's headers
	// are copied over these, and an absent one stays absent.
	h := w.Header()
	h["Content-Type"] = nil
	h["Date"] = nil
	p.rp.ServeHTTP(&x.w, r.WithContext(context.WithValue(r.Context(), stateKey{}, x)))
}

// refusal returns the problem an enforced request is answered with instead of being forwarded,
// if it is refused: 415 for a body whose encoding cannot be undone, 413 for one too large to
// check (unless Options.ForwardUnvalidatedLargeBodies), 400 for any other violation. A request
// out of scope passes, except an h2c upgrade: once the connection switches, every request on
// it would pass unseen.
func (p *Proxy) refusal(r *http.Request, x *exchange) (Problem, bool) {
	res := x.reqResult
	if res.OutOfScope != "" && !has(res.Violations, validator.RuleRequestAmbiguous) {
		return Problem{}, false
	}
	target := func() string { return r.Method + " " + redact.Target(r.URL) }
	switch {
	case has(res.Violations, validator.RuleRequestBodyEncoding):
		return Problem{Type: problemEncoding, Title: "The request body's encoding cannot be checked", Status: http.StatusUnsupportedMediaType,
			Detail:    fmt.Sprintf("%s was not sent upstream: its body cannot be checked, since %s", target(), x.reqSkipped),
			Operation: res.Operation, Violations: res.Violations}, true
	case has(res.Violations, validator.RuleRequestBodyNotRecorded) && !p.opts.ForwardUnvalidatedLargeBodies:
		return Problem{Type: problemTooLarge, Title: "The request body is too large to check", Status: http.StatusRequestEntityTooLarge,
			Detail:    fmt.Sprintf("%s was not sent upstream: its body cannot be checked, since %s (--max-body; --forward-unvalidated-large-bodies lets it through)", target(), x.reqSkipped),
			Operation: res.Operation, Violations: res.Violations}, true
	case blocking(res.Violations):
		n := len(res.Violations)
		return Problem{Type: problemInvalidRequest, Title: "The request breaks the API's contract", Status: http.StatusBadRequest,
			Detail:    fmt.Sprintf("%s breaks %d %s of the spec; it was not sent upstream", target(), n, message.Plural(n, "rule", "rules")),
			Operation: res.Operation, Violations: res.Violations}, true
	}
	return Problem{}, false
}

// targetOf returns the upstream URL of r, joined exactly as the ReverseProxy joins it.
func (p *Proxy) targetOf(r *http.Request) *url.URL {
	u := *r.URL
	pr := httputil.ProxyRequest{In: r, Out: &http.Request{URL: &u}}
	pr.SetURL(p.opts.Upstream)
	return pr.Out.URL
}

// forwarded are the headers ReverseProxy removes before Rewrite; a transparent proxy keeps them.
var forwarded = []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"}

func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(p.opts.Upstream)
	forwardTarget(pr, p.opts.Upstream)
	for _, name := range forwarded {
		if v, ok := pr.In.Header[name]; ok {
			pr.Out.Header[name] = v
		}
	}
	if x, ok := pr.In.Context().Value(stateKey{}).(*exchange); ok {
		x.upstreamStart = time.Now()
	}
}

func (p *Proxy) modifyResponse(resp *http.Response) error {
	x, ok := resp.Request.Context().Value(stateKey{}).(*exchange)
	if !ok {
		return nil
	}
	x.upstreamTime = time.Since(x.upstreamStart)
	x.status = resp.StatusCode
	if resp.StatusCode == http.StatusSwitchingProtocols {
		// The connection is upgraded (WebSocket, h2c): from now on ReverseProxy copies bytes both
		// ways for as long as both ends keep it open (hijacking lifts the server's timeouts). Its
		// body is that connection, not an HTTP body, so nothing is read or validated. The
		// exchange, the handshake, is finished here.
		x.upgrade = resp.Header.Get("Upgrade")
		x.resp = &validator.Response{Status: resp.StatusCode, Header: resp.Header.Clone()}
		p.finish(x)
		return nil
	}
	res := x.reqResult
	inScope := res.Operation != "" && res.Preflight == "" && res.OutOfScope == ""
	x.resp = &validator.Response{Status: resp.StatusCode, Header: resp.Header}
	if !inScope || !p.opts.EnforceResponse {
		// The verdict changes nothing the client gets: the body goes on as it arrives, and is
		// checked in finish, once the client has it, so validation adds nothing to its latency.
		if resp.Body != nil && resp.Body != http.NoBody {
			x.tee = newTeeBody(resp.Body, p.maxBody, &x.w)
			resp.Body = x.tee
		}
		x.respPending = inScope
		return nil
	}
	body, err := readBody(resp.Body, resp.ContentLength, p.maxBody)
	if err != nil {
		return fmt.Errorf("reading the upstream's response body: %w", err)
	}
	resp.Body = body.reader
	x.setResponseBody(body, p.maxBody)
	p.validateResponse(x, resp.Request.Context())
	if !blocking(x.respResult) {
		return nil
	}
	_ = resp.Body.Close()
	problem := Problem{Type: problemInvalidResponse, Title: "The upstream's response breaks the API's contract", Status: http.StatusBadGateway,
		Detail:    fmt.Sprintf("the upstream answered %d, which breaks %d %s of the spec; the response was withheld", resp.StatusCode, len(x.respResult), message.Plural(len(x.respResult), "rule", "rules")),
		Operation: res.Operation, Violations: x.respResult}
	b := problem.marshal()
	resp.StatusCode, resp.Status = http.StatusBadGateway, "502 Bad Gateway"
	resp.Header = http.Header{"Content-Type": {problemType}, "Content-Length": {fmt.Sprint(len(b))}}
	resp.Body, resp.ContentLength, resp.Trailer = io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
	x.outcome, x.status = outcomeReplaced, http.StatusBadGateway
	return nil
}

// setResponseBody takes the body the response had, as validation and the recording see it.
func (x *exchange) setResponseBody(b body, limit int64) {
	x.respBody = b
	x.resp.Body, _, x.respSkipped = decodeForValidation(b, x.resp.Header, limit)
	if x.tee != nil && !x.tee.whole && x.respSkipped == "" {
		x.respSkipped = "it did not arrive whole: the upstream or the client broke off"
	}
	if x.respSkipped != "" {
		x.resp.Body, x.resp.BodyNotRecorded = nil, true
	}
}

// validateResponse checks the response read into x against the operation of its request.
func (p *Proxy) validateResponse(x *exchange, ctx context.Context) {
	t0 := time.Now()
	r := p.opts.Validator.Validate(ctx, validator.Exchange{Operation: x.reqResult.Operation, Response: x.resp})
	x.respValidTime = time.Since(t0)
	p.m.validation.WithLabelValues(string(validator.PartResponse)).Observe(x.respValidTime.Seconds())
	x.respResult = r.Violations
	explainSkipped(x.respResult, validator.RuleResponseBodyNotRecorded, "response", x.respSkipped)
}

func (p *Proxy) errorHandler(w http.ResponseWriter, r *http.Request, err error) {
	x, _ := r.Context().Value(stateKey{}).(*exchange)
	if x == nil {
		x = &exchange{}
	}
	if !x.upstreamStart.IsZero() && x.upstreamTime == 0 {
		x.upstreamTime = time.Since(x.upstreamStart)
	}
	x.resp, x.respResult = nil, nil // whatever was read of a response is not what the client got
	if r.Context().Err() != nil && errors.Is(err, context.Canceled) {
		x.outcome, x.status, x.upstreamErr = outcomeCanceled, 499, "the client went away before the upstream answered"
		w.WriteHeader(http.StatusBadGateway) // nobody reads it; the connection is gone
		return
	}
	x.outcome, x.status = outcomeUpstreamError, http.StatusBadGateway
	x.errKind = errorKind(err)
	x.upstreamErr = err.Error()
	detail := "the upstream could not be reached: " + err.Error()
	if x.errKind == "timeout" {
		detail = "the upstream did not answer in time: " + err.Error()
	}
	p.m.upstreamErrors.WithLabelValues(x.errKind).Inc()
	writeProblem(w, Problem{Type: problemUpstream, Title: "The upstream did not answer", Status: http.StatusBadGateway,
		Detail: detail, Operation: x.reqResult.Operation})
}

// errorKind sorts upstream errors for the metrics: timeout, unreachable (no connection) or
// error (the connection broke, or the answer was not HTTP).
func errorKind(err error) string {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return "unreachable"
	}
	return "error"
}

// blocking reports whether vs holds a violation enforce mode acts on: any but a body too large
// (or too compressed) to check.
func blocking(vs []validator.Violation) bool {
	for _, v := range vs {
		if v.Rule != validator.RuleRequestBodyNotRecorded && v.Rule != validator.RuleResponseBodyNotRecorded {
			return true
		}
	}
	return false
}

// has reports whether vs holds a violation of rule.
func has(vs []validator.Violation, rule string) bool {
	for _, v := range vs {
		if v.Rule == rule {
			return true
		}
	}
	return false
}

// relabel gives the violations of rule the rule id to instead.
func relabel(vs []validator.Violation, rule, to string) {
	for i := range vs {
		if vs[i].Rule == rule {
			vs[i].Rule = to
		}
	}
}

// explainSkipped rewrites the validator's "not recorded" message, which speaks of recordings,
// to say why the proxy did not validate the body.
func explainSkipped(vs []validator.Violation, rule, part, why string) {
	if why == "" {
		return
	}
	for i := range vs {
		if vs[i].Rule == rule {
			vs[i].Message = fmt.Sprintf("the %s body was passed through unvalidated: %s", part, why)
		}
	}
}

// verdict is the exchange's verdict as logged and counted.
func (x *exchange) verdict() string {
	switch {
	case x.reqResult.OutOfScope != "" && len(x.reqResult.Violations) == 0:
		return "out_of_scope"
	case len(x.reqResult.Violations) > 0 || len(x.respResult) > 0:
		return "invalid"
	}
	return "valid"
}

func (x *exchange) violations() []validator.Violation {
	if len(x.respResult) == 0 {
		return x.reqResult.Violations
	}
	out := make([]validator.Violation, 0, len(x.reqResult.Violations)+len(x.respResult))
	return append(append(out, x.reqResult.Violations...), x.respResult...)
}

// finish logs, counts and records an exchange once the client has its answer.
func (p *Proxy) finish(x *exchange) {
	if x.finished {
		return
	}
	x.finished = true
	total := time.Since(x.start)
	if x.tee != nil && x.resp != nil {
		x.setResponseBody(x.tee.body(), p.maxBody)
		if err := x.tee.broke; err != nil && x.outcome == outcomeForwarded {
			x.outcome, x.upstreamErr = outcomeBrokenOff, "the response body broke off: "+err.Error()
			if errors.Is(err, context.Canceled) && x.in.Context().Err() != nil {
				x.outcome, x.upstreamErr = outcomeCanceled, "the client went away before the response body had passed"
			}
		}
	}
	if x.respPending && x.resp != nil {
		p.validateResponse(x, context.WithoutCancel(x.in.Context()))
	}
	verdict := x.verdict()
	vs := x.violations()
	op := x.reqResult.Operation
	label := op
	if label == "" {
		label = "none"
	}
	p.m.exchanges.WithLabelValues(label, verdict).Inc()
	for _, v := range vs {
		p.m.violations.WithLabelValues(label, v.Rule).Inc()
	}
	switch x.outcome {
	case outcomeRejected:
		p.m.enforced.WithLabelValues(string(validator.PartRequest)).Inc()
	case outcomeReplaced:
		p.m.enforced.WithLabelValues(string(validator.PartResponse)).Inc()
	}
	if x.reqSkipped != "" {
		p.m.unvalidated.WithLabelValues(string(validator.PartRequest)).Inc()
	}
	if x.respSkipped != "" {
		p.m.unvalidated.WithLabelValues(string(validator.PartResponse)).Inc()
	}
	p.logExchange(x, verdict, vs, total)
	p.record(x, total)
	p.done.Add(1)
}

func (p *Proxy) logExchange(x *exchange, verdict string, vs []validator.Violation, total time.Duration) {
	level := slog.LevelInfo
	switch {
	case x.outcome == outcomeUpstreamError || x.outcome == outcomeBrokenOff:
		level = slog.LevelError
	case verdict == "invalid" || x.outcome == outcomeClientError:
		level = slog.LevelWarn
	}
	ctx := context.Background()
	if !p.log.Enabled(ctx, level) {
		return
	}
	if vs == nil {
		vs = []validator.Violation{}
	}
	attrs := make([]slog.Attr, 0, 16)
	attrs = append(attrs,
		slog.Uint64("exchange", x.id),
		slog.String("method", x.in.Method),
		slog.String("path", redact.Target(x.in.URL)),
		slog.String("operation", x.reqResult.Operation),
		slog.String("verdict", verdict),
		slog.String("outcome", x.outcome),
		slog.Int("status", x.status),
		slog.Any("violations", vs),
	)
	if x.reqResult.OutOfScope != "" {
		attrs = append(attrs, slog.String("out_of_scope", x.reqResult.OutOfScope))
	}
	if x.reqResult.Preflight != "" {
		attrs = append(attrs, slog.String("preflight", x.reqResult.Preflight))
	}
	if x.reqSkipped != "" {
		attrs = append(attrs, slog.String("request_body_unvalidated", x.reqSkipped))
	}
	if x.respSkipped != "" {
		attrs = append(attrs, slog.String("response_body_unvalidated", x.respSkipped))
	}
	if x.upstreamErr != "" {
		attrs = append(attrs, slog.String("upstream_error", x.upstreamErr))
	}
	if x.upgrade != "" {
		attrs = append(attrs, slog.String("upgrade", x.upgrade))
	}
	attrs = append(attrs, slog.Group("ms",
		slog.Float64("total", ms(total)),
		slog.Float64("upstream", ms(x.upstreamTime)),
		slog.Float64("validation", ms(x.reqValidTime+x.respValidTime)),
	))
	p.log.LogAttrs(ctx, level, "exchange", attrs...)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
