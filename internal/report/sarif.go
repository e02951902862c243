package report

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/specgate/specgate/internal/coverage"
	"github.com/specgate/specgate/rules"
	"github.com/specgate/specgate/validator"
)

// SARIF 2.1.0 (OASIS), the format code-scanning tools read. Every result points at a spec file and
// line when one is known (the keyword a violation broke, the place a lint or diff finding is), so
// that a scanner annotates the line of the change. Only the properties specgate fills are declared.

const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
	// Properties carry the run's coverage, when it was measured, as the json report's
	// "coverage" object.
	Properties map[string]any `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name  string      `json:"name"`
	Rules []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string       `json:"id"`
	ShortDescription     sarifMessage `json:"shortDescription"`
	DefaultConfiguration sarifConfig  `json:"defaultConfiguration"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
	// Suppressions carry the waiver that accepts the result: code scanning shows it dismissed,
	// with the justification.
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
	Properties   map[string]any     `json:"properties,omitempty"`
}

type sarifSuppression struct {
	Kind          string         `json:"kind"`
	Status        string         `json:"status"`
	Justification string         `json:"justification"`
	Properties    map[string]any `json:"properties,omitempty"`
}

// sarifSuppressions is a waiver as SARIF suppressions: external, since it lives in the
// configuration file and not beside the finding.
func sarifSuppressions(w *Waiver) []sarifSuppression {
	if w == nil {
		return nil
	}
	s := sarifSuppression{Kind: "external", Status: "accepted", Justification: w.Reason}
	if w.Source != "" {
		s.Properties = map[string]any{"source": w.Source}
	}
	return []sarifSuppression{s}
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind,omitempty"`
}

// sarifLevel maps a level onto SARIF's error, warning and note.
func sarifLevel(l Level) string {
	switch l.Rank() {
	case 3:
		return "error"
	case 2:
		return "warning"
	}
	return "note"
}

// sarifURI turns a display name into a URI reference: forward slashes, escaped as a path.
func sarifURI(file string) string {
	file = strings.ReplaceAll(file, "\\", "/")
	if strings.HasPrefix(file, "/") {
		return (&url.URL{Scheme: "file", Path: file}).String()
	}
	return (&url.URL{Path: file}).String()
}

func sarifLocationOf(file string, line int, logical, kind string) []sarifLocation {
	var loc sarifLocation
	if file != "" {
		loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(file)}}
		if line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: line}
		}
	}
	if logical != "" {
		loc.LogicalLocations = []sarifLogical{{FullyQualifiedName: logical, Kind: kind}}
	}
	if loc.PhysicalLocation == nil && loc.LogicalLocations == nil {
		return nil
	}
	return []sarifLocation{loc}
}

// sarifRules indexes rules for results, adding a rule on first use when the list lacks it.
type sarifRules struct {
	list  []sarifRule
	index map[string]int
}

func newSARIFRules(table []rules.Rule) *sarifRules {
	r := &sarifRules{index: map[string]int{}}
	for _, x := range table {
		r.add(x.ID, x.Summary, x.Level)
	}
	return r
}

func (r *sarifRules) add(id, summary string, l Level) int {
	if i, ok := r.index[id]; ok {
		return i
	}
	if summary == "" {
		summary = id
	}
	r.index[id] = len(r.list)
	r.list = append(r.list, sarifRule{ID: id, ShortDescription: sarifMessage{Text: summary}, DefaultConfiguration: sarifConfig{Level: sarifLevel(l)}})
	return r.index[id]
}

func writeSARIF(w io.Writer, index *sarifRules, results []sarifResult, cov *coverage.Report) error {
	if results == nil {
		results = []sarifResult{}
	}
	if index.list == nil {
		index.list = []sarifRule{}
	}
	log := sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{{
		Tool:    sarifTool{Driver: sarifDriver{Name: "specgate", Rules: index.list}},
		Results: results,
	}}}
	if cov != nil {
		log.Runs[0].Properties = map[string]any{"coverage": cov}
	}
	b, err := marshal(log, "")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// findings writes one result per finding, at its file and line, and the rules of f.Rules.
