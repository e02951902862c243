package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/specgate/specgate/internal/mock"
	"github.com/specgate/specgate/validator"
)

type mockConfig struct {
	listen       string
	jobThreshold int
	specs        stringList
	strict       bool
}

func (c *command) mockFlags(cfg *mockConfig) *flag.FlagSet {
	fs := flag.NewFlagSet("mock", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:8081", "`ADDRESS` to serve the mock APIs on")
	fs.IntVar(&cfg.jobThreshold, "job-threshold", mock.DefaultJobThreshold, "PATCH /user_profiles batches larger than `N` are answered as a queued job")
	fs.Var(&cfg.specs, "spec", "check every exchange the mock serves against the OpenAPI spec `FILE` (repeatable; a vendor's tree of files is fine) and log each one that breaks it")
	fs.BoolVar(&cfg.strict, "strict", false, strictUsage)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: specgate mock [--listen ADDRESS] [--job-threshold N] [--spec FILE]... [--strict]

Serves an in-memory stand-in for the NERM (/api) and OIG (/iam/governance/selfservice/api/v1)
endpoints, with seeded users and user profiles, behaving as the vendors' pages describe; every
response it sends validates against the embedded specs. OIG takes basic auth username:password,
as the pages' cURL examples send. Put specgate proxy in front of it to try the proxy without a
tenant: specgate proxy --upstream http://127.0.0.1:8081. One JSON log line per request goes to
stderr; SIGINT or SIGTERM stops it. With --spec, every exchange is also checked against those
specs (a vendor's newer revision, say) and each one that breaks them is logged with its
violations.

Flags:
`)
		fs.PrintDefaults()
	}
	return fs
}

func (c *command) mock(ctx context.Context, args []string) int {
	var cfg mockConfig
	fs := c.mockFlags(&cfg)
	if code, done := c.parseNoArgs(fs, args, "mock"); done {
		return code
	}
	if cfg.jobThreshold <= 0 {
		return c.failf("mock", "--job-threshold must be positive, got %d", cfg.jobThreshold)
	}
	log := slog.New(slog.NewJSONHandler(c.stderr, nil))
	var h http.Handler = mock.New(mock.Options{JobThreshold: cfg.jobThreshold, Logger: log})
	if len(cfg.specs) > 0 {
		_, v, err := loadValidator(ctx, cfg.specs, cfg.strict, validator.Options{}, specNotes{log: log})
		if err != nil {
			return c.failf("mock", "%v", err)
		}
		h = mock.Checked(h, v, log)
	}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return c.failf("mock", "--listen: %v", err)
	}
	log.Info("specgate mock listening", "listen", ln.Addr().String(), "nerm", "http://"+ln.Addr().String()+mock.NERMBase,
		"oig", "http://"+ln.Addr().String()+mock.OIGBase)
	if err := mock.Serve(ctx, ln, h); err != nil {
		return c.failf("mock", "%v", err)
	}
	return exitOK
}
