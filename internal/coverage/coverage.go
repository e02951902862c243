// Package coverage measures how much of the loaded specs a run's traffic exercised: per
// operation, the number of exchanges; per documented response status (and default), whether it
// was seen; per oneOf and anyOf, which branches valid bodies matched; per request parameter and
// property, whether any exchange sent it. It also lists the reverse: statuses, media types and
// properties seen in traffic that the specs do not document.
//
// New takes what each operation documents from the validator's model of it
// (validator.Validator.Operations), so that coverage reads no spec file and follows no $ref of
// its own: a status, media type, parameter or oneOf is named here as the validator names it in
// the Observation of an exchange. Add then takes each
// exchange with the validator's Result; the Result must come from a validator built with
// validator.Options{Observe: true}, whose Observation says which documented status, media
// types, parameters and branches the exchange went through. Report returns a snapshot that
// serialises to JSON, with a percentage per metric, and Thresholds checks it against a
// --min-coverage gate.
package coverage

import (
	"mime"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/specgate/specgate/validator"
)

// MaxUndocumented bounds how many distinct undocumented properties are listed per operation
// and part, so that traffic full of free-form keys cannot grow a report without bound.
const MaxUndocumented = 100

// Tracker accumulates the coverage of a run. Build it with New; Add is safe for concurrent use,
// so a proxy can feed it from every handler.
type Tracker struct {
	mu         sync.Mutex
	ops        []*opState
	byID       map[string]*opState
	unrouted   int
	outOfScope int
}

type opState struct {
	model      *opModel
	exchanges  int
	valid      int
	preflights int
	statuses   map[string]int   // validator status key → exchanges
	params     map[string]int   // "in:name" → exchanges
	props      map[string]int   // request property path → exchanges
	branches   map[string][]int // oneOf location → matches per branch
	undoc      map[string]map[string]int
	dropped    int
}

// The kinds of undocumented things an operation counts.
const (
	undocStatus        = "status"
	undocRequestMedia  = "request media"
	undocResponseMedia = "response media"
	undocRequestProp   = "request property"
	undocResponseProp  = "response property"
)

// New returns a tracker of what ops document, ops being the validator's model of them
// (validator.Validator.Operations, or some of them to measure those alone). The validator
// that judges the exchanges given to Add must be the one ops come from, built with
// validator.Options{Observe: true}.
func New(ops []validator.Operation) *Tracker {
	t := &Tracker{byID: map[string]*opState{}}
	for _, op := range ops {
		m := buildOp(op)
		s := &opState{
			model: m, statuses: map[string]int{}, params: map[string]int{}, props: map[string]int{},
			branches: map[string][]int{}, undoc: map[string]map[string]int{},
		}
		for _, c := range m.choices {
			s.branches[c.schema] = make([]int, len(c.branches))
		}
		t.ops = append(t.ops, s)
		t.byID[op.ID] = s
	}
	return t
}

// sighting is what one exchange showed, gathered before the tracker is locked.
type sighting struct {
	reqProps, undocReq, undocResp []string
}

// Add counts one exchange and its verdict. Without res.Observed (a validator built without
// Observe) only the exchange itself is counted.
func (t *Tracker) Add(ex validator.Exchange, res validator.Result) {
	var s *opState
	if res.Operation != "" {
		s = t.byID[res.Operation]
	}
	var seen sighting
	obs := res.Observed
	if s != nil && obs != nil && res.OutOfScope == "" && res.Preflight == "" {
		seen = s.model.sight(obs)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case res.OutOfScope != "":
		t.outOfScope++
		return
	case s == nil:
		if res.Preflight == "" {
			t.unrouted++
		}
		return
	case res.Preflight != "":
		s.preflights++
		return
	}
	s.exchanges++
	if res.Valid() {
		s.valid++
	}
	if obs == nil {
		return
	}
	switch {
	case obs.Status != "":
		s.statuses[obs.Status]++
	case ex.Response != nil:
		s.note(undocStatus, strconv.Itoa(ex.Response.Status))
	}
	for _, p := range obs.Params {
		s.params[p]++
	}
	for _, b := range obs.Branches {
		if counts := s.branches[b.Schema]; b.Index >= 0 && b.Index < len(counts) {
			counts[b.Index]++
		}
	}
	if r := ex.Request; r != nil && obs.RequestMedia == "" && len(r.Body) > 0 && !r.BodyNotRecorded {
		s.note(undocRequestMedia, mediaType(r.Header))
	}
	if r := ex.Response; r != nil && obs.Status != "" && obs.ResponseMedia == "" && len(r.Body) > 0 && !r.BodyNotRecorded {
		s.note(undocResponseMedia, mediaType(r.Header))
	}
	for _, p := range seen.reqProps {
		s.props[p]++
	}
	for _, p := range seen.undocReq {
		s.note(undocRequestProp, p)
	}
	for _, p := range seen.undocResp {
		s.note(undocResponseProp, p)
	}
}

