package report

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/specgate/specgate/internal/coverage"
	"github.com/specgate/specgate/validator"
)

// The html report is one self-contained page: its style and script are inline, it loads
// nothing, and every piece of traffic or spec text in it goes through html/template, so a body
// holding markup shows as text. It aggregates first (counts per operation and rule, coverage)
// and keeps details bounded, so a run of any size makes a page of a few megabytes at most:
// per operation and rule (at most maxGroups of them) the first maxSamples exchanges with at
// most maxViolations violations each, each body cut at maxBodyLines lines, all samples together
// at most detailBudget bytes (plus firstBudget for the first sample of each group), the
// exchange list at maxListed rows, and every string from the traffic clipped. The JSON report
// has every exchange.

//go:embed html
var htmlFiles embed.FS

var htmlTemplate = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"where":   schemaWhere,
	"pointer": schemaPointer,
	"inst":    pointer,
	"pct":     percent,
	"level":   func(m coverage.Metric) string { return metricClass(m.Percent) },
}).ParseFS(htmlFiles, "html/report.html.tmpl"))

var (
	htmlStyle  = template.CSS(mustRead("html/report.css"))
	htmlScript = template.JS(mustRead("html/report.js"))
)

func mustRead(name string) string {
	b, err := htmlFiles.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: a missing file is a build defect, caught by every test
	}
	return string(b)
}

// Bounds of the html report's details.
const (
	maxSamples    = 8
	maxViolations = 10 // per sample
	maxBranchErrs = 5  // per branch of an explained oneOf
	maxInstances  = 3  // in a sample's one-line summary
	maxGroups     = 1000
	detailBudget  = 5 << 20
	firstBudget   = 1 << 20
	maxListed     = 2000
	maxErrors     = 200
	maxInputs     = 50
	maxText       = 200 // characters of a location, request line or file name
	maxComment    = 500
	maxMessage    = 500
	noOperation   = "(no operation)"
)

// clip cuts s to at most n characters, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// htmlPage is what the template renders: the validate or replay page, or the lint or diff
// page when Findings is set.
type htmlPage struct {
	Title      string
	Inputs     []string
	InputsMore int
	Cards      []htmlCard
	Rules      []string
	Operations []string
	Verdicts   []string
	// VerdictLabel names the third filter: "Verdict" for exchanges, "Level" for findings.
	VerdictLabel string
	Groups       []*htmlGroup
	// GroupsMore counts the violations or findings of groups past maxGroups, which only the
	// summary counts.
	GroupsMore int
	Exchanges  []htmlExchange
	ListedMore int
	Errors     []htmlError
	ErrorsMore int
	Coverage   *htmlCoverage
	Findings   bool
	Style      template.CSS
	Script     template.JS
}

// htmlCard is one count of the summary.
type htmlCard struct {
	ID    string
	Label string
	Value int
	Class string
}

// htmlGroup gathers the violations (or findings) of one rule in one operation.
type htmlGroup struct {
	Operation  string
	Rule       string
	Violations int
	Exchanges  int
	Samples    []*htmlSample
	Findings   []htmlFinding
	More       int
}

// htmlSample is one exchange shown in full under a group.
type htmlSample struct {
	ID         string
	Where      string
	Request    string
	Status     int
	Comment    string
	Violations []htmlViolation
	Bodies     []*bodyView
	// Omitted says why the bodies are not shown, when they are not.
	Omitted string
	// Instances are the first violations' instances, for the summary line; MoreViolations
	// counts the violations not listed.
	Instances      []string
	MoreViolations int
}

// htmlViolation is a violation with the element id of the body line its instance points at.
type htmlViolation struct {
	validator.Violation
	Anchor string
	// Level is the policy's level for the violation when it is not error, and Waived the waiver
	// that accepts it: such violations are shown, marked, though they leave the exchange valid.
	Level  Level
	Waived *Waiver
}

// markedViolation is a violation with what the policy says of it.
type markedViolation struct {
	validator.Violation
	mark Mark
}

// htmlExchange is one row of the exchange list.
type htmlExchange struct {
	Where     string
	Request   string
	Operation string
	Status    string
	Verdict   string
	Rules     string
	Sample    string
}

