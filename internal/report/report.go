// Package report formats what specgate's commands find, one writer per format (text, json,
// junit, sarif, github, html: the table in format.go, which Formats lists). Each writer writes
// both kinds of report: the verdicts of a validation run, through a Report, and the findings of a
// lint, diff or fuzz run, through WriteFindings. A Report in a format that streams writes each
// Entry as it is added, in the order added, and the summary at Close, so a run over a large
// recording never holds its results in memory.
//
// Nothing here writes header values, and URLs are shown as path and query only, with the values
// of query parameters that look like credentials (token, key, secret, password, ...) redacted.
package report

import (
	"errors"
	"io"
	"sort"
	"strings"

	"github.com/specgate/specgate/internal/coverage"
	"github.com/specgate/specgate/internal/redact"
	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/validator"
)

// Entry is one exchange of a run: the record it was read from and, when the record could be
// read, its verdict.
type Entry struct {
	traffic.Record
	// Result is the verdict; it is ignored when Record.Err is set.
	Result validator.Result
	// marks are the policy's level and waiver of each violation, set by Report.Add.
	marks []Mark
}

// mark is what the policy says of violation i: error and not waived without a policy.
func (e Entry) mark(i int) Mark {
	if i < len(e.marks) {
		return e.marks[i]
	}
	return Mark{Level: LevelError}
}

// invalid reports whether the exchange breaks the specs: a violation at level error that no
// waiver accepts. Violations the policy lowered to warnings or infos, or waived, are reported but
// leave the exchange valid.
func (e Entry) invalid() bool {
	if e.Err != nil || e.Result.OutOfScope != "" {
		return false
	}
	for i := range e.Result.Violations {
		if m := e.mark(i); m.Waived == nil && m.Level.Rank() >= 3 {
			return true
		}
	}
	return false
}

// status is the entry's verdict as reported.
func (e Entry) status() string {
	switch {
	case e.Err != nil:
		return "ERROR"
	case e.Result.OutOfScope != "":
		return "OUT OF SCOPE"
	case !e.invalid():
		return "VALID"
	}
	return "INVALID"
}

// operation is the operationId the exchange was routed to, or the one the recording named.
func (e Entry) operation() string {
	if e.Result.Operation != "" {
		return e.Result.Operation
	}
	return e.Exchange.Operation
}

// method and target are the request line as shown: "" when the exchange has no request.
func (e Entry) method() string {
	if e.Exchange.Request == nil {
		return ""
	}
	return e.Exchange.Request.Method
}

func (e Entry) target() string {
	if e.Exchange.Request == nil {
		return ""
	}
	return redact.Target(e.Exchange.Request.URL)
}

// errorMessage is the entry's error without the file and entry its report already shows.
func (e Entry) errorMessage() string {
	var te *traffic.Error
	if errors.As(e.Err, &te) && te.Err != nil {
		return te.Err.Error()
	}
	return e.Err.Error()
}

// Summary counts a run's entries. Every entry is counted in Exchanges and in exactly one of
// Valid, Invalid, Errors and OutOfScope.
type Summary struct {
	Exchanges int `json:"exchanges"`
	Valid     int `json:"valid"`
	Invalid   int `json:"invalid"`
	// Errors counts entries that could not be read or validated.
	Errors int `json:"errors"`
	// OutOfScope counts exchanges the validator did not check: outside every spec's base paths
	// (the pages, scripts and images of a browser recording) or outside the --host patterns.
	OutOfScope int `json:"out_of_scope"`
	// OutOfScopeReasons counts the out-of-scope exchanges by why they were not checked.
	OutOfScopeReasons map[string]int `json:"out_of_scope_reasons"`
	// Preflights counts the CORS preflights checked (each also counted as valid or invalid):
	// they are checked against the method they announce, not as requests of their own.
	Preflights int `json:"preflights"`
	// ByRule counts the violations of invalid exchanges by rule id.
	ByRule map[string]int `json:"by_rule"`
	// Waived counts the violations a waiver accepted, Lowered those the policy set below error
	// (not waived), and Failing those at or above FailOn that no waiver accepted: the run fails
	// when Failing is not 0.
	Waived  int   `json:"waived"`
	Lowered int   `json:"lowered"`
	Failing int   `json:"failing"`
	FailOn  Level `json:"fail_on"`
}

