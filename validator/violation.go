package validator

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/specgate/specgate/internal/schema"
)

// MaxMessage is the longest text a Violation carries in Message and each branch error's
// Message, and a Result in OutOfScope, in bytes; a longer text is cut at a character boundary
// and ends in "…". Messages never quote the instance's values, but they name parts of it (a
// pointer, a property name, a path), which a hostile instance can make as long as it likes.
const MaxMessage = 512

// MaxInstance is the longest Instance kept, cut as messages are: a pointer as deep as the
// decoder evaluates (512 levels) fits, a pointer through a megabyte-long key does not.
const MaxInstance = 4096

// clipText cuts s to MaxMessage bytes, the ellipsis included.
func clipText(s string) string { return clipTo(s, MaxMessage) }

func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	i := n - len(ellipsis)
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + ellipsis
}

// bound clips the texts of vs in place; it is applied where violations leave the validator.
func bound(vs []Violation) {
	for i := range vs {
		v := &vs[i]
		v.Message, v.Instance = clipText(v.Message), clipTo(v.Instance, MaxInstance)
		for j := range v.Branches {
			for k := range v.Branches[j].Errors {
				e := &v.Branches[j].Errors[k]
				e.Message, e.Instance = clipText(e.Message), clipTo(e.Instance, MaxInstance)
			}
		}
	}
}

// Part says which half of an exchange a violation is about.
type Part string

// The parts of an exchange.
const (
	PartRequest  Part = "request"
	PartResponse Part = "response"
)

// Violation is one way an exchange departs from the specs. It is data: report writers format it,
// tests assert on Rule and Instance, never on Message.
type Violation struct {
	// Rule is a stable rule id from Rules, such as "response.body.schema".
	Rule string `json:"rule"`
	// Part is request or response.
	Part Part `json:"part"`
	// Operation is the operationId, when the exchange was routed to one.
	Operation string `json:"operation,omitempty"`
	// Instance locates the offending value: a JSON pointer into the body ("/user/uid", "" for the
	// whole body), or the name of a parameter or header.
	Instance string `json:"instance"`
	// Keyword is the schema keyword that failed ("maxLength", "oneOf", ...), when one did.
	Keyword string `json:"keyword,omitempty"`
	// Schema locates the rule in the spec: "file#/json/pointer".
	Schema string `json:"schema,omitempty"`
	// Line is the line of Schema in its file, when known.
	Line int `json:"line,omitempty"`
	// Message is one plain sentence a user can act on. It never contains credentials.
	Message string `json:"message"`
	// Branches explains a failed oneOf or anyOf, one entry per branch.
	Branches []Branch `json:"branches,omitempty"`
}

// Branch tells what one branch of a oneOf or anyOf made of an instance: its Index, its Name
// (the component name, "JobStatusResult", or its pointer), whether it Matched, and its own
// Errors when it did not. The schema engine writes it.
type Branch = schema.Branch

// BranchError is one failure inside a branch: Instance, Keyword, Schema, Line and Message, as a
// Violation has them.
type BranchError = schema.BranchError

// String formats the violation on one line: rule, part, location, message.
func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", v.Rule, v.Part)
	if v.Instance != "" {
		fmt.Fprintf(&b, " %s", v.Instance)
	}
	fmt.Fprintf(&b, ": %s", v.Message)
	return b.String()
}

// Result is the verdict on one exchange.
type Result struct {
	// Operation is the operationId the exchange was routed to, or "" when routing failed.
	Operation string `json:"operation,omitempty"`
	// Spec is the display name of the spec document the operation belongs to.
	Spec string `json:"spec,omitempty"`
	// OutOfScope, when not empty, says why the exchange was not checked: its path lies outside
	// every loaded spec's server base paths (a page, a script, an image of a browser recording),
	// or its host matches no Options.Hosts pattern. Such an exchange is neither valid nor invalid.
	OutOfScope string `json:"out_of_scope,omitempty"`
	// Preflight is the method a CORS preflight announced, when the request was one.
	Preflight string `json:"preflight,omitempty"`
	// Violations is empty when the exchange is valid, ordered request first.
	Violations []Violation `json:"violations"`
	// Observed records what the exchange exercised; set only when Options.Observe is.
	Observed *Observation `json:"observed,omitempty"`
}

// Observation records which documented parts of an operation an exchange exercised, so that a
// run can measure coverage.
type Observation struct {
	// Status is the documented response the status matched: "200", "2XX" or "DEFAULT"; empty
	// when the status is undocumented or there was no response.
	Status string `json:"status,omitempty"`
	// RequestMedia and ResponseMedia are the documented media types the bodies matched.
	RequestMedia  string `json:"request_media,omitempty"`
	ResponseMedia string `json:"response_media,omitempty"`
	// Params lists the documented parameters the request sent, as "in:name".
	Params []string `json:"params,omitempty"`
	// Branches lists, for every oneOf and anyOf a valid body went through, the branch it matched.
	Branches []BranchChoice `json:"branches,omitempty"`
	// RequestBody and ResponseBody are the JSON bodies as the validator decoded them (objects
	// as map[string]any, arrays as []any, numbers as json.Number), valid or not, so that a tool
	// walking them (coverage) does not decode them again; nil for a body that is not JSON, has
	// no schema, or could not be decoded. They are not part of the JSON form of a Result.
	RequestBody  any `json:"-"`
	ResponseBody any `json:"-"`
}

// BranchChoice is the branch of one oneOf or anyOf that a body matched.
type BranchChoice struct {
	Part Part `json:"part"`
	// Schema locates the oneOf or anyOf keyword: "file#/json/pointer".
	Schema string `json:"schema"`
	Line   int    `json:"line,omitempty"`
	Index  int    `json:"index"`
	Name   string `json:"name"`
}

// Valid reports whether the exchange was checked and had no violations.
func (r Result) Valid() bool { return len(r.Violations) == 0 && r.OutOfScope == "" }
