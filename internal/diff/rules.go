package diff

import (
	"regexp"
	"strings"
	"sync"

	"github.com/oasdiff/oasdiff/checker"
	oasrules "github.com/oasdiff/oasdiff/checker/rules"

	"github.com/specgate/specgate/internal/report"
	"github.com/specgate/specgate/rules"
)

// Rule ids. They are stable: CI configurations and --fail-on policies name them. oasdiff has
// hundreds of fine-grained checks (786 in v1.37.0); each maps onto exactly one of these ids by
// ruleFor, and the finding keeps oasdiff's id in Origin.
const (
	RuleSpecRemoved            = "diff.spec.removed"
	RuleSpecAdded              = "diff.spec.added"
	RuleOperationRemoved       = "diff.operation.removed"
	RuleOperationAdded         = "diff.operation.added"
	RuleStatusRemoved          = "diff.response.status.removed"
	RuleStatusAdded            = "diff.response.status.added"
	RuleRequestParamRequired   = "diff.request.param.required"
	RuleRequestPropRequired    = "diff.request.property.required"
	RuleRequestType            = "diff.request.type.changed"
	RuleRequestEnumNarrowed    = "diff.request.enum.narrowed"
	RuleRequestEnumWidened     = "diff.request.enum.widened"
	RuleRequestConstraint      = "diff.request.constraint.changed"
	RuleRequestOther           = "diff.request.changed"
	RuleResponseEnumWidened    = "diff.response.enum.widened"
	RuleResponseEnumNarrowed   = "diff.response.enum.narrowed"
	RuleResponseRequiredRemove = "diff.response.required.removed"
	RuleResponseType           = "diff.response.type.changed"
	RuleResponseConstraint     = "diff.response.constraint.changed"
	RuleResponseOther          = "diff.response.changed"
	RuleContentType            = "diff.content_type.changed"
	RuleSecurity               = "diff.security.changed"
	RuleLifecycle              = "diff.lifecycle"
	RuleVersion                = "diff.info.version"
	RuleOther                  = "diff.other"
	RuleTrafficRegression      = "diff.traffic.regression"
)

// Rules lists every rule id diff reports, with its usual level, in a stable order. A finding's
// level is oasdiff's level for the check that found it (error is breaking), so one rule id can
// carry different levels: a request enum that loses a value is breaking, one that gains a value
// is info.
var Rules = []rules.Rule{
	{ID: RuleSpecRemoved, Level: rules.Breaking, Summary: "A spec file of the base revision has no counterpart in the revision: all its operations are gone."},
	{ID: RuleSpecAdded, Level: rules.Info, Summary: "A spec file is new in the revision."},
	{ID: RuleOperationRemoved, Level: rules.Breaking, Summary: "An operation or a whole path was removed."},
	{ID: RuleOperationAdded, Level: rules.Info, Summary: "An operation or a path was added."},
	{ID: RuleStatusRemoved, Level: rules.Breaking, Summary: "A documented response status was removed."},
	{ID: RuleStatusAdded, Level: rules.Info, Summary: "A response status was added."},
	{ID: RuleRequestParamRequired, Level: rules.Breaking, Summary: "A request parameter or header is new and required, or became required (or optional)."},
	{ID: RuleRequestPropRequired, Level: rules.Breaking, Summary: "A request body or body property is new and required, or became required (or optional)."},
	{ID: RuleRequestType, Level: rules.Breaking, Summary: "The type or format of a request parameter, body or property changed."},
	{ID: RuleRequestEnumNarrowed, Level: rules.Breaking, Summary: "A request enum lost a value: clients that send it are refused."},
	{ID: RuleRequestEnumWidened, Level: rules.Info, Summary: "A request enum gained a value."},
	{ID: RuleRequestConstraint, Level: rules.Breaking, Summary: "A length, range, item count or pattern of a request changed (breaking when it narrows)."},
	{ID: RuleRequestOther, Level: rules.Warning, Summary: "Another change to what a request may carry."},
	{ID: RuleResponseEnumWidened, Level: rules.Breaking, Summary: "A response enum gained a value that clients do not expect."},
	{ID: RuleResponseEnumNarrowed, Level: rules.Info, Summary: "A response enum lost a value."},
	{ID: RuleResponseRequiredRemove, Level: rules.Breaking, Summary: "A response property is no longer required, or was removed: clients that rely on it break."},
	{ID: RuleResponseType, Level: rules.Breaking, Summary: "The type or format of a response body, header or property changed."},
	{ID: RuleResponseConstraint, Level: rules.Warning, Summary: "A length, range, item count or pattern of a response changed (breaking when it widens)."},
	{ID: RuleResponseOther, Level: rules.Warning, Summary: "Another change to what a response may carry."},
	{ID: RuleContentType, Level: rules.Breaking, Summary: "A request or response media type was removed or added."},
	{ID: RuleSecurity, Level: rules.Breaking, Summary: "Security requirements or schemes changed."},
	{ID: RuleLifecycle, Level: rules.Info, Summary: "Deprecation, sunset or stability changed."},
	{ID: RuleVersion, Level: rules.Info, Summary: "info.version does not match the change (oasdiff's versioning policy: a breaking change needs a major bump)."},
	{ID: RuleOther, Level: rules.Info, Summary: "Any other change oasdiff reports (tags, operation ids, extensions, components)."},
	{ID: RuleTrafficRegression, Level: rules.Breaking, Summary: "A recorded exchange that was valid against the base revision is not valid against the revision."},
}

