package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/specgate/specgate/internal/coverage"
	"github.com/specgate/specgate/internal/message"
	"github.com/specgate/specgate/validator"
)

// textFormatter writes one group of lines per exchange:
//
//	trace.har entry 3: PATCH /api/users/0f3c... → patchUser: INVALID
//	  response.body.schema /user/uid: /user/uid must be exactly 32 characters, got 36
//	    at specs/nerm-lifecycle.yaml#/components/schemas/Uid/maxLength:222
//
// and a summary at the end.
type textFormatter struct {
	w   io.Writer
	err error
	cov *coverage.Report
	// verbose is set when out-of-scope exchanges are listed, so the summary need not say how
	// to list them.
	verbose bool
	// color wraps verdicts and levels in ANSI colours, for a terminal.
	color bool
}

// ANSI SGR sequences the text format colours with.
const (
	ansiReset  = "\033[0m"
	ansiRed    = "\033[1;31m"
	ansiGreen  = "\033[32m"
	ansiYellow = "\033[33m"
	ansiCyan   = "\033[36m"
	ansiDim    = "\033[2m"
)

// paint wraps s in an ANSI colour when the formatter colours.
func (t *textFormatter) paint(color, s string) string {
	if !t.color || s == "" {
		return s
	}
	return color + s + ansiReset
}

// level shows a finding's level, "waived" first when a waiver accepts it.
func (t *textFormatter) level(l Level, w *Waiver) string {
	if w != nil {
		return t.paint(ansiDim, "waived "+string(l))
	}
	switch l.Rank() {
	case 3:
		return t.paint(ansiRed, string(l))
	case 2:
		return t.paint(ansiYellow, string(l))
	}
	return t.paint(ansiCyan, string(l))
}

// waiver shows why a finding is waived, and where the waiver is.
func (t *textFormatter) waiver(indent string, w *Waiver) {
	if w == nil {
		return
	}
	t.printf("%swaived: %s", indent, oneLine(w.Reason))
	if w.Source != "" {
		t.printf(" (%s)", w.Source)
	}
	t.printf("\n")
}

// verdict shows an entry's status, coloured.
func (t *textFormatter) verdict(e Entry) string {
	s := e.status()
	switch s {
	case "VALID":
		return t.paint(ansiGreen, s)
	case "INVALID", "ERROR":
		return t.paint(ansiRed, s)
	}
	return t.paint(ansiDim, s)
}

func (t *textFormatter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

// where returns the location of a record as reports show it: "trace.har entry 3" or
// "trace.jsonl line 12", or the file alone when the entry stands for the whole file.
func where(e Entry) string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("%s line %d", e.File, e.Line)
	case e.Index < 0:
		return e.File
	}
	return fmt.Sprintf("%s entry %d", e.File, e.Index)
}

func (t *textFormatter) entry(e Entry) error {
	t.printf("%s: ", where(e))
	switch {
	case e.method() != "":
		t.printf("%s %s", e.method(), e.target())
		if e.Result.Preflight != "" {
			t.printf(" (CORS preflight for %s)", e.Result.Preflight)
		}
		if op := e.operation(); op != "" {
			t.printf(" → %s", op)
		}
		t.printf(": ")
	case e.operation() != "":
		t.printf("response of %s: ", e.operation())
	}
	t.printf("%s\n", t.verdict(e))
	if e.Comment != "" {
		t.printf("  comment: %s\n", oneLine(e.Comment))
	}
	if e.Note != "" {
		t.printf("  note: %s\n", e.Note)
	}
	if e.Err != nil {
		t.printf("  error: %s\n", e.errorMessage())
		return t.err
	}
	if e.Result.OutOfScope != "" {
		t.printf("  out of scope: %s\n", e.Result.OutOfScope)
		return t.err
	}
	for i, v := range e.Result.Violations {
		m := e.mark(i)
		t.markedViolation(v, m)
	}
	return t.err
}

// markedViolation writes a violation with its level when the policy lowered it, or as waived.
func (t *textFormatter) markedViolation(v validator.Violation, m Mark) {
	if m.Waived == nil && m.Level.Rank() == 3 {
		t.violation(v)
		return
	}
	t.labelled(t.level(m.Level, m.Waived)+" ", v)
	t.waiver("    ", m.Waived)
}

func (t *textFormatter) violation(v validator.Violation) { t.labelled("", v) }

// labelled writes a violation, its rule id after label.
func (t *textFormatter) labelled(label string, v validator.Violation) {
	t.printf("  %s%s", label, v.Rule)
	if v.Instance != "" {
		t.printf(" %s", v.Instance)
	}
	t.printf(": %s\n", oneLine(v.Message))
	t.at("    ", v.Schema, v.Line)
	for _, b := range v.Branches {
		verdict := "does not match"
		if b.Matched {
			verdict = "matches"
		}
		t.printf("    branch %d %s: %s\n", b.Index, b.Name, verdict)
		for _, be := range b.Errors {
			t.printf("      %s: %s\n", pointer(be.Instance), oneLine(be.Message))
			t.at("        ", be.Schema, be.Line)
		}
	}
}

func (t *textFormatter) at(indent, schema string, line int) {
	switch {
	case schema == "":
	case line > 0:
		t.printf("%sat %s:%d\n", indent, schema, line)
	default:
		t.printf("%sat %s\n", indent, schema)
	}
}

func (t *textFormatter) summary(s Summary) error {
	t.printf("\n%d %s: %d valid, %d invalid, %d %s", s.Exchanges, message.Plural(s.Exchanges, "exchange", "exchanges"),
		s.Valid, s.Invalid, s.Errors, message.Plural(s.Errors, "error", "errors"))
	if s.OutOfScope > 0 {
		t.printf(", %d out of scope", s.OutOfScope)
	}
	t.printf("\n")
	if s.Waived > 0 || s.Lowered > 0 {
		t.printf("%d %s waived, %d below error; %d at or above %s\n", s.Waived, message.Plural(s.Waived, "violation", "violations"), s.Lowered, s.Failing, s.FailOn)
	}
	for _, id := range sortedRules(s.ByRule) {
		t.printf("  %-32s %d\n", id, s.ByRule[id])
	}
	if s.Preflights > 0 {
		t.printf("%d CORS %s, each checked against the method it announced\n", s.Preflights, message.Plural(s.Preflights, "preflight", "preflights"))
	}
	if s.OutOfScope > 0 {
		hint := " (--verbose lists them)"
		if t.verbose {
			hint = ""
		}
		t.printf("%d out of scope, not checked%s:\n", s.OutOfScope, hint)
		for _, reason := range sortedRules(s.OutOfScopeReasons) {
			t.printf("  %5d  %s\n", s.OutOfScopeReasons[reason], oneLine(reason))
		}
	}
	if t.cov != nil {
		t.coverageTable(t.cov)
	}
	return t.err
}

// pointer shows the JSON pointer "" (the whole document) as "(root)".
func pointer(p string) string {
	if p == "" {
		return "(root)"
	}
	return p
}

// oneLine keeps a multi-line message on its line of the report.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
