// Package rules describes the rule ids specgate reports. Every table of rules is a []Rule: the
// validator's (validator.Rules and validator.LoadRules), the findings of a lenient spec load
// (specs.Rules), lint's, diff's and fuzz's. Reports that list the rules they can report (SARIF's
// tool.driver.rules) read them from these tables, and the README documents each table; a test
// keeps the two equal.
//
// The package imports nothing of specgate's, so that every package that has a rule table can
// import it.
package rules

// Level is how serious a finding of a rule is. Each table uses the levels its command reports:
// lint and the spec load report errors, warnings and infos; diff reports breaking changes,
// warnings and infos; fuzz reports failures and warnings.
type Level string

// The levels. Error, Breaking and Failure rank the same: each fails a run by default.
const (
	Error Level = "error"
	// Breaking is a change between two revisions of a spec that breaks its clients.
	Breaking Level = "breaking"
	// Failure is a fuzz finding that fails the run.
	Failure Level = "failure"
	Warning Level = "warning"
	// Info is a note, not a defect.
	Info Level = "info"
	// None is a fail level only (--fail-on none): no finding has it, and none reaches it.
	None Level = "none"
)

// Rank orders levels: 3 for error, breaking and failure, 2 for warning, 1 for info, 4 for none
// (above everything, so that no finding reaches it) and 0 for anything else.
func (l Level) Rank() int {
	switch l {
	case Error, Breaking, Failure:
		return 3
	case Warning:
		return 2
	case Info:
		return 1
	case None:
		return 4
	}
	return 0
}

// Rule describes one rule id. Rule ids are stable: reports, contracts, policies and CI
// configurations name them, so an id is never renamed or reused.
type Rule struct {
	// ID is the rule id ("request.body.schema", "lint.oneof.ambiguous").
	ID string
	// Level is the level a finding of the rule has unless something says otherwise: a policy,
	// or the upstream check that found it (diff findings carry oasdiff's level).
	Level Level
	// Summary is one sentence saying what the rule finds; SARIF shows it as the rule's short
	// description and the README's rule tables show it word for word.
	Summary string
}

// LevelOf returns the level of the rule of table with id, def when the table has none.
func LevelOf(table []Rule, id string, def Level) Level {
	for _, r := range table {
		if r.ID == id {
			return r.Level
		}
	}
	return def
}
