package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/specgate/specgate/internal/coverage"
	"github.com/specgate/specgate/internal/message"
)

// JUnit XML, as CI systems (GitHub, GitLab, Jenkins) read it: one testsuite per input file and
// one testcase per exchange (validate, replay), per finding, or per clean input (lint, diff).
// A run's coverage, when measured, is a suite of its own without cases: one property per
// metric, and the text report's coverage table as its output.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string           `xml:"name,attr"`
	Tests      int              `xml:"tests,attr"`
	Failures   int              `xml:"failures,attr"`
	Errors     int              `xml:"errors,attr"`
	Skipped    int              `xml:"skipped,attr"`
	Properties *junitProperties `xml:"properties,omitempty"`
	Cases      []junitCase      `xml:"testcase"`
	SystemOut  string           `xml:"system-out,omitempty"`
}

type junitProperties struct {
	Property []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// junitDoc gathers suites by name, in the order first seen.
type junitDoc struct {
	name   string
	suites []*junitSuite
	byName map[string]*junitSuite
	cov    *coverage.Report
}

func newJUnitDoc(name string) *junitDoc {
	return &junitDoc{name: name, byName: map[string]*junitSuite{}}
}

func (d *junitDoc) add(suite string, c junitCase) {
	s, ok := d.byName[suite]
	if !ok {
		s = &junitSuite{Name: suite}
		d.byName[suite] = s
		d.suites = append(d.suites, s)
	}
	s.Tests++
	switch {
	case c.Failure != nil:
		s.Failures++
	case c.Error != nil:
		s.Errors++
	case c.Skipped != nil:
		s.Skipped++
	}
	s.Cases = append(s.Cases, c)
}

func (d *junitDoc) write(w io.Writer) error {
	doc := junitSuites{Name: d.name}
	for _, s := range d.suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
		doc.Suites = append(doc.Suites, *s)
	}
	if d.cov != nil {
		doc.Suites = append(doc.Suites, junitCoverage(d.cov))
	}
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// junitCoverage is the coverage suite: "coverage.responses" = "10/16 62.5%" and so on.
func junitCoverage(c *coverage.Report) junitSuite {
	s := junitSuite{Name: "specgate coverage", Properties: &junitProperties{}}
	for _, name := range coverage.Metrics {
		m, _ := c.Totals.Metric(name)
		s.Properties.Property = append(s.Properties.Property, junitProperty{Name: "coverage." + name, Value: strconv.Itoa(m.Covered) + "/" + strconv.Itoa(m.Total) + " " + percent(m)})
	}
	var table strings.Builder
	(&textFormatter{w: &table}).coverageTable(c)
	s.SystemOut = strings.TrimPrefix(table.String(), "\n")
	return s
}

// findings writes one suite per input file: a passing case for a file without findings,
// and a case per finding, failed when the finding is at or above the fail level.
func (j *junitFormatter) findings(f Findings) error {
	d := newJUnitDoc("specgate " + f.Command)
	d.cov = f.Coverage
	byFile := map[string][]Finding{}
	var order []string
	for _, in := range f.Inputs {
		if _, ok := byFile[in]; !ok {
			order = append(order, in)
			byFile[in] = nil
		}
	}
	for _, x := range f.Findings {
		if _, ok := byFile[x.File]; !ok {
			order = append(order, x.File)
		}
		byFile[x.File] = append(byFile[x.File], x)
	}
	for _, file := range order {
		suite := file
		if suite == "" {
			suite = "specgate " + f.Command
		}
		xs := byFile[file]
		if len(xs) == 0 {
			d.add(suite, junitCase{Name: fmt.Sprintf("%s %s", f.Command, file), Classname: f.Command, File: file})
			continue
		}
		for _, x := range xs {
			c := junitCase{Name: findingName(x), Classname: f.Command + "." + x.Rule, File: x.File, Line: x.Line}
			text := findingText(x)
			if f.fails(x) {
				c.Failure = &junitProblem{Message: oneLine(x.Message), Type: x.Rule, Text: text}
			} else {
				c.SystemOut = text
			}
			d.add(suite, c)
		}
	}
	return d.write(j.w)
}

func findingName(x Finding) string {
	var b strings.Builder
	b.WriteString(x.Rule)
	if x.Operation != "" {
		fmt.Fprintf(&b, " [%s]", x.Operation)
	}
	if x.Pointer != "" {
		fmt.Fprintf(&b, " #%s", x.Pointer)
	}
	if x.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", x.Line)
	}
	return b.String()
}

// findingText is the body of a finding's failure: its text report without the summary.
func findingText(x Finding) string {
	var b strings.Builder
	one := Findings{Findings: []Finding{x}}
	_ = (&textFormatter{w: &b}).findings(one) // a strings.Builder does not fail
	s := b.String()
	if i := strings.LastIndex(s, "\n\n"); i >= 0 {
		s = s[:i+1]
	}
	return s
}

// junitFormatter collects a validation run and writes it at the end: one suite per recording,
// one case per exchange; invalid exchanges fail, unreadable ones are errors, out-of-scope ones
// are skipped.
type junitFormatter struct {
	w      io.Writer
	doc    *junitDoc
	policy *Policy
}

func newJUnitFormatter(w io.Writer) *junitFormatter {
	return &junitFormatter{w: w, doc: newJUnitDoc("specgate validate")}
}

func (j *junitFormatter) entry(e Entry) error {
	name := where(e) + exchangeLine(e)
	c := junitCase{Name: name, Classname: "specgate." + e.operation(), File: e.File, Line: e.Line}
	if e.operation() == "" {
		c.Classname = "specgate"
	}
	var body strings.Builder
	t := &textFormatter{w: &body}
	_ = t.entry(e) // a strings.Builder does not fail
	switch {
	case e.Err != nil:
		c.Error = &junitProblem{Message: oneLine(e.errorMessage()), Type: RuleInputError, Text: body.String()}
	case e.Result.OutOfScope != "":
		c.Skipped = &junitSkipped{Message: oneLine(e.Result.OutOfScope)}
	default:
		// A case fails on the violations at or above the fail level that no waiver accepts; the
		// others are in its output.
		var rules []string
		for i, v := range e.Result.Violations {
			if m := e.mark(i); j.policy.fails(m.Level, m.Waived) {
				rules = append(rules, v.Rule)
			}
		}
		switch {
		case len(rules) > 0:
			msg := fmt.Sprintf("%d %s: %s", len(rules), message.Plural(len(rules), "violation", "violations"), strings.Join(rules, ", "))
			c.Failure = &junitProblem{Message: msg, Type: rules[0], Text: body.String()}
		case len(e.Result.Violations) > 0:
			c.SystemOut = body.String()
		}
	}
	j.doc.add(e.File, c)
	return nil
}

func (j *junitFormatter) setCoverage(c *coverage.Report) { j.doc.cov = c }

func (j *junitFormatter) summary(Summary) error {
	return j.doc.write(j.w)
}
