package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/specgate/specgate/internal/coverage"
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
	t.printf("%s\n", e.status())
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
	for _, v := range e.Result.Violations {
		t.violation(v)
	}
	return t.err
}

func (t *textFormatter) violation(v validator.Violation) {
	t.printf("  %s", v.Rule)
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
	t.printf("\n%d %s: %d valid, %d invalid, %d %s", s.Exchanges, plural(s.Exchanges, "exchange", "exchanges"),
		s.Valid, s.Invalid, s.Errors, plural(s.Errors, "error", "errors"))
	if s.OutOfScope > 0 {
		t.printf(", %d out of scope", s.OutOfScope)
	}
	t.printf("\n")
	for _, id := range sortedRules(s.ByRule) {
		t.printf("  %-32s %d\n", id, s.ByRule[id])
	}
	if s.Preflights > 0 {
		t.printf("%d CORS %s, each checked against the method it announced\n", s.Preflights, plural(s.Preflights, "preflight", "preflights"))
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

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
