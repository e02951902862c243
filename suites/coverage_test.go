package suites_test

import (
	"fmt"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/internal/coverage"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// Coverage of the specs by the contracts: every contract's exchange is validated again by an
// observing validator and counted, and after the suite the contracts must have exercised every
// operation, every documented response and every branch of every oneOf. A run that selects
// some contracts only (a label filter, parallel processes) measures nothing worth a verdict,
// and says so.

// contractCoverage is the suite's coverage, built on first use.
var contractCoverage struct {
	once      sync.Once
	err       error
	validator *validator.Validator
	tracker   *coverage.Tracker
	mu        sync.Mutex
	counted   map[string]bool
}

func coverageTracker(ctx SpecContext) (*coverage.Tracker, *validator.Validator) {
	cc := &contractCoverage
	cc.once.Do(func() {
		docs, err := specs.Default(ctx)
		if err != nil {
			cc.err = err
			return
		}
		if cc.validator, cc.err = validator.New(docs, validator.Options{Observe: true}); cc.err != nil {
			return
		}
		cc.tracker = coverage.New(cc.validator.Operations())
		cc.counted = map[string]bool{}
	})
	Expect(cc.err).NotTo(HaveOccurred())
	return cc.tracker, cc.validator
}

var _ = Describe("Coverage", Label("offline", "coverage"), func() {
	DescribeTable("counts what each contract exercises",
		func(ctx SpecContext, path string) {
			tr, v := coverageTracker(ctx)
			c, err := contracts.Load(contracts.Embedded(), path)
			Expect(err).NotTo(HaveOccurred())
			ex, err := c.Exchange()
			Expect(err).NotTo(HaveOccurred())
			tr.Add(ex, v.Validate(ctx, ex))
			contractCoverage.mu.Lock()
			contractCoverage.counted[path] = true
			contractCoverage.mu.Unlock()
		},
		contractEntries("coverage of contracts/", "offline", "coverage"),
	)
})

var _ = AfterSuite(func() {
	cc := &contractCoverage
	paths, err := contracts.Glob(contracts.Embedded())
	Expect(err).NotTo(HaveOccurred())
	cc.mu.Lock()
	counted := len(cc.counted)
	cc.mu.Unlock()
	if cc.tracker == nil || counted < len(paths) {
		fmt.Fprintf(GinkgoWriter, "coverage: %d of %d contracts ran in this process, so coverage is not judged\n", counted, len(paths))
		return
	}
	r := cc.tracker.Report()
	gate, err := coverage.ParseThresholds("operations=100,responses=100,branches=100")
	Expect(err).NotTo(HaveOccurred())
	var problems []string
	for _, s := range r.Check(gate) {
		problems = append(problems, s.String())
	}
	for _, o := range r.Operations {
		for _, c := range o.Responses {
			if c.Exchanges == 0 {
				problems = append(problems, fmt.Sprintf("no contract of %s exercises its documented response %s", o.ID, c.Name))
			}
		}
		for _, ch := range o.Choices {
			for _, b := range ch.Branches {
				if b.Matches == 0 {
					problems = append(problems, fmt.Sprintf("no valid body of %s matches branch %d (%s) of the %s at %s:%d", o.ID, b.Index, b.Name, ch.Keyword, ch.Schema, ch.Line))
				}
			}
		}
	}
	if len(problems) > 0 {
		Fail("the contracts do not cover the specs:\n" + strings.Join(problems, "\n"))
	}
	fmt.Fprintf(GinkgoWriter, "coverage of the contracts: operations %v%%, responses %v%%, branches %v%%, parameters %v%%, properties %v%%\n",
		r.Totals.Operations.Percent, r.Totals.Responses.Percent, r.Totals.Branches.Percent, r.Totals.Parameters.Percent, r.Totals.Properties.Percent)
})
