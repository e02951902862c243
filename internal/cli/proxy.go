package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/specgate/specgate/internal/message"
	"github.com/specgate/specgate/internal/proxy"
	"github.com/specgate/specgate/internal/redact"
	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/validator"
)

type proxyConfig struct {
	upstream, listen, admin, mode, enforce, record string
	cacert                                         string
	specs                                          stringList
	strict, forwardLarge                           bool
	maxBody                                        byteFlag
	upstreamTimeout, readTimeout, writeTimeout     time.Duration
	idleTimeout, shutdownTimeout                   time.Duration
}

func (c *command) proxyFlags(cfg *proxyConfig) *flag.FlagSet {
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	cfg.maxBody = proxy.DefaultMaxBody
	fs.StringVar(&cfg.upstream, "upstream", "", "base `URL` of the API: scheme, host and an optional path prefix (required)")
	fs.StringVar(&cfg.cacert, "cacert", "", fmt.Sprintf(cacertUsage, "upstream"))
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:8080", "`ADDRESS` to serve the proxy on")
	fs.StringVar(&cfg.admin, "admin", "off", "`ADDRESS` to serve /metrics and /healthz on (port 0: a free port, which the log line names); off (the default) serves none, so that proxies on one host never collide")
	fs.Var(&cfg.specs, "spec", "OpenAPI spec `FILE` to validate against (repeatable; default: the embedded NERM and OIG specs)")
	fs.BoolVar(&cfg.strict, "strict", false, strictUsage)
	fs.StringVar(&cfg.mode, "mode", "", "report (log verdicts, pass everything) or enforce (block invalid traffic); default report, or enforce when --enforce is given")
	fs.StringVar(&cfg.enforce, "enforce", "", "`PARTS` enforce mode blocks: request, response or request,response (default: both)")
	fs.StringVar(&cfg.record, "record", "", "write every exchange, redacted, to `FILE`: HAR 1.2, or JSON Lines when FILE ends in .jsonl")
	fs.Var(&cfg.maxBody, "max-body", "largest body validated, in `BYTES` (suffixes KiB, MiB), as sent and decoded; larger bodies stream through unvalidated, except enforced requests: 413")
	fs.BoolVar(&cfg.forwardLarge, "forward-unvalidated-large-bodies", false, "in enforce mode, forward request bodies larger than --max-body unvalidated instead of answering 413")
	fs.DurationVar(&cfg.upstreamTimeout, "upstream-timeout", proxy.DefaultUpstreamTimeout, "time allowed for the upstream's response headers; then 502")
	fs.DurationVar(&cfg.readTimeout, "read-timeout", proxy.DefaultReadTimeout, "time allowed to read a client's request")
	fs.DurationVar(&cfg.writeTimeout, "write-timeout", proxy.DefaultWriteTimeout, "time allowed for a whole exchange, from the end of the request headers")
	fs.DurationVar(&cfg.idleTimeout, "idle-timeout", proxy.DefaultIdleTimeout, "time an idle keep-alive connection is kept")
	fs.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", proxy.DefaultShutdownTimeout, "time allowed for exchanges in flight on SIGINT or SIGTERM")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: specgate proxy --upstream URL [--listen ADDRESS] [--spec FILE]... [--mode report|enforce] [--enforce PARTS] [--record FILE]

Serves a reverse proxy in front of the API at URL and validates every exchange that passes.

In report mode (the default) traffic passes unchanged, status, headers and body, valid or not,
and each exchange's verdict is logged to stderr as one JSON line: operation, verdict, outcome,
violations (rule, instance, message) and timing in milliseconds. In enforce mode an invalid
request is answered 400 application/problem+json listing its violations and never reaches the
upstream, and an invalid response is replaced by 502 problem+json; --enforce request or
--enforce response limits enforcement to one direction. An upstream that cannot be reached or
does not answer in time gets 502 problem+json, and the proxy keeps serving.

Enforce mode also refuses what it cannot check or what an upstream may read otherwise than
checked: a request body larger than --max-body (413, unless --forward-unvalidated-large-bodies),
a Content-Encoding that does not decode (415), a non-canonical path that normalises to one in
scope, a method or URL override, a repeated Content-Type, trailers and h2c upgrades (400).
Otherwise bodies larger than --max-body stream through unvalidated, never truncated, and are
reported as such. Authorization, Cookie, Set-Cookie and credential-like fields are redacted in the
recording; logs carry no header values and no bodies. On SIGINT or SIGTERM the proxy stops
accepting connections, finishes the exchanges in flight and completes the recording.

Flags:
`)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\nExit codes: 0 after a clean shutdown, 2 for a usage error or a failure to serve or record.\n")
	}
	return fs
}

func (c *command) proxy(ctx context.Context, args []string) int {
	var cfg proxyConfig
	fs := c.proxyFlags(&cfg)
	if code, done := c.parseNoArgs(fs, args, "proxy"); done {
		return code
	}
	if cfg.upstream == "" {
		return c.failf("proxy", "--upstream is required, such as --upstream https://acme.nonemployee.com")
	}
	upstream, err := url.Parse(cfg.upstream)
	if err != nil || upstream.Scheme == "" || upstream.Host == "" {
		return c.failf("proxy", "--upstream must be an absolute URL such as https://acme.nonemployee.com")
	}
	opts := proxy.Options{
		Upstream: upstream, MaxBody: int64(cfg.maxBody), ForwardUnvalidatedLargeBodies: cfg.forwardLarge, UpstreamTimeout: cfg.upstreamTimeout,
		ReadTimeout: cfg.readTimeout, WriteTimeout: cfg.writeTimeout, IdleTimeout: cfg.idleTimeout,
		ShutdownTimeout: cfg.shutdownTimeout,
	}
	if opts.EnforceRequest, opts.EnforceResponse, err = enforcement(cfg.mode, cfg.enforce); err != nil {
		return c.failf("proxy", "%v", err)
	}
	tlsConf, err := trusting(cfg.cacert)
	if err != nil {
		return c.failf("proxy", "--cacert: %v", err)
	}
	if tlsConf != nil {
		t := proxy.NewTransport(cfg.upstreamTimeout)
		t.TLSClientConfig = tlsConf
		opts.Transport = t
	}
	log := slog.New(slog.NewJSONHandler(c.stderr, nil))
	if _, opts.Validator, err = loadValidator(ctx, cfg.specs, cfg.strict, validator.Options{}, specNotes{log: log}); err != nil {
		return c.failf("proxy", "%v", err)
	}
	opts.Logger = log
	var recording *os.File
	if cfg.record != "" {
		if recording, err = os.Create(cfg.record); err != nil {
			return c.failf("proxy", "--record: %v", message.WithoutPath(err))
		}
		defer recording.Close()
		if opts.Recording, err = traffic.NewWriter(recording, traffic.FormatOf(cfg.record), "specgate "+version()); err != nil {
			return c.failf("proxy", "--record: %v", err)
		}
	}
	p, err := proxy.New(opts)
	if err != nil {
		return c.failf("proxy", "%v", err)
	}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return c.failf("proxy", "--listen: %v", err)
	}
	var admin net.Listener
	adminAddr := "off"
	if cfg.admin != "off" && cfg.admin != "" {
		if admin, err = net.Listen("tcp", cfg.admin); err != nil {
			ln.Close()
			return c.failf("proxy", "--admin: %v", err)
		}
		adminAddr = admin.Addr().String()
	}
	log.Info("specgate proxy listening", "listen", ln.Addr().String(), "admin", adminAddr,
		"upstream", redact.URL(upstream).String(), "mode", modeName(opts), "record", cfg.record)
	err = p.Serve(ctx, ln, admin)
	if recording != nil {
		if cerr := recording.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("--record: %w", cerr)
		}
	}
	log.Info("specgate proxy stopped", "exchanges", p.Exchanges(), "recorded", p.Recorded())
	if err != nil {
		return c.failf("proxy", "%v", err)
	}
	return exitOK
}

// enforcement reads --mode and --enforce.
func enforcement(mode, parts string) (request, response bool, err error) {
	switch mode {
	case "", "enforce":
	case "report":
		if parts != "" {
			return false, false, errors.New("--enforce needs --mode enforce (report mode blocks nothing)")
		}
		return false, false, nil
	default:
		return false, false, fmt.Errorf("--mode is %q, want report or enforce", mode)
	}
	if mode == "" && parts == "" {
		return false, false, nil
	}
	if parts == "" {
		return true, true, nil
	}
	for _, p := range strings.Split(parts, ",") {
		switch strings.TrimSpace(p) {
		case "request":
			request = true
		case "response":
			response = true
		default:
			return false, false, fmt.Errorf("--enforce: %q is not request or response", p)
		}
	}
	return request, response, nil
}

func modeName(o proxy.Options) string {
	switch {
	case o.EnforceRequest && o.EnforceResponse:
		return "enforce request,response"
	case o.EnforceRequest:
		return "enforce request"
	case o.EnforceResponse:
		return "enforce response"
	}
	return "report"
}

// byteFlag is a size in bytes, given as a number with an optional KiB, MiB or GiB suffix.
type byteFlag int64

func (b *byteFlag) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *byteFlag) Set(s string) error {
	n, mult := strings.TrimSpace(s), int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(n, suffix) {
			n, mult = strings.TrimSpace(strings.TrimSuffix(n, suffix)), m
		}
	}
	v, err := strconv.ParseInt(n, 10, 64)
	if err != nil || v <= 0 {
		return fmt.Errorf("%q is not a positive size such as 4194304 or 4MiB", s)
	}
	*b = byteFlag(v * mult)
	return nil
}