// htmlError is an entry that could not be read or validated.
type htmlError struct {
	Where   string
	Message string
}

// htmlFormatter aggregates a run and writes the page on Close.
type htmlFormatter struct {
	w       io.Writer
	cov     *coverage.Report
	page    htmlPage
	groups  map[[2]string]*htmlGroup
	inputs  map[string]bool
	ops     map[string]bool
	rules   map[string]bool
	budget  int // bytes left for the details of samples
	first   int // bytes left for the first sample of each group
	samples int
}

func newHTMLFormatter(w io.Writer) *htmlFormatter {
	return &htmlFormatter{
		w: w, groups: map[[2]string]*htmlGroup{}, inputs: map[string]bool{}, ops: map[string]bool{}, rules: map[string]bool{},
		budget: detailBudget, first: firstBudget, page: htmlPage{Title: "specgate report", VerdictLabel: "Verdict"},
	}
}

func (h *htmlFormatter) setCoverage(c *coverage.Report) { h.cov = c }

func (h *htmlFormatter) entry(e Entry) error {
	if e.File != "" && !h.inputs[e.File] {
		if len(h.inputs) < maxInputs {
			h.page.Inputs = append(h.page.Inputs, clip(e.File, maxText))
		} else {
			h.page.InputsMore++
		}
		h.inputs[e.File] = true
	}
	op := e.operation()
	if op == "" {
		op = noOperation
	}
	row := htmlExchange{Where: clip(where(e), maxText), Request: clip(requestLine(e), maxText), Operation: clip(op, maxText), Verdict: strings.ToLower(e.status())}
	if e.Exchange.Response != nil {
		row.Status = strconv.Itoa(e.Exchange.Response.Status)
	}
	switch {
	case e.Err != nil:
		if len(h.page.Errors) < maxErrors {
			h.page.Errors = append(h.page.Errors, htmlError{Where: clip(where(e), maxText), Message: clip(e.errorMessage(), maxMessage)})
		} else {
			h.page.ErrorsMore++
		}
	case e.Result.OutOfScope != "" || len(e.Result.Violations) == 0:
	default:
		h.ops[op] = true
		var order []string
		byRule := map[string][]markedViolation{}
		for i, v := range e.Result.Violations {
			if _, ok := byRule[v.Rule]; !ok {
				order = append(order, v.Rule)
			}
			byRule[v.Rule] = append(byRule[v.Rule], markedViolation{v, e.mark(i)})
		}
		row.Rules = strings.Join(order, " ")
		for _, rule := range order {
			h.rules[rule] = true
			g := h.group(op, rule)
			if g == nil {
				h.page.GroupsMore += len(byRule[rule])
				continue
			}
			g.Violations += len(byRule[rule])
			g.Exchanges++
			var s *htmlSample
			if len(g.Samples) < maxSamples {
				s = h.sample(e, byRule[rule], len(g.Samples) == 0)
			}
			if s == nil {
				g.More++
				continue
			}
			g.Samples = append(g.Samples, s)
			if row.Sample == "" {
				row.Sample = s.ID
			}
		}
	}
	if len(h.page.Exchanges) < maxListed {
		h.page.Exchanges = append(h.page.Exchanges, row)
	} else {
		h.page.ListedMore++
	}
	return nil
}

// group returns the group of op and rule, or nil when maxGroups are already shown.
func (h *htmlFormatter) group(op, rule string) *htmlGroup {
	k := [2]string{op, rule}
	g := h.groups[k]
	if g == nil {
		if len(h.groups) == maxGroups {
			return nil
		}
		g = &htmlGroup{Operation: op, Rule: rule}
		h.groups[k] = g
		h.page.Groups = append(h.page.Groups, g)
	}
	return g
}