func (s *Summary) add(e Entry, p *Policy) {
	if s.ByRule == nil {
		s.ByRule = map[string]int{}
	}
	if s.OutOfScopeReasons == nil {
		s.OutOfScopeReasons = map[string]int{}
	}
	s.Exchanges++
	if e.Err == nil && e.Result.OutOfScope == "" && e.Result.Preflight != "" {
		s.Preflights++
	}
	switch {
	case e.Err != nil:
		s.Errors++
	case e.Result.OutOfScope != "":
		s.OutOfScope++
		s.OutOfScopeReasons[scopeReason(e)]++
	case !e.invalid():
		s.Valid++
	default:
		s.Invalid++
		for _, v := range e.Result.Violations {
			s.ByRule[v.Rule]++
		}
	}
	if e.Err != nil || e.Result.OutOfScope != "" {
		return
	}
	for i := range e.Result.Violations {
		m := e.mark(i)
		switch {
		case m.Waived != nil:
			s.Waived++
		case m.Level.Rank() < 3:
			s.Lowered++
		}
		if p.fails(m.Level, m.Waived) {
			s.Failing++
		}
	}
}

// scopeReason is why an exchange is out of scope, without the path the validator's reason starts
// with, so that the pages, scripts and images of one recording share one reason.
func scopeReason(e Entry) string {
	reason := e.Result.OutOfScope
	if r := e.Exchange.Request; r != nil && r.URL != nil {
		p := r.URL.EscapedPath()
		if p == "" {
			p = "/"
		}
		reason = strings.TrimPrefix(reason, p+" is ")
	}
	return reason
}

// coverageFormatter is a formatter that shows coverage: Close hands it the coverage set with
// SetCoverage before the summary.
type coverageFormatter interface {
	setCoverage(*coverage.Report)
}

// Report writes entries in one format and tallies them. It is not safe for concurrent use.
type Report struct {
	f       writer
	sum     Summary
	cov     *coverage.Report
	policy  *Policy
	verbose bool
	closed  bool
}

// New returns a Report writing format, one of Formats, to w. text, json and github write each
// entry as it is added; junit and sarif are single documents, written by Close, so those two
// hold the run's entries until then; html holds counts per operation and rule and a bounded
// sample of the exchanges.
func New(w io.Writer, format string) (*Report, error) {
	f, err := newWriter(w, format)
	if err != nil {
		return nil, err
	}
	return &Report{f: f, sum: Summary{ByRule: map[string]int{}, OutOfScopeReasons: map[string]int{}, FailOn: LevelError}}, nil
}

// SetPolicy makes the report give each violation the level the policy sets for its rule, mark
// those a waiver accepts, and count as failing those at or above the policy's fail level. Call
// it before the first Add.
func (r *Report) SetPolicy(p *Policy) {
	r.policy = p
	if j, ok := r.f.(*junitFormatter); ok {
		j.policy = p
	}
	if p != nil && p.FailOn != "" {
		r.sum.FailOn = p.FailOn
	}
}

// SetColor makes the text format colour verdicts and levels with ANSI escapes.
func (r *Report) SetColor(color bool) {
	if t, ok := r.f.(*textFormatter); ok {
		t.color = color
	}
}

// SetVerbose makes the report list out-of-scope exchanges one by one, each with its reason. By
// default they are only counted, by reason, in the summary: a browser recording holds more
// pages, scripts and images than API calls. Call it before the first Add.
func (r *Report) SetVerbose(verbose bool) {
	r.verbose = verbose
	if t, ok := r.f.(*textFormatter); ok {
		t.verbose = verbose
	}
}

// Add writes one entry; an out-of-scope one only when the report is verbose.
func (r *Report) Add(e Entry) error {
	if r.closed {
		return errors.New("report: Add after Close")
	}
	if e.Err == nil {
		e.marks = r.policy.marks(e)
	}
	r.sum.add(e, r.policy)
	if e.Err == nil && e.Result.OutOfScope != "" && !r.verbose {
		return nil
	}
	return r.f.entry(e)
}

// Close writes the summary. The report takes no entries after it.
func (r *Report) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if cf, ok := r.f.(coverageFormatter); ok && r.cov != nil {
		cf.setCoverage(r.cov)
	}
	return r.f.summary(r.sum)
}

// SetCoverage makes Close write cov with the summary, in every format but github (whose
// annotations are violations alone).
func (r *Report) SetCoverage(cov *coverage.Report) { r.cov = cov }

// Summary returns the counts so far.
func (r *Report) Summary() Summary { return r.sum }

// sortedRules returns the rule ids of by in descending count, then by id.
func sortedRules(by map[string]int) []string {
	ids := make([]string, 0, len(by))
	for id := range by {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if by[ids[i]] != by[ids[j]] {
			return by[ids[i]] > by[ids[j]]
		}
		return ids[i] < ids[j]
	})
	return ids
}
