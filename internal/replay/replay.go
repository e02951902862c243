// Package replay sends the request of every contract to a live deployment and validates each
// response against the specs: the conformance run behind `specgate replay --target URL`.
//
// The requests are the contracts' own (package contracts): every contract whose request the
// validator must accept (documented examples, valid cases, and invalid cases whose violations are
// all in the response), each distinct request once. A request keeps its method, path, query,
// headers and body; the target's scheme and host replace the contract's, and the target's path,
// when it has one, is put in front of the contract's path (a deployment behind a path prefix).
// Credentials given in Auth replace the contract's Authorization header. The response is
// validated together with the request as the contract wrote it, so routing uses the specs' own
// server paths whatever the target is.
//
// Nothing here writes header values or bodies to logs or errors: credentials stay out of reports.
package replay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/internal/report"
	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/validator"
)

// Auth is the credentials to send, at most one kind: basic (User and Password) or a bearer Token.
// The zero Auth sends the contracts' own Authorization headers.
type Auth struct {
	User, Password string
	Token          string
}

func (a Auth) set() bool { return a.User != "" || a.Password != "" || a.Token != "" }

// String never shows a secret.
func (a Auth) String() string {
	switch {
	case a.Token != "":
		return "bearer token"
	case a.User != "" || a.Password != "":
		return "basic credentials"
	}
	return "the contracts' own credentials"
}

// Options configures a run.
type Options struct {
	// Target is the deployment's base URL: scheme, host and an optional path prefix.
	Target *url.URL
	// Auth replaces the contracts' credentials when set.
	Auth Auth
	// Client sends the requests; nil uses a client with Timeout.
	Client *http.Client
	// Timeout bounds each exchange; zero means 30 seconds.
	Timeout time.Duration
	// MaxBody bounds the response body read; zero means 64 MiB.
	MaxBody int64
}

// Case is one request to send.
type Case struct {
	// Path is the contract's path in its file system ("nerm-lifecycle/patchUser/documented-request.yaml").
	Path     string
	Contract *contracts.Contract
}

// Cases lists the contracts of fsys whose requests the validator must accept, each distinct
// request once, in path order. A contract that cannot be loaded is an error naming it.
func Cases(fsys fs.FS) ([]Case, error) {
	paths, err := contracts.Glob(fsys)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []Case
	for _, p := range paths {
		c, err := contracts.Load(fsys, p)
		if err != nil {
			return nil, err
		}
		if c.Request == nil || !requestValid(c) {
			continue
		}
		ex, err := c.Exchange()
		if err != nil {
			return nil, err
		}
		key := ex.Request.Key()
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, Case{Path: p, Contract: c})
	}
	return out, nil
}

func requestValid(c *contracts.Contract) bool {
	for _, v := range c.Expect.Violations {
		if validator.PartOf(v.Rule) != validator.PartResponse {
			return false
		}
	}
	return true
}

// Run sends every case to the target and calls add with each verdict, in order. The entry's
// Record names the contract (File is name + "/" + the case's path); an exchange that failed
// (no connection, a timeout) is an entry with Err set. Run stops early only when ctx is done or
// add returns an error.
func Run(ctx context.Context, v *validator.Validator, cases []Case, name string, opts Options, add func(report.Entry) error) error {
	if opts.Target == nil || opts.Target.Scheme == "" || opts.Target.Host == "" {
		return errors.New("the target must be an absolute URL such as https://acme.nonemployee.com")
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	maxBody := opts.MaxBody
	if maxBody == 0 {
		maxBody = 64 << 20
	}
	for i, c := range cases {
		if err := ctx.Err(); err != nil {
			return err
		}
		file := c.Path
		if name != "" {
			file = name + "/" + c.Path
		}
		rec := traffic.Record{File: file, Index: i, Comment: c.Contract.Description}
		ex, err := c.Contract.Exchange()
		if err == nil {
			rec.Exchange = ex
			var resp *validator.Response
			if resp, err = send(ctx, client, timeout, maxBody, opts, ex.Request); err == nil {
				rec.Exchange.Response = resp
			}
		}
		entry := report.Entry{Record: rec}
		if err != nil {
			entry.Err = &traffic.Error{File: file, Index: -1, Err: err}
		} else {
			entry.Result = v.Validate(ctx, rec.Exchange)
		}
		if err := add(entry); err != nil {
			return err
		}
	}
	return nil
}

// send sends one request to the target and reads the response.
func send(ctx context.Context, client *http.Client, timeout time.Duration, maxBody int64, opts Options, r *validator.Request) (*validator.Response, error) {
	u := *r.URL
	u.Scheme, u.Host, u.User = opts.Target.Scheme, opts.Target.Host, nil
	if prefix := strings.TrimSuffix(opts.Target.Path, "/"); prefix != "" {
		u.Path = prefix + u.Path
		if u.RawPath != "" {
			u.RawPath = strings.TrimSuffix(opts.Target.EscapedPath(), "/") + u.RawPath
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), bytes.NewReader(r.Body))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.Method, path.Clean(r.URL.Path), err)
	}
	req.Header = r.Header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if opts.Auth.set() {
		req.Header.Del("Authorization")
		if opts.Auth.Token != "" {
			req.Header.Set("Authorization", "Bearer "+opts.Auth.Token)
		} else {
			req.SetBasicAuth(opts.Auth.User, opts.Auth.Password)
		}
	}
	if len(r.Body) == 0 {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %s", r.Method, u.Path, transportError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the response: %s", r.Method, u.Path, transportError(err))
	}
	if int64(len(body)) > maxBody {
		return nil, fmt.Errorf("%s %s: the response body is larger than %d bytes", r.Method, u.Path, maxBody)
	}
	return &validator.Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// transportError drops the *url.Error wrapper, whose message repeats the full URL.
func transportError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