// sample renders one exchange with the violations of one rule, and the bodies they are about;
// nil when the page's budget for details is spent. The first sample of a group draws on a
// budget of its own, so that every group shows one.
func (h *htmlFormatter) sample(e Entry, vs []markedViolation, first bool) *htmlSample {
	s := &htmlSample{
		ID: "x" + strconv.Itoa(h.samples+1), Where: clip(where(e), maxText), Comment: clip(oneLine(e.Comment), maxComment),
		Request: clip(requestLine(e), maxText),
	}
	if e.Exchange.Response != nil {
		s.Status = e.Exchange.Response.Status
	}
	size := 600 + escapedLen(s.Where) + escapedLen(s.Request) + escapedLen(s.Comment)
	for i, mv := range vs {
		if i == maxViolations {
			s.MoreViolations = len(vs) - maxViolations
			break
		}
		v := boundViolation(mv.Violation)
		size += violationSize(v)
		hv := htmlViolation{Violation: v, Waived: mv.mark.Waived}
		if mv.mark.Level.Rank() < 3 {
			hv.Level = mv.mark.Level
		}
		if hv.Waived != nil {
			size += 40 + escapedLen(hv.Waived.Reason)
		}
		s.Violations = append(s.Violations, hv)
		if i < maxInstances {
			s.Instances = append(s.Instances, pointer(v.Instance))
		}
	}
	switch {
	case first && size <= h.first:
		h.first -= size
	case size <= h.budget:
		h.budget -= size
	default:
		return nil
	}
	h.samples++
	for _, part := range []validator.Part{validator.PartRequest, validator.PartResponse} {
		var pointers []string
		about := false
		for _, v := range s.Violations {
			if v.Part != part {
				continue
			}
			about = true
			if isBodyRule(v.Rule) {
				pointers = append(pointers, v.Instance)
			}
		}
		body, contentType := partBody(e, part)
		if !about || len(body) == 0 {
			continue
		}
		view := viewBody(s.ID+"-"+string(part), string(part), contentType, body, pointers)
		if view.size > h.budget {
			s.Omitted = "The bodies are not shown: the page's size budget is spent. The json report has every exchange."
			continue
		}
		h.budget -= view.size
		for i := range s.Violations {
			if s.Violations[i].Part == part && isBodyRule(s.Violations[i].Rule) {
				s.Violations[i].Anchor = view.anchor(s.Violations[i].Instance)
			}
		}
		s.Bodies = append(s.Bodies, view)
	}
	return s
}

// requestLine is the request as a sample shows it: "PATCH /api/users/1", "" for a response
// alone.
func requestLine(e Entry) string {
	s := strings.TrimSpace(e.method() + " " + e.target())
	if e.Result.Preflight != "" {
		s += " (CORS preflight for " + e.Result.Preflight + ")"
	}
	return s
}

// violationSize estimates the bytes a violation takes on the page.
func violationSize(v validator.Violation) int {
	n := 400 + escapedLen(v.Message) + escapedLen(v.Instance) + 2*len(v.Schema)
	for _, b := range v.Branches {
		n += 200 + escapedLen(b.Name)
		for _, be := range b.Errors {
			n += 120 + escapedLen(be.Message) + escapedLen(be.Instance) + len(be.Schema)
		}
	}
	return n
}

// boundViolation clips a violation's texts and keeps the first maxBranchErrs failures of each
// branch of an explained oneOf.
func boundViolation(v validator.Violation) validator.Violation {
	v.Message, v.Instance = clip(v.Message, maxMessage), clip(v.Instance, maxText)
	return boundBranches(v)
}

// boundBranches keeps the first maxBranchErrs failures of each branch of an explained oneOf.
func boundBranches(v validator.Violation) validator.Violation {
	for i, b := range v.Branches {
		if len(b.Errors) > maxBranchErrs {
			bs := append([]validator.Branch(nil), v.Branches...)
			for j := i; j < len(bs); j++ {
				if len(bs[j].Errors) > maxBranchErrs {
					bs[j].Errors = bs[j].Errors[:maxBranchErrs:maxBranchErrs]
				}
			}
			v.Branches = bs
			break
		}
	}
	return v
}

// isBodyRule reports whether a rule's instance is a JSON pointer into a body.
func isBodyRule(rule string) bool {
	return strings.HasPrefix(rule, "request.body.") || strings.HasPrefix(rule, "response.body.")
}

