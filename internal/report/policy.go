package report

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// Policy is what a configuration file says about findings and violations: the level of each
// rule, the known findings waived with a reason, and the level at and above which a finding
// fails the run. Its zero value keeps every rule at its usual level, waives nothing and fails on
// errors. A Policy is read-only once built, so one may serve many reports.
type Policy struct {
	// Levels set rules' levels. Rule is a rule id or a path.Match pattern over rule ids
	// ("*.body.not_recorded"); an exact id wins over a pattern, and of two patterns the later.
	Levels []RuleLevel
	// Waivers are known findings accepted with a reason. A waived finding is still reported,
	// marked waived, and never fails the run.
	Waivers []Waiver
	// FailOn is the level at and above which an unwaived finding fails the run ("" is error).
	FailOn Level
}

// RuleLevel sets the level of the rules Rule names.
type RuleLevel struct {
	Rule  string
	Level Level
	// Source is where it was declared, such as "specgate.yaml:7".
	Source string
}

// Waiver accepts the findings it matches. Rule is required; Operation, Pointer and File narrow
// it and match anything when empty. Each is a path.Match pattern or a plain string.
type Waiver struct {
	Rule string `json:"rule"`
	// Operation matches an operationId ("patchUser") or a finding's whole operation
	// ("PATCH /users/{id} (patchUser)").
	Operation string `json:"operation,omitempty"`
	// Pointer matches a violation's instance (a JSON pointer, or a parameter name) or a finding's
	// pointer into its file.
	Pointer string `json:"pointer,omitempty"`
	// File matches the recording an exchange came from, or the file a finding is in: the whole
	// name or its last path elements ("specs/x.yaml" matches "/src/specs/x.yaml").
	File string `json:"file,omitempty"`
	// Reason says why the finding is accepted; a waiver without one is refused.
	Reason string `json:"reason"`
	// Source is where the waiver was declared, such as "specgate.yaml:12".
	Source string `json:"source,omitempty"`
}

// ParseRuleLevel reads a rule's level: error, warning or info (breaking is diff's name for error).
func ParseRuleLevel(s string) (Level, error) {
	switch l := Level(s); l {
	case LevelError, LevelBreaking, LevelWarning, LevelInfo:
		return l, nil
	}
	return "", fmt.Errorf("unknown level %q, want error, warning or info", s)
}

// LevelOf returns the level of rule: the policy's, or def when the policy says nothing of it.
func (p *Policy) LevelOf(rule string, def Level) Level {
	if p == nil {
		return def
	}
	level, exact := def, false
	for _, rl := range p.Levels {
		switch {
		case rl.Rule == rule:
			level, exact = rl.Level, true
		case !exact && matches(rl.Rule, rule):
			level = rl.Level
		}
	}
	return level
}

// Waiving returns the first waiver that matches a finding, or nil.
func (p *Policy) Waiving(rule, operation, pointer, file string) *Waiver {
	if p == nil {
		return nil
	}
	for i := range p.Waivers {
		w := &p.Waivers[i]
		if matches(w.Rule, rule) && matchesOperation(w.Operation, operation) &&
			(w.Pointer == "" || matches(w.Pointer, pointer)) && (w.File == "" || matchesFile(w.File, file)) {
			return w
		}
	}
	return nil
}

// fails reports whether a finding at level fails the run.
func (p *Policy) fails(level Level, waived *Waiver) bool {
	fail := LevelError
	if p != nil && p.FailOn != "" {
		fail = p.FailOn
	}
	return waived == nil && level.Rank() >= fail.Rank()
}

// Apply sets each finding's level from the policy and marks the waived ones, and sets the fail
// level when the policy has one.
func (p *Policy) Apply(f *Findings) {
	if p == nil {
		return
	}
	for i := range f.Findings {
		x := &f.Findings[i]
		x.Level = p.LevelOf(x.Rule, x.Level)
		x.Waived = p.Waiving(x.Rule, x.Operation, x.Pointer, x.File)
	}
	if p.FailOn != "" {
		f.FailOn = p.FailOn
	}
}

// matches reports whether pattern, a path.Match pattern or a plain string, matches s. A
// malformed pattern matches only itself (the configuration is checked with CheckPattern).
func matches(pattern, s string) bool {
	if pattern == s {
		return true
	}
	ok, err := path.Match(pattern, s)
	return err == nil && ok
}

// matchesFile matches pattern against file and against each of its trailing paths, so that a
// pattern written relative to the repository matches an absolute name too.
func matchesFile(pattern, file string) bool {
	file = filepath.ToSlash(file)
	for {
		if matches(pattern, file) {
			return true
		}
		i := strings.Index(file, "/")
		if i < 0 {
			return false
		}
		file = file[i+1:]
	}
}

// matchesOperation matches an operationId pattern against an operationId, or against the
// "METHOD /path (operationId)" a lint or diff finding names.
func matchesOperation(pattern, op string) bool {
	if pattern == "" || matches(pattern, op) {
		return true
	}
	if i := strings.LastIndex(op, " ("); i >= 0 && strings.HasSuffix(op, ")") {
		return matches(pattern, op[i+2:len(op)-1])
	}
	return false
}

// CheckPattern returns an error when pattern is not a valid path.Match pattern.
func CheckPattern(pattern string) error {
	if _, err := path.Match(pattern, ""); err != nil {
		return fmt.Errorf("%q is not a valid pattern: %w", pattern, err)
	}
	return nil
}

// Mark is what the policy says of one violation of an entry: its level, and the waiver that
// accepts it, if any.
type Mark struct {
	Level  Level
	Waived *Waiver
}

// marks computes the marks of an entry's violations.
func (p *Policy) marks(e Entry) []Mark {
	if len(e.Result.Violations) == 0 {
		return nil
	}
	ms := make([]Mark, len(e.Result.Violations))
	op := e.operation()
	for i, v := range e.Result.Violations {
		ms[i] = Mark{Level: p.LevelOf(v.Rule, LevelError), Waived: p.Waiving(v.Rule, op, v.Instance, e.File)}
	}
	return ms
}