// mapping maps oasdiff check ids onto rule ids, first match wins. Patterns that need a direction
// are in directional.
var mapping = []struct {
	re   *regexp.Regexp
	rule string
}{
	{regexp.MustCompile(`^api-(path-)?removed`), RuleOperationRemoved},
	{regexp.MustCompile(`^api-version|version-`), RuleVersion},
	{regexp.MustCompile(`^(endpoint|api-path|api)-added$`), RuleOperationAdded},
	{regexp.MustCompile(`deprecat|sunset|stability|reactivated`), RuleLifecycle},
	{regexp.MustCompile(`security|anonymous-access`), RuleSecurity},
	{regexp.MustCompile(`status-removed$`), RuleStatusRemoved},
	{regexp.MustCompile(`status-added$`), RuleStatusAdded},
	{regexp.MustCompile(`media-?type-(added|removed)$`), RuleContentType},
}

var (
	requiredness = regexp.MustCompile(`became-required|became-optional|new-required|required-request|new-request-.*-parameter|request-body-(added|removed)`)
	typeChange   = regexp.MustCompile(`type-changed|type-generalized|type-specialized|format`)
	enumRemoved  = regexp.MustCompile(`enum-value-removed`)
	enumAdded    = regexp.MustCompile(`enum-value-added`)
	constraint   = regexp.MustCompile(`max|min|pattern|length|items|multiple-of|unique|nullable|discriminator|one-of|any-of|all-of|additional-properties`)
	respRequired = regexp.MustCompile(`became-optional|required-property-removed|property-removed|required-removed`)
)

// directions holds oasdiff's metadata direction of every check id, read once.
var directions = sync.OnceValue(func() map[string]oasrules.Direction {
	m := map[string]oasrules.Direction{}
	for _, r := range checker.GetAllRules() {
		m[r.Id] = r.Direction
	}
	return m
})

// ruleFor maps an oasdiff check id onto a rule id of Rules.
func ruleFor(id string) string {
	for _, m := range mapping {
		if m.re.MatchString(id) {
			return m.rule
		}
	}
	dir, ok := directions()[id]
	if !ok || dir == oasrules.DirectionNone {
		switch {
		case strings.HasPrefix(id, "request-") || strings.HasPrefix(id, "new-"):
			dir = oasrules.DirectionRequest
		case strings.HasPrefix(id, "response-"):
			dir = oasrules.DirectionResponse
		default:
			dir = oasrules.DirectionNone
		}
	}
	switch dir {
	case oasrules.DirectionRequest:
		switch {
		case requiredness.MatchString(id):
			if strings.Contains(id, "parameter") || strings.Contains(id, "header") {
				return RuleRequestParamRequired
			}
			return RuleRequestPropRequired
		case typeChange.MatchString(id):
			return RuleRequestType
		case enumRemoved.MatchString(id):
			return RuleRequestEnumNarrowed
		case enumAdded.MatchString(id):
			return RuleRequestEnumWidened
		case constraint.MatchString(id):
			return RuleRequestConstraint
		}
		return RuleRequestOther
	case oasrules.DirectionResponse:
		switch {
		case enumAdded.MatchString(id):
			return RuleResponseEnumWidened
		case enumRemoved.MatchString(id):
			return RuleResponseEnumNarrowed
		case respRequired.MatchString(id):
			return RuleResponseRequiredRemove
		case typeChange.MatchString(id):
			return RuleResponseType
		case constraint.MatchString(id):
			return RuleResponseConstraint
		}
		return RuleResponseOther
	}
	return RuleOther
}

// levelFor maps oasdiff's levels onto report levels.
func levelFor(l checker.Level) report.Level {
	switch l {
	case checker.ERR:
		return report.LevelBreaking
	case checker.WARN:
		return report.LevelWarning
	}
	return report.LevelInfo
}
