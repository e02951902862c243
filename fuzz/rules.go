package fuzz

import "github.com/specgate/specgate/rules"

// Rule ids of fuzz findings. They are stable: reports and CI configurations name them. Rules
// lists them; the README's fuzz rule table shows the same list.
const (
	RuleServerError          = "fuzz.server_error"
	RuleStatusUndocumented   = "fuzz.status_undocumented"
	RuleResponseInvalid      = "fuzz.response_invalid"
	RuleNegativeAccepted     = "fuzz.negative_accepted"
	RuleNegativeUndocumented = "fuzz.negative_undocumented_4xx"
	RuleNegativeUnrefusable  = "fuzz.negative_unrefusable"
)

// The levels of fuzz findings: a failure fails the run, a warning does not.
const (
	LevelFailure = rules.Failure
	LevelWarning = rules.Warning
)

// Rules lists every rule id fuzz reports, with its level, in a stable order.
var Rules = []rules.Rule{
	{ID: RuleServerError, Level: LevelFailure, Summary: "A request got a 5xx: any positive one, or a negative one the spec gives a 4xx to refuse with."},
	{ID: RuleStatusUndocumented, Level: LevelFailure, Summary: "A valid request got a status the operation does not document."},
	{ID: RuleResponseInvalid, Level: LevelFailure, Summary: "A response breaks the spec (body, headers or content type) for its documented status."},
	{ID: RuleNegativeAccepted, Level: LevelFailure, Summary: "An invalid request got a 2xx or 3xx, though the spec documents a 4xx to refuse it with, or the target refused another violation of the same parameter with one."},
	{ID: RuleNegativeUndocumented, Level: LevelWarning, Summary: "An invalid request was refused with a 4xx the operation does not document."},
	{ID: RuleNegativeUnrefusable, Level: LevelWarning, Summary: "An invalid request was answered 2xx or a documented 5xx, and the spec documents no 4xx to refuse it with."},
}

func levelOf(rule string) rules.Level {
	return rules.LevelOf(Rules, rule, LevelFailure)
}
