package fuzz

// Rule ids of fuzz findings. They are stable: reports and CI configurations name them. Rules
// lists them; the README's fuzz rule table shows the same list (TestReadmeListsEveryFuzzRule).
const (
	RuleServerError          = "fuzz.server_error"
	RuleStatusUndocumented   = "fuzz.status_undocumented"
	RuleResponseInvalid      = "fuzz.response_invalid"
	RuleNegativeAccepted     = "fuzz.negative_accepted"
	RuleNegativeUndocumented = "fuzz.negative_undocumented_4xx"
	RuleNegativeUnrefusable  = "fuzz.negative_unrefusable"
)

// Level is how serious a finding is: a failure fails the run, a warning does not.
type Level string

// The levels.
const (
	LevelFailure Level = "failure"
	LevelWarning Level = "warning"
)

// RuleInfo describes one rule id.
type RuleInfo struct {
	ID      string
	Level   Level
	Summary string
}

// Rules lists every rule id fuzz reports, in a stable order.
var Rules = []RuleInfo{
	{RuleServerError, LevelFailure, "A request got a 5xx: any positive one, or a negative one the spec gives a 4xx to refuse with."},
	{RuleStatusUndocumented, LevelFailure, "A valid request got a status the operation does not document."},
	{RuleResponseInvalid, LevelFailure, "A response breaks the spec (body, headers or content type) for its documented status."},
	{RuleNegativeAccepted, LevelFailure, "An invalid request got a 2xx or 3xx, though the spec documents a 4xx to refuse it with."},
	{RuleNegativeUndocumented, LevelWarning, "An invalid request was refused with a 4xx the operation does not document."},
	{RuleNegativeUnrefusable, LevelWarning, "An invalid request was answered 2xx or a documented 5xx, and the spec documents no 4xx to refuse it with."},
}

func levelOf(rule string) Level {
	for _, r := range Rules {
		if r.ID == rule {
			return r.Level
		}
	}
	return LevelFailure
}
