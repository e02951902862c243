package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/specgate/specgate/internal/coverage"
	"github.com/specgate/specgate/internal/message"
	"github.com/specgate/specgate/rules"
	"github.com/specgate/specgate/validator"
)

// Level is how serious a finding or a violation is: the levels of the rule tables. Lint
// findings are errors, warnings or infos; diff findings are breaking, warnings or infos; a
// validator violation is an error unless a policy lowers it. It is an alias, so that a rule's
// level and a finding's are one type.
type Level = rules.Level

// The levels, from most to least serious.
const (
	LevelError    = rules.Error
	LevelBreaking = rules.Breaking
	LevelWarning  = rules.Warning
	LevelInfo     = rules.Info
	// LevelNone is a fail level only: nothing reaches it, so a run never fails on findings.
	LevelNone = rules.None
)

// ParseLevel reads a --fail-on value: breaking, error, warning, info or none.
func ParseLevel(s string) (Level, error) {
	switch l := Level(s); l {
	case LevelError, LevelBreaking, LevelWarning, LevelInfo, LevelNone:
		return l, nil
	}
	return "", fmt.Errorf("unknown level %q, want breaking, error, warning, info or none", s)
}

// Finding is one problem that lint found in a spec or a contract, or one change that diff found
// between two revisions of a spec. It is data: writers format it per format, and tests assert on
// Rule, File and Pointer, never on Message.
type Finding struct {
	// Rule is a stable rule id ("lint.oneof.ambiguous", "diff.operation.removed").
	Rule string `json:"rule"`
	// Level is error, breaking, warning or info.
	Level Level `json:"level"`
	// File is the display name of the file the finding is in (a spec, a contract, a recording).
	File string `json:"file,omitempty"`
	// Pointer is a JSON pointer into File ("" when the finding is about the whole file).
	Pointer string `json:"pointer,omitempty"`
	// Line is the 1-based line of Pointer in File, 0 when unknown.
	Line int `json:"line,omitempty"`
	// Operation names the operation concerned: "PATCH /users/{id} (patchUser)".
	Operation string `json:"operation,omitempty"`
	// Message is one plain sentence a user can act on.
	Message string `json:"message"`
	// Origin names the upstream check that produced the finding, such as "oasdiff:api-removed-without-deprecation".
	Origin string `json:"origin,omitempty"`
	// Witness is an instance that proves the finding (for an ambiguous oneOf: a value two
	// branches accept).
	Witness any `json:"witness,omitempty"`
	// Details are further sentences (one per line of a contract mismatch, say).
	Details []string `json:"details,omitempty"`
	// Violations are the validator's violations behind the finding (an exchange that a
	// revision of a spec no longer accepts).
	Violations []validator.Violation `json:"violations,omitempty"`
	// Waived is the waiver that accepts the finding: it is reported, marked so, and does not
	// fail the run.
	Waived *Waiver `json:"waived,omitempty"`
}

// Findings is what a lint or diff run reports.
type Findings struct {
	// Command is the subcommand that found them: "lint" or "diff".
	Command string
	// Inputs are the files that were checked, so that clean files show in reports too.
	Inputs []string
	// Rules lists the rule ids the command can report, for the reports that list rules (SARIF).
	Rules []rules.Rule
	// Findings are the findings, in the order to report them.
	Findings []Finding
	// FailOn is the level at and above which a finding fails the run; junit reports lower ones
	// as passed test cases.
	FailOn Level
	// Color makes the text format colour levels with ANSI escapes (for a terminal).
	Color bool
	// Coverage is what the exchanges of a run that sent some (fuzz) exercised of the specs; nil
	// for none. Every format shows it as it shows the coverage of an exchange report.
	Coverage *coverage.Report
}

// Failing counts the findings at or above the fail level.
func (f *Findings) Failing() int {
	n := 0
	for _, x := range f.Findings {
		if f.fails(x) {
			n++
		}
	}
	return n
}

func (f *Findings) fails(x Finding) bool {
	return (&Policy{FailOn: f.FailOn}).fails(x.Level, x.Waived)
}

// WriteFindings writes f to w in format, one of Formats.
func WriteFindings(w io.Writer, format string, f Findings) error {
	fw, err := newWriter(w, format)
	if err != nil {
		return err
	}
	return fw.findings(f)
}