func partBody(e Entry, part validator.Part) ([]byte, string) {
	switch {
	case part == validator.PartRequest && e.Exchange.Request != nil:
		return e.Exchange.Request.Body, e.Exchange.Request.Header.Get("Content-Type")
	case part == validator.PartResponse && e.Exchange.Response != nil:
		return e.Exchange.Response.Body, e.Exchange.Response.Header.Get("Content-Type")
	}
	return nil, ""
}

func (h *htmlFormatter) summary(s Summary) error {
	p := &h.page
	p.Cards = []htmlCard{
		{ID: "exchanges", Label: "exchanges", Value: s.Exchanges},
		{ID: "valid", Label: "valid", Value: s.Valid, Class: "good"},
		{ID: "invalid", Label: "invalid", Value: s.Invalid, Class: classIf(s.Invalid > 0, "bad")},
		{ID: "errors", Label: "errors", Value: s.Errors, Class: classIf(s.Errors > 0, "bad")},
		{ID: "out-of-scope", Label: "out of scope", Value: s.OutOfScope},
	}
	total := 0
	for _, n := range s.ByRule {
		total += n
	}
	p.Cards = append(p.Cards, htmlCard{ID: "violations", Label: "violations", Value: total, Class: classIf(total > 0, "bad")})
	p.Verdicts = []string{"valid", "invalid", "error", "out of scope"}
	sortGroups(p.Groups)
	p.Rules, p.Operations = slices.Sorted(maps.Keys(h.rules)), slices.Sorted(maps.Keys(h.ops))
	if h.cov != nil {
		p.Coverage = newHTMLCoverage(h.cov)
	}
	return h.render()
}

func (h *htmlFormatter) render() error {
	h.page.Style, h.page.Script = htmlStyle, htmlScript
	if err := htmlTemplate.Execute(h.w, &h.page); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	return nil
}

func classIf(ok bool, class string) string {
	if ok {
		return class
	}
	return ""
}

// sortGroups orders groups by operation, then by violations, most first.
func sortGroups(gs []*htmlGroup) {
	sort.SliceStable(gs, func(i, j int) bool {
		if gs[i].Operation != gs[j].Operation {
			return gs[i].Operation < gs[j].Operation
		}
		if gs[i].Violations != gs[j].Violations {
			return gs[i].Violations > gs[j].Violations
		}
		return gs[i].Rule < gs[j].Rule
	})
}

// schemaWhere shows a schema location "file#/pointer" at line as "file:line".
func schemaWhere(schema string, line int) string {
	file, _, _ := strings.Cut(schema, "#")
	if line > 0 {
		return file + ":" + strconv.Itoa(line)
	}
	return file
}

// schemaPointer is the "#/pointer" part of a schema location.
func schemaPointer(schema string) string {
	if _, ptr, ok := strings.Cut(schema, "#"); ok {
		return "#" + ptr
	}
	return ""
}

func metricClass(p float64) string {
	switch {
	case p >= 100:
		return "good"
	case p >= 80:
		return "warn"
	}
	return "bad"
}

// htmlCoverage is the coverage view: totals, the operations × statuses grid, the oneOf and
// anyOf branches, and per operation its parameters, properties and undocumented traffic.
type htmlCoverage struct {
	Totals     []htmlMetric
	Statuses   []string
	Rows       []htmlCoverageRow
	Choices    []htmlChoice
	Operations []coverage.Operation
	Unrouted   int
	OutOfScope int
}

type htmlMetric struct {
	Name   string
	Metric coverage.Metric
}

type htmlCoverageRow struct {
	coverage.Operation
	Cells []htmlCell
}

type htmlCell struct {
	Status     string
	Exchanges  int
	Documented bool
}

type htmlChoice struct {
	Operation string
	coverage.Choice
}

