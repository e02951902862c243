package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/specgate/specgate/internal/coverage"
	"github.com/specgate/specgate/internal/report"
	"github.com/specgate/specgate/validator"
)

// coverageConfig holds the coverage flags that validate and replay share.
type coverageConfig struct {
	// on adds the coverage of the specs to the report; gate, from --min-coverage, fails the run
	// below its thresholds.
	on   bool
	gate coverage.Thresholds
}

func (cc *coverageConfig) register(fs *flag.FlagSet) {
	fs.BoolVar(&cc.on, "coverage", false, "measure how much of the specs the exchanges exercised (operations, documented responses, oneOf branches, parameters, request properties, and what traffic showed that the specs do not document) and add it to the report")
	cc.registerGate(fs, "; implies --coverage")
}

// registerGate registers --min-coverage alone, for a command that always measures coverage;
// more ends its usage.
func (cc *coverageConfig) registerGate(fs *flag.FlagSet, more string) {
	fs.Func("min-coverage", "exit 1 when a coverage metric is below its percentage: `GATE` is METRIC=PERCENT pairs such as operations=100,responses=80 (metrics: "+strings.Join(coverage.Metrics, ", ")+")"+more, func(s string) error {
		gate, err := coverage.ParseThresholds(s)
		cc.gate, cc.on = gate, true
		return err
	})
}

// measured says whether coverage is measured: when asked, and always for the html page, which
// shows it and for which it costs little next to validation.
func (cc *coverageConfig) measured(format string) bool { return cc.on || format == "html" }

// tracker returns a coverage tracker of v's operations when coverage is measured, else nil.
func (cc *coverageConfig) tracker(format string, v *validator.Validator) *coverage.Tracker {
	if !cc.measured(format) {
		return nil
	}
	return coverage.New(v.Operations())
}

// finish hands the coverage to the report before it is closed and returns its shortfalls
// against --min-coverage, each written to stderr.
func (cc *coverageConfig) finish(t *coverage.Tracker, rep *report.Report, cmd string, stderr io.Writer) func() []coverage.Shortfall {
	if t == nil {
		return func() []coverage.Shortfall { return nil }
	}
	cov := t.Report()
	rep.SetCoverage(cov)
	return func() []coverage.Shortfall { return cc.shortfalls(cov, cmd, stderr) }
}

// shortfalls returns the metrics of cov below --min-coverage, each written to stderr.
func (cc *coverageConfig) shortfalls(cov *coverage.Report, cmd string, stderr io.Writer) []coverage.Shortfall {
	short := cov.Check(cc.gate)
	for _, sf := range short {
		fmt.Fprintf(stderr, "specgate %s: --min-coverage: %s\n", cmd, sf)
	}
	return short
}