// counts tallies findings by level.
func (f *Findings) counts() map[Level]int {
	c := map[Level]int{}
	for _, x := range f.Findings {
		c[x.Level]++
	}
	return c
}

// position is "file:line", "file" or "" for a finding.
func (x Finding) position() string {
	switch {
	case x.File == "":
		return ""
	case x.Line > 0:
		return fmt.Sprintf("%s:%d", x.File, x.Line)
	}
	return x.File
}

// witnessJSON is the witness as compact JSON.
func (x Finding) witnessJSON() string {
	if x.Witness == nil {
		return ""
	}
	b, err := marshal(x.Witness, "")
	if err != nil {
		return fmt.Sprint(x.Witness)
	}
	return strings.Join(strings.Fields(string(b)), " ")
}

// findings writes one group of lines per finding:
//
//	specs/x.yaml:58: error lint.oneof.ambiguous at #/paths/...: branches 0 and 1 both accept the witness
//	  witness: {}
//
// and a summary line.
func (t *textFormatter) findings(f Findings) error {
	t.color = f.Color
	for _, x := range f.Findings {
		if pos := x.position(); pos != "" {
			t.printf("%s: ", pos)
		}
		t.printf("%s %s", t.level(x.Level, x.Waived), x.Rule)
		if x.Operation != "" {
			t.printf(" [%s]", x.Operation)
		}
		if x.Pointer != "" {
			t.printf(" at #%s", x.Pointer)
		}
		t.printf(": %s\n", oneLine(x.Message))
		if wj := x.witnessJSON(); wj != "" {
			t.printf("  witness: %s\n", wj)
		}
		t.waiver("  ", x.Waived)
		for _, d := range x.Details {
			t.printf("  %s\n", oneLine(d))
		}
		for _, v := range x.Violations {
			t.violation(v)
		}
	}
	c := f.counts()
	t.printf("\n%d %s", len(f.Findings), message.Plural(len(f.Findings), "finding", "findings"))
	var parts []string
	for _, l := range []Level{LevelBreaking, LevelError, LevelWarning, LevelInfo} {
		if c[l] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[l], l))
		}
	}
	if n := waivedFindings(f.Findings); n > 0 {
		parts = append(parts, fmt.Sprintf("%d waived", n))
	}
	if len(parts) > 0 {
		t.printf(": %s", strings.Join(parts, ", "))
	}
	t.printf(" in %d %s checked\n", len(f.Inputs), message.Plural(len(f.Inputs), "file", "files"))
	if f.Coverage != nil {
		t.coverageTable(f.Coverage)
	}
	return t.err
}

func waivedFindings(fs []Finding) int {
	n := 0
	for _, x := range fs {
		if x.Waived != nil {
			n++
		}
	}
	return n
}

// findings writes {"command", "inputs", "findings", "summary"}, and "coverage" when the run
// measured it.
func (j *jsonFormatter) findings(f Findings) error {
	type summary struct {
		Findings int            `json:"findings"`
		Failing  int            `json:"failing"`
		Waived   int            `json:"waived"`
		FailOn   Level          `json:"fail_on"`
		ByLevel  map[Level]int  `json:"by_level"`
		ByRule   map[string]int `json:"by_rule"`
	}
	doc := struct {
		Command  string           `json:"command"`
		Inputs   []string         `json:"inputs"`
		Findings []Finding        `json:"findings"`
		Summary  summary          `json:"summary"`
		Coverage *coverage.Report `json:"coverage,omitempty"`
	}{Command: f.Command, Inputs: f.Inputs, Findings: f.Findings, Coverage: f.Coverage}
	if doc.Inputs == nil {
		doc.Inputs = []string{}
	}
	if doc.Findings == nil {
		doc.Findings = []Finding{}
	}
	doc.Summary = summary{Findings: len(f.Findings), Failing: f.Failing(), Waived: waivedFindings(f.Findings), FailOn: f.FailOn, ByLevel: f.counts(), ByRule: map[string]int{}}
	if doc.Summary.FailOn == "" {
		doc.Summary.FailOn = LevelError
	}
	for _, x := range f.Findings {
		doc.Summary.ByRule[x.Rule]++
	}
	b, err := marshal(doc, "")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	_, err = fmt.Fprintf(j.w, "%s\n", b)
	return err
}

// SortFindings orders findings by file, line, rule and pointer, so that reports are stable.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Pointer < b.Pointer
	})
}