func newHTMLCoverage(c *coverage.Report) *htmlCoverage {
	v := &htmlCoverage{Statuses: c.Statuses(), Operations: c.Operations, Unrouted: c.Unrouted, OutOfScope: c.OutOfScope}
	t := c.Totals
	v.Totals = []htmlMetric{{"operations", t.Operations}, {"responses", t.Responses}, {"branches", t.Branches}, {"parameters", t.Parameters}, {"properties", t.Properties}}
	for _, o := range c.Operations {
		row := htmlCoverageRow{Operation: o}
		for _, s := range v.Statuses {
			n, ok := o.Response(s)
			row.Cells = append(row.Cells, htmlCell{Status: s, Exchanges: n, Documented: ok})
		}
		v.Rows = append(v.Rows, row)
		for _, ch := range o.Choices {
			v.Choices = append(v.Choices, htmlChoice{Operation: o.ID, Choice: ch})
		}
	}
	return v
}

// findings writes a lint or diff report as one page: findings grouped by operation and rule.
func (h *htmlFormatter) findings(f Findings) error {
	p := &h.page
	p.Title, p.Findings, p.VerdictLabel = "specgate "+f.Command, true, "Level"
	p.Inputs = f.Inputs
	if len(p.Inputs) > maxInputs {
		p.InputsMore, p.Inputs = len(p.Inputs)-maxInputs, p.Inputs[:maxInputs]
	}
	levels := map[string]bool{}
	for i, x := range f.Findings {
		op := x.Operation
		if op == "" {
			op = noOperation
		}
		h.ops[op], h.rules[x.Rule], levels[string(x.Level)] = true, true, true
		g := h.group(op, x.Rule)
		if g == nil {
			p.GroupsMore++
			continue
		}
		g.Violations++
		x.Message, x.File = clip(x.Message, maxMessage), clip(x.File, maxText)
		hf := htmlFinding{Finding: x, ID: "f" + strconv.Itoa(i+1), Fails: f.fails(x), Where: x.position()}
		size := 500 + escapedLen(x.Message) + escapedLen(x.Pointer) + len(x.Origin)
		for _, d := range x.Details {
			size += 40 + escapedLen(d)
		}
		for _, v := range x.Violations {
			v = boundViolation(v)
			size += violationSize(v)
			hf.Violations = append(hf.Violations, htmlViolation{Violation: v})
		}
		switch {
		case len(g.Findings) == 0 && size <= h.first:
			h.first -= size
		case size <= h.budget:
			h.budget -= size
		default:
			g.More++
			continue
		}
		if x.Witness != nil {
			if b, err := marshal(x.Witness, ""); err == nil {
				if w := viewBody(hf.ID+"-w", "witness", "application/json", b, nil); w.size <= h.budget {
					hf.Witness, h.budget = w, h.budget-w.size
				}
			}
		}
		g.Findings = append(g.Findings, hf)
	}
	c := f.counts()
	p.Cards = []htmlCard{
		{ID: "findings", Label: "findings", Value: len(f.Findings)},
		{ID: "failing", Label: "at or above " + string(failLevel(f)), Value: f.Failing(), Class: classIf(f.Failing() > 0, "bad")},
	}
	for _, l := range []Level{LevelBreaking, LevelError, LevelWarning, LevelInfo} {
		always := f.Command == "lint" && l == LevelError || f.Command == "diff" && l == LevelBreaking
		if c[l] > 0 || always {
			p.Cards = append(p.Cards, htmlCard{ID: string(l), Label: string(l), Value: c[l], Class: classIf(c[l] > 0 && l.Rank() >= 2, "bad")})
		}
	}
	p.Cards = append(p.Cards, htmlCard{ID: "inputs", Label: "files checked", Value: len(f.Inputs)})
	for _, l := range []Level{LevelBreaking, LevelError, LevelWarning, LevelInfo} {
		if levels[string(l)] {
			p.Verdicts = append(p.Verdicts, string(l))
		}
	}
	sortGroups(p.Groups)
	p.Rules, p.Operations = slices.Sorted(maps.Keys(h.rules)), slices.Sorted(maps.Keys(h.ops))
	if f.Coverage != nil {
		p.Coverage = newHTMLCoverage(f.Coverage)
	}
	return h.render()
}

func failLevel(f Findings) Level {
	if f.FailOn == "" {
		return LevelError
	}
	return f.FailOn
}

// htmlFinding is one finding of a lint or diff page.
type htmlFinding struct {
	Finding
	ID         string
	Where      string
	Fails      bool
	Witness    *bodyView
	Violations []htmlViolation
}
