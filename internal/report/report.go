// Package report formats the verdicts of a validation run, one writer per format: "text" for a
// terminal and "json" for machines. A Report streams: each Entry is written as it is added, in
// the order added, and the summary is written by Close, so a run over a large recording never
// holds its results in memory.
//
// Nothing here writes header values, and URLs are shown as path and query only, with the values
// of query parameters that look like credentials (token, key, secret, password, ...) redacted.
package report

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"

	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/validator"
)

// Entry is one exchange of a run: the record it was read from and, when the record could be
// read, its verdict.
type Entry struct {
	traffic.Record
	// Result is the verdict; it is ignored when Record.Err is set.
	Result validator.Result
}

// status is the entry's verdict as reported.
func (e Entry) status() string {
	switch {
	case e.Err != nil:
		return "ERROR"
	case e.Result.OutOfScope != "":
		return "OUT OF SCOPE"
	case e.Result.Valid():
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
	return Target(e.Exchange.Request.URL)
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
	// ByRule counts the violations of invalid exchanges by rule id.
	ByRule map[string]int `json:"by_rule"`
}

func (s *Summary) add(e Entry) {
	if s.ByRule == nil {
		s.ByRule = map[string]int{}
	}
	s.Exchanges++
	switch {
	case e.Err != nil:
		s.Errors++
	case e.Result.OutOfScope != "":
		s.OutOfScope++
	case e.Result.Valid():
		s.Valid++
	default:
		s.Invalid++
		for _, v := range e.Result.Violations {
			s.ByRule[v.Rule]++
		}
	}
}

// Formats lists the report formats that stream (each entry is written as it is added), the
// first being the default.
var Formats = []string{"text", "json", "github"}

// DocumentFormats lists the report formats written whole by Close: junit and sarif are single
// documents whose counts come first.
var DocumentFormats = []string{"junit", "sarif"}

// formatter writes one format.
type formatter interface {
	entry(Entry) error
	summary(Summary) error
}

// Report writes entries in one format and tallies them. It is not safe for concurrent use.
type Report struct {
	f      formatter
	sum    Summary
	closed bool
}

// New returns a Report writing format to w: "text", "json", "github" (workflow-command
// annotations), "junit" or "sarif". junit and sarif are single documents, written by Close, so
// those two hold the run's entries until then.
func New(w io.Writer, format string) (*Report, error) {
	var f formatter
	switch format {
	case "text":
		f = &textFormatter{w: w}
	case "json":
		f = &jsonFormatter{w: w}
	case "junit":
		f = newJUnitFormatter(w)
	case "sarif":
		f = newSARIFFormatter(w)
	case "github":
		f = &githubFormatter{w: w}
	default:
		return nil, fmt.Errorf("unknown report format %q, want one of %s", format, strings.Join(append(append([]string(nil), Formats...), DocumentFormats...), ", "))
	}
	return &Report{f: f, sum: Summary{ByRule: map[string]int{}}}, nil
}

// Add writes one entry.
func (r *Report) Add(e Entry) error {
	if r.closed {
		return errors.New("report: Add after Close")
	}
	r.sum.add(e)
	return r.f.entry(e)
}

// Close writes the summary. The report takes no entries after it.
func (r *Report) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	return r.f.summary(r.sum)
}

// Summary returns the counts so far.
func (r *Report) Summary() Summary { return r.sum }

// Target returns the path and query of u as reports show them: no scheme, host or user
// information, and the values of credential-like query parameters replaced by REDACTED.
func Target(u *url.URL) string {
	if u == nil {
		return ""
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery == "" {
		return p
	}
	parts := strings.Split(u.RawQuery, "&")
	for i, part := range parts {
		name, _, hasValue := strings.Cut(part, "=")
		if !hasValue {
			continue
		}
		if n, err := url.QueryUnescape(name); err == nil && sensitive(n) {
			parts[i] = name + "=REDACTED"
		}
	}
	return p + "?" + strings.Join(parts, "&")
}

// The values of query parameters named sensitiveNames, or with a name containing one of
// sensitiveParts (compared in lower case without '-', '_' and '.'), are redacted.
var (
	sensitiveNames = []string{"key", "sig", "code", "pass", "pwd", "jwt"}
	sensitiveParts = []string{"token", "secret", "password", "passwd", "apikey", "auth", "signature", "session", "credential", "privatekey"}
)

func sensitive(name string) bool {
	n := strings.ToLower(strings.NewReplacer("-", "", "_", "", ".", "").Replace(name))
	for _, s := range sensitiveNames {
		if n == s {
			return true
		}
	}
	for _, s := range sensitiveParts {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

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