// note counts one undocumented thing, listing at most MaxUndocumented distinct ones per kind.
func (s *opState) note(kind, name string) {
	m := s.undoc[kind]
	if m == nil {
		m = map[string]int{}
		s.undoc[kind] = m
	}
	if _, ok := m[name]; !ok && len(m) >= MaxUndocumented {
		s.dropped++
		return
	}
	m[name]++
}

// sight walks the JSON bodies of an exchange, as the validator decoded them, against the
// documented property trees.
func (m *opModel) sight(obs *validator.Observation) sighting {
	var out sighting
	if obs.RequestBody != nil {
		if tree := m.request[obs.RequestMedia]; tree != nil {
			seen := map[string]bool{}
			walkBody(tree, obs.RequestBody, 0, func(p string) {
				if !seen[p] {
					seen[p] = true
					out.reqProps = append(out.reqProps, p)
				}
			}, func(p string) { out.undocReq = appendOnce(out.undocReq, p) })
		}
	}
	if obs.ResponseBody != nil && obs.Status != "" {
		if tree := m.responses[obs.Status][obs.ResponseMedia]; tree != nil {
			walkBody(tree, obs.ResponseBody, 0, func(string) {}, func(p string) { out.undocResp = appendOnce(out.undocResp, p) })
		}
	}
	return out
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// mediaType is the media type of a Content-Type header, lower case, or "(none)".
func mediaType(h http.Header) string {
	ct := h.Get("Content-Type")
	if ct == "" {
		return "(none)"
	}
	if t, _, err := mime.ParseMediaType(ct); err == nil {
		return t
	}
	t, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// Report is a snapshot of a run's coverage. It is plain data: it marshals to the "coverage"
// object of specgate's JSON report.
type Report struct {
	Totals     Totals      `json:"totals"`
	Operations []Operation `json:"operations"`
	// Unrouted counts exchanges in scope that no documented operation matched.
	Unrouted int `json:"unrouted"`
	// OutOfScope counts exchanges the validator did not check.
	OutOfScope int `json:"out_of_scope"`
}

// Totals holds one Metric per thing covered, over every operation.
type Totals struct {
	// Operations: documented operations that received at least one exchange.
	Operations Metric `json:"operations"`
	// Responses: documented response statuses (default included) seen at least once.
	Responses Metric `json:"responses"`
	// Branches: branches of oneOf and anyOf that a valid body matched at least once.
	Branches Metric `json:"branches"`
	// Parameters: documented request parameters sent at least once.
	Parameters Metric `json:"parameters"`
	// Properties: documented request body properties sent at least once.
	Properties Metric `json:"properties"`
}

// Metric is how many of Total things were covered. Percent is 100 when there is nothing to
// cover, so that a gate never fails on what a spec does not have.
type Metric struct {
	Covered int     `json:"covered"`
	Total   int     `json:"total"`
	Percent float64 `json:"percent"`
}

func (m *Metric) add(covered bool) {
	m.Total++
	if covered {
		m.Covered++
	}
}

func (m *Metric) finish() {
	m.Percent = 100
	if m.Total > 0 {
		m.Percent = float64(int(float64(m.Covered)*1000/float64(m.Total))) / 10
	}
}

// Operation is the coverage of one documented operation.
type Operation struct {
	ID     string `json:"id"`
	Method string `json:"method"`
	Path   string `json:"path"`
	Spec   string `json:"spec"`
	// Exchanges counts the exchanges routed to the operation (CORS preflights not included);
	// Valid counts those without violations.
	Exchanges  int `json:"exchanges"`
	Valid      int `json:"valid"`
	Preflights int `json:"preflights,omitempty"`
	// Responses lists every documented status ("200", "4XX", "default") with the exchanges
	// whose response it documented.
	Responses []Count `json:"responses"`
	// Parameters lists every documented parameter ("header:X-Requested-By") with the
	// exchanges that sent it.
	Parameters []Count `json:"parameters"`
	// Properties lists every documented request body property ("/user/name", "*" standing
	// for the items of an array) with the exchanges that sent it.
	Properties []Count `json:"properties"`
	// Choices lists the oneOfs and anyOfs of the operation's bodies.
	Choices      []Choice     `json:"choices"`
	Undocumented Undocumented `json:"undocumented"`
}

// Count is a documented or undocumented thing with the number of exchanges that showed it.
type Count struct {
	Name      string `json:"name"`
	Exchanges int    `json:"exchanges"`
}

// Choice is one oneOf or anyOf and how often valid bodies matched each branch.
type Choice struct {
	// Schema locates the keyword: "file#/pointer/oneOf".
	Schema  string         `json:"schema"`
	Line    int            `json:"line,omitempty"`
	Keyword string         `json:"keyword"`
	Part    validator.Part `json:"part"`
	// Statuses are the responses whose bodies reach it, for a response part.
	Statuses []string      `json:"statuses,omitempty"`
	Branches []BranchCount `json:"branches"`
}

// BranchCount is one branch of a Choice.
type BranchCount struct {
	Index   int    `json:"index"`
	Name    string `json:"name"`
	Matches int    `json:"matches"`
}

// Undocumented lists what traffic showed that the operation does not document, most frequent
// first.
type Undocumented struct {
	Statuses           []Count `json:"statuses"`
	RequestMedia       []Count `json:"request_media"`
	ResponseMedia      []Count `json:"response_media"`
	RequestProperties  []Count `json:"request_properties"`
	ResponseProperties []Count `json:"response_properties"`
	// Dropped counts undocumented properties not listed, past MaxUndocumented per kind.
	Dropped int `json:"dropped,omitempty"`
}

// Report returns the coverage so far. It is safe to call while exchanges are being added.
func (t *Tracker) Report() *Report {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := &Report{Unrouted: t.unrouted, OutOfScope: t.outOfScope, Operations: []Operation{}}
	for _, s := range t.ops {
		m := s.model
		o := Operation{
			ID: m.op.ID, Method: m.op.Method, Path: m.op.Path, Spec: m.op.Spec,
			Exchanges: s.exchanges, Valid: s.valid, Preflights: s.preflights,
			Responses: []Count{}, Parameters: []Count{}, Properties: []Count{}, Choices: []Choice{},
		}
		r.Totals.Operations.add(s.exchanges > 0)
		for _, st := range m.op.Statuses {
			n := s.statuses[st]
			o.Responses = append(o.Responses, Count{Name: statusName(st), Exchanges: n})
			r.Totals.Responses.add(n > 0)
		}
		for _, p := range m.params {
			o.Parameters = append(o.Parameters, Count{Name: p, Exchanges: s.params[p]})
			r.Totals.Parameters.add(s.params[p] > 0)
		}
		for _, p := range m.properties {
			o.Properties = append(o.Properties, Count{Name: p, Exchanges: s.props[p]})
			r.Totals.Properties.add(s.props[p] > 0)
		}
		for _, c := range m.choices {
			ch := Choice{Schema: c.schema, Line: c.line, Keyword: c.keyword, Part: c.part, Statuses: c.statuses}
			for i, name := range c.branches {
				n := s.branches[c.schema][i]
				ch.Branches = append(ch.Branches, BranchCount{Index: i, Name: name, Matches: n})
				r.Totals.Branches.add(n > 0)
			}
			o.Choices = append(o.Choices, ch)
		}
		o.Undocumented = Undocumented{
			Statuses:           counts(s.undoc[undocStatus]),
			RequestMedia:       counts(s.undoc[undocRequestMedia]),
			ResponseMedia:      counts(s.undoc[undocResponseMedia]),
			RequestProperties:  counts(s.undoc[undocRequestProp]),
			ResponseProperties: counts(s.undoc[undocResponseProp]),
			Dropped:            s.dropped,
		}
		r.Operations = append(r.Operations, o)
	}
	for _, m := range []*Metric{&r.Totals.Operations, &r.Totals.Responses, &r.Totals.Branches, &r.Totals.Parameters, &r.Totals.Properties} {
		m.finish()
	}
	return r
}

// counts lists m most frequent first, then by name.
func counts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for name, n := range m {
		out = append(out, Count{Name: name, Exchanges: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Exchanges != out[j].Exchanges {
			return out[i].Exchanges > out[j].Exchanges
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Statuses lists the documented statuses of every operation, in the order of the first
// operation that documents each: the columns of an operations × statuses grid.
func (r *Report) Statuses() []string {
	var out []string
	for _, o := range r.Operations {
		for _, c := range o.Responses {
			if !slices.Contains(out, c.Name) {
				out = append(out, c.Name)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return statusOrder(out[i]) < statusOrder(out[j]) })
	return out
}

// statusOrder sorts "200" < "2XX" < "400" < "default".
func statusOrder(s string) string {
	if s == "default" {
		return "~"
	}
	return strings.ToUpper(s)
}

// Response returns the exchanges op saw for the documented status, and whether op documents it.
func (o Operation) Response(status string) (int, bool) {
	for _, c := range o.Responses {
		if c.Name == status {
			return c.Exchanges, true
		}
	}
	return 0, false
}