func (s *sarifFormatter) findings(f Findings) error {
	index := newSARIFRules(f.Rules)
	results := make([]sarifResult, 0, len(f.Findings))
	for _, x := range f.Findings {
		msg := x.Message
		if wj := x.witnessJSON(); wj != "" {
			msg += " Witness: " + wj
		}
		logical := ""
		if x.Pointer != "" {
			logical = x.File + "#" + x.Pointer
		}
		res := sarifResult{
			RuleID:       x.Rule,
			RuleIndex:    index.add(x.Rule, "", x.Level),
			Level:        sarifLevel(x.Level),
			Message:      sarifMessage{Text: oneLine(msg)},
			Locations:    sarifLocationOf(x.File, x.Line, logical, "member"),
			Suppressions: sarifSuppressions(x.Waived),
		}
		props := map[string]any{"level": string(x.Level)}
		if x.Operation != "" {
			props["operation"] = x.Operation
		}
		if x.Origin != "" {
			props["origin"] = x.Origin
		}
		if len(x.Details) > 0 {
			props["details"] = x.Details
		}
		res.Properties = props
		results = append(results, res)
	}
	return writeSARIF(s.w, index, results, f.Coverage)
}

// validatorRules are the validator's rule ids as report rules, plus the one for entries that
// could not be read.
func validatorRules() []rules.Rule {
	return append(slices.Clip(validator.Rules), rules.Rule{ID: RuleInputError, Level: rules.Error, Summary: "An entry of a recording could not be read or turned into an exchange."})
}

// RuleInputError is the rule id junit and sarif reports give an entry that could not be read.
const RuleInputError = "input.error"

// specLocation splits a violation's "file#pointer" schema location.
func specLocation(schema string) (file, ptr string) {
	file, ptr, _ = strings.Cut(schema, "#")
	return file, ptr
}

// sarifFormatter collects the results of a validation run and writes the log at the end: SARIF
// is one JSON document whose results array cannot be closed before the run ends.
type sarifFormatter struct {
	w       io.Writer
	rules   *sarifRules
	results []sarifResult
	cov     *coverage.Report
}

func newSARIFFormatter(w io.Writer) *sarifFormatter {
	return &sarifFormatter{w: w, rules: newSARIFRules(validatorRules())}
}

func (s *sarifFormatter) entry(e Entry) error {
	exchange := where(e)
	if e.Err != nil {
		s.results = append(s.results, sarifResult{
			RuleID: RuleInputError, RuleIndex: s.rules.add(RuleInputError, "", LevelError), Level: "error",
			Message:   sarifMessage{Text: oneLine(exchange + ": " + e.errorMessage())},
			Locations: sarifLocationOf(e.File, e.Line, exchange, "object"),
		})
		return nil
	}
	for i, v := range e.Result.Violations {
		m := e.mark(i)
		file, ptr := specLocation(v.Schema)
		res := sarifResult{
			RuleID:       v.Rule,
			RuleIndex:    s.rules.add(v.Rule, "", LevelError),
			Level:        sarifLevel(m.Level),
			Message:      sarifMessage{Text: oneLine(fmt.Sprintf("%s%s: %s", exchange, exchangeLine(e), v.Message))},
			Suppressions: sarifSuppressions(m.Waived),
		}
		if file != "" {
			res.Locations = sarifLocationOf(file, v.Line, file+"#"+ptr, "member")
		} else {
			res.Locations = sarifLocationOf(e.File, e.Line, exchange, "object")
		}
		props := map[string]any{"exchange": exchange, "part": string(v.Part), "instance": v.Instance}
		if op := e.operation(); op != "" {
			props["operation"] = op
		}
		if v.Keyword != "" {
			props["keyword"] = v.Keyword
		}
		res.Properties = props
		s.results = append(s.results, res)
	}
	return nil
}

func (s *sarifFormatter) setCoverage(c *coverage.Report) { s.cov = c }

func (s *sarifFormatter) summary(Summary) error {
	return writeSARIF(s.w, s.rules, s.results, s.cov)
}

// exchangeLine is " (PATCH /api/users/1 → patchUser)" for an entry, or "".
func exchangeLine(e Entry) string {
	switch {
	case e.method() != "" && e.operation() != "":
		return fmt.Sprintf(" (%s %s → %s)", e.method(), e.target(), e.operation())
	case e.method() != "":
		return fmt.Sprintf(" (%s %s)", e.method(), e.target())
	case e.operation() != "":
		return fmt.Sprintf(" (response of %s)", e.operation())
	}
	return ""
}
