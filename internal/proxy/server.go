package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/specgate/specgate/internal/redact"
	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/validator"
)

// Serve serves the proxy on ln and, when admin is not nil, the admin endpoints (AdminHandler) on
// admin, until ctx is done. Then it stops accepting connections, waits for the exchanges in
// flight to finish (at most Options.ShutdownTimeout), and closes the recording, so that every
// exchange proxied is recorded. It returns nil after a clean shutdown, or the error that ended
// serving: a listener that failed, a shutdown that timed out, a recording that could not be
// written.
func (p *Proxy) Serve(ctx context.Context, ln, admin net.Listener) error {
	errLog := slog.NewLogLogger(p.log.Handler(), slog.LevelWarn)
	srv := &http.Server{
		Handler:           p,
		ReadHeaderTimeout: orDefault(p.opts.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		ReadTimeout:       orDefault(p.opts.ReadTimeout, DefaultReadTimeout),
		WriteTimeout:      orDefault(p.opts.WriteTimeout, DefaultWriteTimeout),
		IdleTimeout:       orDefault(p.opts.IdleTimeout, DefaultIdleTimeout),
		ErrorLog:          errLog,
	}
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if admin != nil {
		asrv := &http.Server{Handler: p.AdminHandler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
			WriteTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second, ErrorLog: errLog}
		servers = append(servers, asrv)
		go func() { errc <- asrv.Serve(admin) }()
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), orDefault(p.opts.ShutdownTimeout, DefaultShutdownTimeout))
	defer cancel()
	var errs []error
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		errs = append(errs, fmt.Errorf("serving: %w", serveErr))
	}
	for _, s := range servers {
		if err := s.Shutdown(shutdownCtx); err != nil {
			errs = append(errs, fmt.Errorf("shutting down with exchanges in flight: %w", err))
		}
	}
	if err := p.Close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Close closes the recording, which flushes it; exchanges finished afterwards are no longer
// recorded (and counted in specgate_proxy_recording_errors_total). It returns the first error
// the recording met, if any.
func (p *Proxy) Close() error {
	p.recMu.Lock()
	defer p.recMu.Unlock()
	if p.closed {
		return p.recErr
	}
	p.closed = true
	if p.rec != nil {
		if err := p.rec.Close(); err != nil && p.recErr == nil {
			p.recErr = fmt.Errorf("recording: %w", err)
		}
	}
	return p.recErr
}

// Recorded returns the number of exchanges written to the recording.
func (p *Proxy) Recorded() int {
	p.recMu.Lock()
	defer p.recMu.Unlock()
	if p.rec == nil {
		return 0
	}
	return p.rec.Count()
}

// record appends x to the recording, redacted: what the upstream received (the request as sent
// to the upstream URL) and what it answered. An exchange the upstream never answered is
// recorded without a response, saying why, so that `specgate validate` judges the request
// alone, as the proxy did.
func (p *Proxy) record(x *exchange, total time.Duration) {
	if p.rec == nil {
		return
	}
	req := &validator.Request{
		Method: x.in.Method, URL: redact.URL(x.target), Header: redact.Header(x.in.Header),
		Body: redact.Body(x.in.Header.Get("Content-Type"), x.req.Body), BodyNotRecorded: x.req.BodyNotRecorded,
	}
	if x.reqSkipped == "" && len(x.req.Body) > 0 && len(x.in.Header.Values("Content-Encoding")) > 0 {
		req.Header.Del("Content-Encoding") // the body is kept decoded
	}
	e := traffic.Entry{Started: x.start, Time: total, RequestBodySize: x.reqBody.size(), Exchange: validator.Exchange{Request: req}}
	if x.resp != nil {
		e.Exchange.Response = &validator.Response{
			Status: x.resp.Status, Header: redact.Header(x.resp.Header),
			Body: redact.Body(x.resp.Header.Get("Content-Type"), x.resp.Body), BodyNotRecorded: x.resp.BodyNotRecorded,
		}
		e.ResponseBodySize = x.respBody.size()
		if x.outcome == outcomeReplaced {
			e.Comment = "specgate proxy replaced this response by 502 (enforce mode)"
		}
	} else {
		switch x.outcome {
		case outcomeRejected:
			e.NoResponse = "not sent upstream: specgate proxy rejected the request (enforce mode)"
		case outcomeClientError:
			e.NoResponse = "not sent upstream: the request body could not be read"
		default:
			e.NoResponse = "no response from the upstream: " + x.upstreamErr
		}
	}
	p.recMu.Lock()
	defer p.recMu.Unlock()
	if p.closed {
		p.m.recordErrors.Inc()
		return
	}
	err := p.rec.Write(e)
	if err == nil {
		err = p.rec.Flush()
	}
	if err != nil {
		p.m.recordErrors.Inc()
		if p.recErr == nil {
			p.recErr = fmt.Errorf("recording: %w", err)
			p.log.Error("the recording cannot be written; exchanges are no longer recorded", "error", err.Error())
		}
	}
}
