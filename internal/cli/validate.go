package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/specgate/specgate/internal/bulk"
	"github.com/specgate/specgate/internal/coverage"
	"github.com/specgate/specgate/internal/message"
	"github.com/specgate/specgate/internal/report"
	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/validator"
)

type validateConfig struct {
	strict bool
	specs  stringList
	hosts  stringList
	format string
	// verbose lists out-of-scope exchanges one by one instead of only counting them.
	verbose  bool
	coverage coverageConfig
	maxBody  byteFlag
	// allowEmpty accepts a run that checked no exchange, which otherwise is an input error.
	allowEmpty bool
	failOn     string
}

func (c *command) validateFlags(cfg *validateConfig) *flag.FlagSet {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Var(&cfg.specs, "spec", "OpenAPI spec `FILE` to validate against (repeatable; default: the embedded NERM and OIG specs)")
	fs.BoolVar(&cfg.strict, "strict", false, strictUsage)
	fs.StringVar(&cfg.format, "format", report.Formats[0], formatUsage(report.Formats)+" (html: one self-contained page, coverage included)")
	cfg.coverage.register(fs)
	c.out.register(fs)
	fs.Var(&cfg.hosts, "host", "check only requests to hosts matching `PATTERN` (path.Match syntax, such as *.nonemployee.com; repeatable; default: every host)")
	cfg.maxBody = traffic.DefaultMaxBody
	fs.Var(&cfg.maxBody, "max-body", "largest recorded body read and checked, in `BYTES` (suffixes KiB, MiB, GiB); a larger one is read past, never held, and reported as not recorded")
	fs.BoolVar(&cfg.allowEmpty, "allow-empty", false, allowEmptyUsage)
	fs.StringVar(&cfg.failOn, "fail-on", "error", failOnUsage)
	fs.BoolVar(&cfg.verbose, "verbose", false, "list the out-of-scope exchanges one by one, each with its reason (default: only count them, by reason, in the summary)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: specgate validate [--spec FILE]... [--host PATTERN]... [--format FORMAT] [--fail-on LEVEL] [-o FILE] [--max-body BYTES] [--verbose] [--coverage] [--min-coverage GATE] [INPUT]...

Validates every exchange recorded in each INPUT, a HAR file or JSON Lines (- reads stdin), in
order; either may be gzip-compressed (a .har.gz). With no INPUT it reads standard input when that
is a pipe or a file holding data (cat rec.har | specgate validate), and otherwise (a terminal,
/dev/null, an empty pipe) validates the documented examples bundled with specgate (the vendors'
own examples, some of which break the specs as the vendors' pages declare them).

Exchanges outside every spec's base paths (a browser recording's pages, scripts and images) or
outside the --host patterns are out of scope: neither valid nor invalid, counted by reason in the
summary and listed with --verbose. A CORS preflight (OPTIONS with Access-Control-Request-Method)
is checked against the method it announces.

A recording is read as a stream in bounded memory, whatever its size: a body longer than
--max-body (default 4 MiB, the proxy's default) is read past without being held and reported
as not recorded (request.body.not_recorded, response.body.not_recorded), its size in the note.

Flags:
`)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\nExit codes: 0 all valid, 1 violations at or above --fail-on found or coverage below --min-coverage, 2 usage or input error (nothing checked is one, unless --allow-empty).\n")
	}
	return fs
}

func (c *command) validate(ctx context.Context, args []string) int {
	var cfg validateConfig
	fs := c.validateFlags(&cfg)
	inputs, err := c.parseInterleaved(fs, args)
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
	if len(inputs) == 0 {
		if in, ok := c.pipedStdin("validate"); ok {
			c.stdin, inputs = in, []string{"-"}
		}
	}
	failOn, err := report.ParseLevel(cfg.failOn)
	if err != nil {
		return c.usageError("--fail-on: %v", err)
	}
	if err := report.CheckFormat(cfg.format); err != nil {
		return c.usageError("--format: %v", err)
	}
	out, err := c.openOutput(c.out, cfg.format)
	if err != nil {
		return c.usageError("%v", err)
	}
	defer out.close(false) // a no-op once the report is in place
	rep, err := report.New(out.w, cfg.format)
	if err != nil {
		return c.usageError("--format: %v", err)
	}
	rep.SetVerbose(cfg.verbose)
	rep.SetColor(out.color)
	rep.SetPolicy(c.config.policyFor(failOn))
	_, v, err := loadValidator(ctx, cfg.specs, cfg.strict, validator.Options{Hosts: cfg.hosts, Observe: cfg.coverage.measured(cfg.format)},
		specNotes{w: c.notes(), all: cfg.verbose, verboseFlag: true})
	if err != nil {
		return c.usageError("%v", err)
	}
	if cfg.maxBody <= 0 {
		return c.usageError("--max-body: must be positive")
	}
	// The text report on the terminal already shows each unreadable entry; elsewhere (a file, a
	// pipe, another format) stderr says it too.
	r := &validateRun{c: c, v: v, rep: rep, progress: newProgress(c.notes()), echoErrors: !(out.onTerminal && cfg.format == "text"), maxBody: int64(cfg.maxBody)}
	r.cov = cfg.coverage.tracker(cfg.format, v)
	src := r.source(ctx, inputs)
	// The source closes its files itself, in the goroutine that reads them.
	err = bulk.Run(ctx, v, src.next, r.emit, bulk.Options{})
	r.progress.done()
	if err != nil && ctx.Err() == nil {
		r.writeErr = err
	}
	shortfalls := cfg.coverage.finish(r.cov, rep, "validate", c.stderr)
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
	if err := c.wrote("validate", out, s); err != nil {
		return c.usageError("%v", err)
	}
	short := shortfalls()
	switch {
	case s.Errors > 0:
		return exitUsage
	case s.Valid+s.Invalid == 0:
		return c.nothingChecked("validate", nothingValidated(s), cfg.allowEmpty)
	case s.Failing > 0 || len(short) > 0:
		return exitFindings
	}
	return exitOK
}

// failOnUsage is the --fail-on flag's help text for validate and replay.
const failOnUsage = "exit 1 when a violation is at or above `LEVEL` (error, warning, info or none) and no waiver accepts it; every validator rule is an error unless the configuration's rules say otherwise"

// allowEmptyUsage is the --allow-empty flag's help text, the same for validate and replay.
const allowEmptyUsage = "exit 0 when nothing was checked (no exchange, or none in scope) instead of 2: a gate that checked nothing has not passed"

// nothingValidated says why a validation run checked no exchange.
func nothingValidated(s report.Summary) string {
	if s.Exchanges == 0 {
		return "the input holds no exchange, so nothing was checked"
	}
	return fmt.Sprintf("none of the %d %s was in scope (outside every spec's base paths or the --host patterns), so nothing was checked", s.Exchanges, message.Plural(s.Exchanges, "exchange", "exchanges"))
}

// nothingChecked ends a run that checked nothing: an input error, since a CI gate that checked
// nothing must not pass, unless allowed (then a warning).
func (c *command) nothingChecked(cmd, why string, allowed bool) int {
	if allowed {
		fmt.Fprintf(c.notes(), "specgate %s: warning: %s\n", cmd, why)
		return exitOK
	}
	fmt.Fprintf(c.stderr, "specgate %s: %s (--allow-empty accepts that)\n", cmd, why)
	return exitUsage
}

func (c *command) usageError(format string, args ...any) int {
	fmt.Fprintf(c.stderr, "specgate validate: "+format+"\n", args...)
	return exitUsage
}

// validateRun reports validated records, in input order.
type validateRun struct {
	c        *command
	v        *validator.Validator
	rep      *report.Report
	cov      *coverage.Tracker // nil unless coverage is measured
	progress *progress
	writeErr error
	// echoErrors repeats each unreadable entry's error on stderr.
	echoErrors bool
	maxBody    int64
}

// emit reports one record; it returns false when the report cannot be written.
func (r *validateRun) emit(rec traffic.Record, res validator.Result) bool {
	if rec.Err != nil && r.echoErrors {
		fmt.Fprintf(r.c.stderr, "specgate validate: %v\n", rec.Err)
	}
	r.progress.add(rec)
	if r.cov != nil && rec.Err == nil {
		r.cov.Add(rec.Exchange, res)
	}
	if err := r.rep.Add(report.Entry{Record: rec, Result: res}); err != nil {
		r.writeErr = err
		return false
	}
	return true
}

// recordSource yields the records of the bundled examples (when there are no inputs) and then of
// each input in turn, from the goroutine bulk.Run reads it in. A file that cannot be opened or
// read further yields one record carrying the error.
type recordSource struct {
	ctx      context.Context
	c        *command
	inputs   []string
	pending  []traffic.Record
	tr       *traffic.Reader
	file     *os.File
	display  string
	progress *progress
	opts     traffic.Options
}

func (r *validateRun) source(ctx context.Context, inputs []string) *recordSource {
	s := &recordSource{ctx: ctx, c: r.c, inputs: inputs, progress: r.progress, opts: traffic.Options{MaxBody: r.maxBody}}
	if len(inputs) == 0 {
		recs, err := r.c.examples(ctx)
		if err != nil {
			recs = []traffic.Record{{File: "examples", Index: -1, Err: err}}
		}
		s.pending = recs
	}
	return s
}

func (s *recordSource) next() (traffic.Record, bool) {
	for {
		if len(s.pending) > 0 {
			rec := s.pending[0]
			s.pending = s.pending[1:]
			return rec, true
		}
		if s.tr == nil {
			if len(s.inputs) == 0 || s.ctx.Err() != nil {
				s.close()
				return traffic.Record{}, false
			}
			name := s.inputs[0]
			s.inputs = s.inputs[1:]
			if rec, ok := s.open(name); !ok {
				return rec, true
			}
			continue
		}
		rec, err := s.tr.Next()
		if err == nil {
			return rec, true
		}
		s.close()
		if !errors.Is(err, io.EOF) {
			return entryOf(s.display, err).Record, true
		}
	}
}

// open starts reading the recording named name ("-" for stdin); ok is false when it cannot be
// read, and rec then carries the error.
func (s *recordSource) open(name string) (rec traffic.Record, ok bool) {
	var in io.Reader
	s.display = name
	if name == "-" {
		in, s.display = s.c.stdin, "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return traffic.Record{File: name, Index: -1, Err: &traffic.Error{File: name, Index: -1, Err: message.WithoutPath(err)}}, false
		}
		s.file, in = f, f
		if st, err := f.Stat(); err == nil {
			s.progress.expect(st.Size())
		}
	}
	tr, err := traffic.OpenWith(s.display, s.progress.count(in), s.opts)
	if err != nil {
		s.close()
		return entryOf(s.display, err).Record, false
	}
	s.tr = tr
	return traffic.Record{}, true
}

func (s *recordSource) close() {
	if s.file != nil {
		s.file.Close()
		s.file = nil
	}
	s.tr = nil
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
