package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/specgate/specgate/internal/diff"
	"github.com/specgate/specgate/internal/message"
	"github.com/specgate/specgate/internal/report"
)

type diffConfig struct {
	strict  bool
	traffic stringList
	format  string
	failOn  string
}

func (c *command) diffFlags(cfg *diffConfig) *flag.FlagSet {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Var(&cfg.traffic, "traffic", "replay the exchanges recorded in `FILE` (HAR or JSON Lines) against both revisions and report those valid before and not now (repeatable)")
	fs.StringVar(&cfg.format, "format", report.Formats[0], formatUsage(report.Formats))
	fs.BoolVar(&cfg.strict, "strict", false, strictUsage)
	fs.StringVar(&cfg.failOn, "fail-on", "breaking", "exit 1 when a finding is at or above `LEVEL`: breaking, warning, info or none")
	c.out.register(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: specgate diff [--traffic FILE]... [--format FORMAT] [--fail-on LEVEL] BASE REVISION

Finds the changes from BASE to REVISION that break clients: removed operations or statuses, new
required parameters or properties, narrowed request types, enums, formats or lengths, widened
responses, changed media types, security changes. BASE and REVISION are spec files, or folders
whose spec files are paired by name. Each finding has a rule id, a level (breaking, warning or
info), the operation, the file and line, and a sentence. The diff engine is oasdiff; its check
id is kept in each finding's origin.

Flags:
`)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\nExit codes: 0 clean, 1 findings at or above the fail level, 2 usage or input error.\n")
	}
	return fs
}

func (c *command) diff(ctx context.Context, args []string) int {
	var cfg diffConfig
	fs := c.diffFlags(&cfg)
	pos, err := c.parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return exitUsage
	}
	if len(pos) != 2 {
		return c.failf("diff", "want BASE and REVISION, got %d arguments (see specgate help diff)", len(pos))
	}
	if err := report.CheckFormat(cfg.format); err != nil {
		return c.failf("diff", "--format: %v", err)
	}
	failOn, err := report.ParseLevel(cfg.failOn)
	if err != nil {
		return c.failf("diff", "--fail-on: %v", err)
	}
	base, err := diff.Files(pos[0])
	if err != nil {
		return c.failf("diff", "BASE: %v", err)
	}
	rev, err := diff.Files(pos[1])
	if err != nil {
		return c.failf("diff", "REVISION: %v", err)
	}
	for _, r := range []diff.Revision{base, rev} {
		if err := checkSpecs(ctx, r.Sources, r.Roots, cfg.strict); err != nil {
			return c.failf("diff", "%v", err)
		}
	}
	res, err := diff.Compare(ctx, base, rev, diff.Options{Traffic: cfg.traffic})
	if err != nil {
		return c.failf("diff", "%v", err)
	}
	if len(cfg.traffic) > 0 {
		fmt.Fprintf(c.stderr, "specgate diff: replayed %d recorded %s: %d valid before and not now\n", res.Exchanges, message.Plural(res.Exchanges, "exchange", "exchanges"), res.Regressions)
	}
	return c.findings("diff", cfg.format, report.Findings{Command: "diff", Inputs: res.Inputs, Rules: diff.Rules, Findings: res.Findings, FailOn: failOn})
}
