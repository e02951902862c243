package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/specgate/specgate/internal/report"
	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

type validateConfig struct {
	specs  stringList
	hosts  stringList
	format string
}

func (c *command) validateFlags(cfg *validateConfig) *flag.FlagSet {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Var(&cfg.specs, "spec", "OpenAPI spec `FILE` to validate against (repeatable; default: the embedded NERM and OIG specs)")
	fs.StringVar(&cfg.format, "format", report.Formats[0], "report `format`: text or json")
	fs.Var(&cfg.hosts, "host", "check only requests to hosts matching `PATTERN` (path.Match syntax, such as *.nonemployee.com; repeatable; default: every host)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: specgate validate [--spec FILE]... [--host PATTERN]... [--format text|json] [INPUT]...

Validates every exchange recorded in each INPUT, a HAR file or JSON Lines (- reads stdin), in
order. With no INPUT it validates the documented examples bundled with specgate (the vendors'
own examples, some of which break the specs as the vendors' pages declare them).

Exchanges outside every spec's base paths (a browser recording's pages, scripts and images) or
outside the --host patterns are reported as out of scope: neither valid nor invalid.

Flags:
`)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\nExit codes: 0 all valid, 1 violations found, 2 usage or input error.\n")
	}
	return fs
}

func (c *command) validate(ctx context.Context, args []string) int {
	var cfg validateConfig
	fs := c.validateFlags(&cfg)
	inputs, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return exitUsage
	}
	stdins := 0
	for _, in := range inputs {
		if in == "-" {
			stdins++
		}
	}
	if stdins > 1 {
		return c.usageError("- (stdin) can be given only once")
	}
	rep, err := report.New(c.stdout, cfg.format)
	if err != nil {
		return c.usageError("--format: %v", err)
	}
	var docs []*specs.Document
	if len(cfg.specs) > 0 {
		docs, err = specs.LoadFiles(ctx, cfg.specs...)
	} else {
		docs, err = specs.Default(ctx)
	}
	if err != nil {
		return c.usageError("%v", err)
	}
	v, err := validator.New(docs, validator.Options{Hosts: cfg.hosts})
	if err != nil {
		return c.usageError("%v", err)
	}
	r := &validateRun{c: c, v: v, rep: rep}
	if len(inputs) == 0 {
		r.examples(ctx)
	}
	for _, in := range inputs {
		if r.stopped {
			break
		}
		r.input(ctx, in)
	}
	if r.writeErr == nil {
		r.writeErr = rep.Close()
	}
	if r.writeErr != nil {
		fmt.Fprintf(c.stderr, "specgate validate: writing the report: %v\n", r.writeErr)
		return exitUsage
	}
	if err := ctx.Err(); err != nil {
		fmt.Fprintf(c.stderr, "specgate validate: stopped: %v\n", context.Cause(ctx))
		return exitUsage
	}
	s := rep.Summary()
	if s.Exchanges > 0 && s.OutOfScope == s.Exchanges {
		fmt.Fprintf(c.stderr, "specgate validate: warning: none of the %d exchanges was in scope, so nothing was checked\n", s.Exchanges)
	}
	switch {
	case s.Errors > 0:
		return exitUsage
	case s.Invalid > 0:
		return exitFindings
	}
	return exitOK
}

func (c *command) usageError(format string, args ...any) int {
	fmt.Fprintf(c.stderr, "specgate validate: "+format+"\n", args...)
	return exitUsage
}

// validateRun validates records and reports them, in input order.
type validateRun struct {
	c   *command
	v   *validator.Validator
	rep *report.Report
	// stopped is set when the context is done or the report cannot be written.
	stopped  bool
	writeErr error
}

func (r *validateRun) examples(ctx context.Context) {
	recs, err := r.c.examples(ctx)
	if err != nil {
		r.fail(report.Entry{Record: traffic.Record{File: "examples", Index: -1, Err: err}})
		return
	}
	for _, rec := range recs {
		if !r.record(ctx, rec) {
			return
		}
	}
}

// input validates every record of the recording named name ("-" for stdin).
func (r *validateRun) input(ctx context.Context, name string) {
	var in io.Reader
	display := name
	if name == "-" {
		in, display = r.c.stdin, "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			r.fail(report.Entry{Record: traffic.Record{File: name, Index: -1, Err: &traffic.Error{File: name, Index: -1, Err: unwrapPath(err)}}})
			return
		}
		defer f.Close()
		in = f
	}
	tr, err := traffic.Open(display, in)
	if err != nil {
		r.fail(entryOf(display, err))
		return
	}
	for {
		rec, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			r.fail(entryOf(display, err))
			return
		}
		if !r.record(ctx, rec) {
			return
		}
	}
}

// record validates and reports one record; it returns false when the run must stop.
func (r *validateRun) record(ctx context.Context, rec traffic.Record) bool {
	if ctx.Err() != nil {
		r.stopped = true
		return false
	}
	if rec.Err != nil {
		r.fail(report.Entry{Record: rec})
		return !r.stopped
	}
	res := r.v.Validate(ctx, rec.Exchange)
	r.add(report.Entry{Record: rec, Result: res})
	return !r.stopped
}

// fail reports an entry that could not be validated, and says so on stderr too.
func (r *validateRun) fail(e report.Entry) {
	fmt.Fprintf(r.c.stderr, "specgate validate: %v\n", e.Err)
	r.add(e)
}

func (r *validateRun) add(e report.Entry) {
	if r.writeErr != nil {
		return
	}
	if err := r.rep.Add(e); err != nil {
		r.writeErr = err
		r.stopped = true
	}
}

// entryOf turns a reader's error into a report entry at the entry or line it names.
func entryOf(file string, err error) report.Entry {
	rec := traffic.Record{File: file, Index: -1, Err: err}
	var te *traffic.Error
	if errors.As(err, &te) {
		rec.Index, rec.Line = te.Index, te.Line
	}
	return report.Entry{Record: rec}
}

// unwrapPath drops the *os.PathError wrapper, whose path the message already names.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
