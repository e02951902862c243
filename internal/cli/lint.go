package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/internal/lint"
	"github.com/specgate/specgate/internal/message"
	"github.com/specgate/specgate/internal/report"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

type lintConfig struct {
	strict      bool
	contracts   string
	noContracts bool
	format      string
	failOn      string
	oneOfBudget int
}

func (c *command) lintFlags(cfg *lintConfig) *flag.FlagSet {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.StringVar(&cfg.contracts, "contracts", "", "check the contracts in `DIR` (<spec>/<operationId>/<kind>-<name>.yaml) against the specs (default: the bundled contracts when no SPEC is given)")
	fs.BoolVar(&cfg.noContracts, "no-contracts", false, "check no contracts")
	fs.BoolVar(&cfg.strict, "strict", false, "treat the defects specgate can repair (spec.repair.* findings) as refusing the specs: exit 2 after reporting every one")
	fs.StringVar(&cfg.format, "format", report.Formats[0], formatUsage(report.Formats))
	fs.StringVar(&cfg.failOn, "fail-on", "error", "exit 1 when a finding is at or above `LEVEL`: error, warning, info or none")
	fs.IntVar(&cfg.oneOfBudget, "oneof-budget", lint.DefaultOneOfBudget, "`STEPS` the witness search may take per oneOf; a oneOf not decided within them is reported as lint.oneof.undecided")
	c.out.register(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: specgate lint [--contracts DIR] [--format FORMAT] [--fail-on LEVEL] [--oneof-budget STEPS] [SPEC]...

Checks each SPEC (default: the embedded NERM and OIG specs) against the official OpenAPI JSON
Schema of its version and kin-openapi's validation, reports $refs that do not resolve, checks
every example against its schema, and searches every oneOf for an instance two branches accept
(printed as the witness), within --oneof-budget steps per oneOf. With the embedded specs, or with --contracts, it also
validates every contract's exchange and compares the verdict with the contract's.

Flags:
`)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\nExit codes: 0 clean, 1 findings at or above the fail level, 2 usage or input error.\n")
	}
	return fs
}

func (c *command) lint(ctx context.Context, args []string) int {
	var cfg lintConfig
	fs := c.lintFlags(&cfg)
	files, err := c.parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return exitUsage
	}
	if err := report.CheckFormat(cfg.format); err != nil {
		return c.failf("lint", "--format: %v", err)
	}
	failOn, err := report.ParseLevel(cfg.failOn)
	if err != nil {
		return c.failf("lint", "--fail-on: %v", err)
	}
	if cfg.oneOfBudget <= 0 {
		return c.failf("lint", "--oneof-budget: want a positive number of steps, got %d", cfg.oneOfBudget)
	}
	in := lint.Embedded()
	opts := lint.Options{OneOfBudget: cfg.oneOfBudget}
	if len(files) > 0 {
		if in, err = lint.Files(files...); err != nil {
			return c.failf("lint", "%v", err)
		}
	} else if !cfg.noContracts {
		opts.Contracts, opts.ContractsName = contracts.Embedded(), "contracts"
	}
	if cfg.contracts != "" && !cfg.noContracts {
		fsys, err := contractsDir(cfg.contracts)
		if err != nil {
			return c.failf("lint", "--contracts: %v", err)
		}
		opts.Contracts, opts.ContractsName = fsys, cfg.contracts
	}
	for _, root := range in.Roots {
		if err := specs.CheckDocument(in.Sources, root); err != nil {
			return c.failf("lint", "%v", err)
		}
	}
	res, err := lint.Lint(ctx, in, opts)
	if err != nil {
		return c.failf("lint", "%v", err)
	}
	code := c.findings("lint", cfg.format, report.Findings{Command: "lint", Inputs: res.Inputs, Rules: lint.Rules, Findings: res.Findings, FailOn: failOn})
	if cfg.strict {
		// The documents lint loaded: loading them again would read and parse every file twice.
		docs, err := res.Documents()
		if err == nil {
			err = specs.Strict(docs)
		}
		if err != nil {
			return c.failf("lint", "--strict: %v", err)
		}
		var defects []string
		for _, f := range res.Findings {
			if strings.HasPrefix(f.Rule, "spec.repair.") || isLoadRule(f.Rule) {
				defects = append(defects, fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Message))
			}
		}
		if len(defects) > 0 {
			return c.failf("lint", "--strict: the specs have %d %s that strict mode refuses to repair:\n  %s", len(defects), message.Plural(len(defects), "defect", "defects"), strings.Join(defects, "\n  "))
		}
	}
	return code
}

// isLoadRule reports whether rule is one of the validator's load findings, which --strict
// refuses in lint as in the commands that validate.
func isLoadRule(rule string) bool {
	for _, r := range validator.LoadRules {
		if r.ID == rule {
			return true
		}
	}
	return false
}

// contractsDir opens a folder of contracts.
func contractsDir(dir string) (fs.FS, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, message.WithoutPath(err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	return os.DirFS(dir), nil
}

// findings writes a lint or diff report and returns the exit code: 1 when a finding is at or
// above the fail level.
func (c *command) findings(cmd, format string, f report.Findings) int {
	c.config.policyFor(f.FailOn).Apply(&f)
	if code, done := c.writeFindings(cmd, format, &f); done {
		return code
	}
	if n := f.Failing(); n > 0 {
		if format != "text" && c.out.file == "" {
			fmt.Fprintf(c.notes(), "specgate %s: %d %s at or above %s\n", cmd, n, message.Plural(n, "finding", "findings"), f.FailOn)
		}
		return exitFindings
	}
	return exitOK
}

func (c *command) failf(cmd, format string, args ...any) int {
	fmt.Fprintf(c.stderr, "specgate "+cmd+": "+format+"\n", args...)
	return exitUsage
}
