package cli

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"time"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/internal/message"
	"github.com/specgate/specgate/internal/replay"
	"github.com/specgate/specgate/internal/report"
	"github.com/specgate/specgate/validator"
)

type replayConfig struct {
	coverage  coverageConfig
	strict    bool
	target    string
	cacert    string
	specs     stringList
	contracts string
	format    string
	user      string
	timeout   time.Duration
	// allowEmpty accepts a run that replayed nothing, which otherwise is an input error.
	allowEmpty bool
	failOn     string
}

func (c *command) replayFlags(cfg *replayConfig) *flag.FlagSet {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.StringVar(&cfg.cacert, "cacert", "", fmt.Sprintf(cacertUsage, "target"))
	fs.StringVar(&cfg.target, "target", "", "base `URL` of the deployment: scheme, host and an optional path prefix (default: $SPECGATE_TARGET)")
	fs.Var(&cfg.specs, "spec", "OpenAPI spec `FILE` to validate against (repeatable; default: the embedded NERM and OIG specs)")
	fs.BoolVar(&cfg.strict, "strict", false, strictUsage)
	cfg.coverage.register(fs)
	fs.StringVar(&cfg.contracts, "contracts", "", "send the requests of the contracts in `DIR` (default: the bundled contracts)")
	fs.StringVar(&cfg.format, "format", report.Formats[0], formatUsage(report.Formats))
	fs.StringVar(&cfg.user, "user", "", "basic-auth `USER`; the password comes from $SPECGATE_PASSWORD (default: $SPECGATE_USER)")
	fs.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "time allowed for each exchange")
	fs.BoolVar(&cfg.allowEmpty, "allow-empty", false, allowEmptyUsage)
	fs.StringVar(&cfg.failOn, "fail-on", "error", failOnUsage)
	c.out.register(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: specgate replay --target URL [--user USER] [--spec FILE]... [--contracts DIR] [--format FORMAT]

Sends the request of every contract the validator accepts (documented examples and valid cases,
each distinct request once) to the deployment at URL and validates each response against the
specs: a conformance run. Credentials replace the contracts' own Authorization header: basic auth
from --user (or $SPECGATE_USER) and $SPECGATE_PASSWORD, or a bearer token from $SPECGATE_TOKEN.
They are read from the environment so that they stay out of the process list, and are never
written to the report or the log.

Flags:
`)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\nExit codes: 0 every response conforms, 1 violations found, 2 usage or input error (an exchange that failed is one).\n")
	}
	return fs
}

func (c *command) replay(ctx context.Context, args []string) int {
	var cfg replayConfig
	fs := c.replayFlags(&cfg)
	if code, done := c.parseNoArgs(fs, args, "replay"); done {
		return code
	}
	d, err := deploymentOf(cfg.target, cfg.user)
	if err != nil {
		return c.failf("replay", "%v", err)
	}
	target, auth := d.target, replay.Auth{User: d.user, Password: d.password, Token: d.token}
	tlsConf, err := trusting(cfg.cacert)
	if err != nil {
		return c.failf("replay", "--cacert: %v", err)
	}
	var client *http.Client // replay's default
	if tlsConf != nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = tlsConf
		client = &http.Client{Timeout: cfg.timeout, Transport: t}
	}
	failOn, err := report.ParseLevel(cfg.failOn)
	if err != nil {
		return c.failf("replay", "--fail-on: %v", err)
	}
	if err := report.CheckFormat(cfg.format); err != nil {
		return c.failf("replay", "--format: %v", err)
	}
	out, err := c.openOutput(c.out, cfg.format)
	if err != nil {
		return c.failf("replay", "%v", err)
	}
	defer out.close(false) // a no-op once the report is in place
	rep, err := report.New(out.w, cfg.format)
	if err != nil {
		return c.failf("replay", "--format: %v", err)
	}
	rep.SetColor(out.color)
	rep.SetPolicy(c.config.policyFor(failOn))
	echoErrors := !(out.onTerminal && cfg.format == "text")
	_, v, err := loadValidator(ctx, cfg.specs, cfg.strict, validator.Options{Observe: cfg.coverage.measured(cfg.format)}, specNotes{w: c.notes()})
	if err != nil {
		return c.failf("replay", "%v", err)
	}
	cov := cfg.coverage.tracker(cfg.format, v)
	fsys, name := contracts.Embedded(), "contracts"
	if cfg.contracts != "" {
		if fsys, err = contractsDir(cfg.contracts); err != nil {
			return c.failf("replay", "--contracts: %v", err)
		}
		name = cfg.contracts
	}
	cases, err := replay.Cases(fsys)
	if err != nil {
		return c.failf("replay", "%v", err)
	}
	if len(cases) == 0 {
		return c.nothingChecked("replay", fmt.Sprintf("%s holds no contract whose request the specs accept, so nothing was replayed", name), cfg.allowEmpty)
	}
	fmt.Fprintf(c.notes(), "specgate replay: sending %d %s to %s://%s%s with %s\n", len(cases), message.Plural(len(cases), "request", "requests"), target.Scheme, target.Host, target.Path, auth)
	err = replay.Run(ctx, v, cases, name, replay.Options{Target: target, Auth: auth, Timeout: cfg.timeout, Client: client}, func(e report.Entry) error {
		if e.Err != nil {
			if echoErrors {
				fmt.Fprintf(c.stderr, "specgate replay: %v\n", e.Err)
			}
		} else if cov != nil {
			cov.Add(e.Exchange, e.Result)
		}
		return rep.Add(e)
	})
	shortfalls := cfg.coverage.finish(cov, rep, "replay", c.stderr)
	if err == nil {
		err = rep.Close()
	}
	s := rep.Summary()
	if err == nil {
		err = c.wrote("replay", out, s)
	}
	if err != nil {
		return c.failf("replay", "%v", err)
	}
	short := shortfalls()
	switch {
	case s.Errors > 0:
		return exitUsage
	case s.Valid+s.Invalid == 0:
		return c.nothingChecked("replay", "no response was validated", cfg.allowEmpty)
	case s.Failing > 0 || len(short) > 0:
		return exitFindings
	}
	return exitOK
}
