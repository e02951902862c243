package fuzz

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/specgate/specgate/internal/coverage"
	"github.com/specgate/specgate/rules"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// Auth is the credentials to send to operations that need them: basic (User and Password) or a
// bearer Token. They go into requests only, never into findings, curl commands or logs.
type Auth struct {
	User, Password string
	Token          string
}

// Set reports whether credentials are given.
func (a Auth) Set() bool { return a.User != "" || a.Password != "" || a.Token != "" }

func (a Auth) set(h http.Header) {
	switch {
	case a.Token != "":
		h.Set("Authorization", "Bearer "+a.Token)
	case a.User != "" || a.Password != "":
		r := http.Request{Header: h}
		r.SetBasicAuth(a.User, a.Password)
	}
}

// authChange is how a negative case breaks the credentials it sends.
type authChange int

const (
	authAsGiven authChange = iota
	// authWrong: the credentials given with a wrong password or token. The validator sees
	// credentials of the right kind (it cannot know the password), so such a case is sent
	// without a violation to confirm: only the target knows it is wrong.
	authWrong
	// authOtherScheme: a bearer token where basic credentials are given, and basic
	// credentials where a token is; the validator confirms the operation accepts no such
	// scheme, or the case is not sent.
	authOtherScheme
)

// wrongSecret is what authWrong appends to the password or token given.
const wrongSecret = "-not-the-secret"

// changed returns the credentials a negative case sends in place of a.
func (a Auth) changed(c authChange) Auth {
	switch c {
	case authWrong:
		if a.Token != "" {
			return Auth{Token: a.Token + wrongSecret}
		}
		return Auth{User: a.User, Password: a.Password + wrongSecret}
	case authOtherScheme:
		if a.Token != "" {
			return Auth{User: "specgate-fuzz", Password: "specgate-fuzz"}
		}
		return Auth{Token: "specgate-fuzz-token"}
	}
	return a
}

// Options configures a Fuzzer. Only Target is required.
type Options struct {
	// Target is the deployment's origin, with an optional path prefix; the specs' server base
	// paths are appended to it.
	Target *url.URL
	// Auth is sent to operations whose security requirements ask for credentials.
	Auth Auth
	// Operations limits the run to these operationIds; empty means every operation.
	Operations []string
	// State gives identifiers that must exist, by property or parameter name ("id"), or by
	// operationId and name ("patchUser/id", which wins). Every value generated for such a name
	// is one of these, the same for every place of one request.
	State map[string][]string
	// Seed makes the run reproducible: the same seed gives the same requests.
	Seed int64
	// MaxRequests bounds the requests sent, shrinking included. Zero means 2,000.
	MaxRequests int
	// Duration bounds the run's time. Zero means no bound but MaxRequests.
	Duration time.Duration
	// Rate bounds the requests sent per second. Zero means no bound.
	Rate float64
	// Concurrency is how many requests are in flight at once. Zero means 1.
	Concurrency int
	// ShrinkRequests bounds the requests spent shrinking one failure. Zero means 200.
	ShrinkRequests int
	// GenerationBudget bounds the work of generating one operation's requests, in steps (a
	// schema visited or a value made); its negatives get as many again. Past it only minimal
	// values are made and the run notes what was left out. Zero means DefaultGenerationBudget.
	GenerationBudget int
	// Client sends the requests; nil uses a client with a 30-second timeout.
	Client *http.Client
}

// Fuzzer generates and runs contract tests for a set of specs. Build it once with New.
type Fuzzer struct {
	opts Options
	// v judges the generated requests and the replies, observing what each exercised (a second
	// walk of valid bodies) for the run's coverage.
	v   *validator.Validator
	ops []*operation
	// model is v's model of ops, which the run's coverage is measured against.
	model []validator.Operation
	// state is the run's identifiers: Options.State, then what the run captured.
	state map[string][]string
	// patterns caches the specs' compiled patterns for generation.
	patterns patterns
}

// New compiles docs into a Fuzzer. An error names what the specs or options lack.
func New(docs []*specs.Document, opts Options) (*Fuzzer, error) {
	v, err := validator.New(docs, validator.Options{Observe: true})
	if err != nil {
		return nil, err
	}
	ops, err := operations(docs)
	if err != nil {
		return nil, err
	}
	if len(opts.Operations) > 0 {
		want := map[string]bool{}
		for _, id := range opts.Operations {
			want[id] = true
		}
		var kept []*operation
		for _, o := range ops {
			if want[o.id] {
				kept = append(kept, o)
				delete(want, o.id)
			}
		}
		if len(want) > 0 {
			var missing []string
			for id := range want {
				missing = append(missing, id)
			}
			sort.Strings(missing)
			return nil, fmt.Errorf("no loaded spec has an operation %s", strings.Join(missing, ", "))
		}
		ops = kept
	}
	for k, vals := range opts.State {
		if len(vals) == 0 {
			return nil, fmt.Errorf("state %q lists no values", k)
		}
	}
	if opts.MaxRequests <= 0 {
		opts.MaxRequests = 2000
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 1
	}
	if opts.ShrinkRequests <= 0 {
		opts.ShrinkRequests = 200
	}
	if opts.GenerationBudget <= 0 {
		opts.GenerationBudget = DefaultGenerationBudget
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 30 * time.Second}
	}
	fuzzed := map[string]bool{}
	for _, o := range ops {
		fuzzed[o.id] = true
	}
	var model []validator.Operation
	for _, o := range v.Operations() {
		if fuzzed[o.ID] {
			model = append(model, o)
		}
	}
	return &Fuzzer{opts: opts, v: v, ops: ops, model: model, state: opts.State, patterns: patterns{}}, nil
}

// Finding is one failure or warning, with the minimal request that shows it.
type Finding struct {
	Rule  string      `json:"rule"`
	Level rules.Level `json:"level"`
	// Operation is "PATCH /users/{id} (patchUser)".
	Operation string `json:"operation"`
	// Positive is true for a valid request, false for a negative one.
	Positive bool `json:"positive"`
	// Mutation says what the negative request breaks.
	Mutation string `json:"mutation,omitempty"`
	// Status is the status the minimal request got.
	Status  int    `json:"status"`
	Message string `json:"message"`
	// Curl is the minimal request as a curl command, credentials redacted.
	Curl string `json:"curl"`
	// Body is the minimal request's body, secrets redacted.
	Body string `json:"body,omitempty"`
	// RequestViolations are the validator's verdict on a negative request (why it is invalid).
	RequestViolations []validator.Violation `json:"request_violations,omitempty"`
	// ResponseViolations are the validator's verdict on the response.
	ResponseViolations []validator.Violation `json:"response_violations,omitempty"`
	// Occurrences counts the generated requests that showed the same finding.
	Occurrences int `json:"occurrences"`
	// ShrinkSteps counts the reductions that kept the failure.
	ShrinkSteps int `json:"shrink_steps"`
	// FoundAt is the number of requests the run had sent when the first request showing the
	// finding got its reply, that request included: the budget that finds it.
	FoundAt int `json:"found_at"`
}

// Result is what a run found and covered.
type Result struct {
	Findings []Finding `json:"findings"`
	// Requests counts the requests sent, shrinking included.
	Requests int `json:"requests"`
	// Positive and Negative count the generated requests sent of each kind.
	Positive int `json:"positive"`
	Negative int `json:"negative"`
	// GeneratorRejects counts generated positives the validator rejected (generator bugs),
	// dropped unsent; NegativeDropped counts generated negatives it accepted, dropped unsent.
	GeneratorRejects int `json:"generator_rejects"`
	NegativeDropped  int `json:"negatives_dropped"`
	// Captured lists, per operation, the names whose values were captured from replies and
	// used in a later round; CapturedFrom says, per operation and name, where they came from
	// ("its own replies", "the link userRepositories of getUserByName", "the user_id of
	// patchUserProfiles's replies"). CapturedRejected counts the later rounds' positives the
	// validator rejected because a captured value broke the schema.
	Captured         map[string][]string          `json:"captured,omitempty"`
	CapturedFrom     map[string]map[string]string `json:"captured_from,omitempty"`
	CapturedRejected int                          `json:"captured_rejected"`
	// Planned counts the distinct requests generated; Exhausted is true when the budget ran out
	// before all were sent.
	Planned   int  `json:"planned"`
	Exhausted bool `json:"exhausted"`
	// Unchecked lists the operations' documented request media types that the validator does
	// not check (XML, plain text, binary), so that the run generated no body of them and they
	// count as not checked, never as passed: "POST /files (upload): application/octet-stream".
	Unchecked []string `json:"unchecked,omitempty"`
	// Notes are things a user should know about the run (an identifier without state, an
	// operation skipped for lack of credentials).
	Notes []string `json:"notes,omitempty"`
	// Coverage is what the exchanges sent (shrinking included) exercised of the fuzzed
	// operations, measured as specgate replay --coverage measures it.
	Coverage *coverage.Report `json:"coverage"`
}

// Failures counts the findings at failure level.
func (r *Result) Failures() int {
	n := 0
	for _, f := range r.Findings {
		if f.Level == LevelFailure {
			n++
		}
	}
	return n
}

// sent is one case and what came back.
type sent struct {
	tc  *testCase
	enc *encoded
	// reqViolations is the validator's verdict on the request, reqObserved what it exercised,
	// res the verdict on the reply.
	reqViolations []validator.Violation
	reqObserved   *validator.Observation
	resp          *validator.Response
	res           validator.Result
	err           error
}

// Run generates the requests, sends them to the target, checks every reply and shrinks every
// failure. An error is returned only for what stops the run (an unusable target, a transport
// failure); what the target does wrong are findings.
func (f *Fuzzer) Run(ctx context.Context) (*Result, error) {
	if f.opts.Target == nil || f.opts.Target.Scheme == "" || f.opts.Target.Host == "" {
		return nil, errors.New("the target must be an absolute URL such as https://acme.nonemployee.com")
	}
	if f.opts.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.opts.Duration)
		defer cancel()
	}
	f.state = map[string][]string{}
	for k, v := range f.opts.State {
		f.state[k] = v
	}
	res := &Result{}
	seen := map[string]bool{}
	plan, unbound := f.plan(ctx, res, seen, f.ops, true)
	res.Planned = len(plan)
	r := newRunner(f, res, unbound)
	if f.opts.Rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / f.opts.Rate))
		defer t.Stop()
		r.tick = t.C
	}
	if err := r.sendAll(ctx, plan); err != nil {
		return res, err
	}
	// Identifiers the replies carried feed another round of the operations that lacked them,
	// and so on along chains of operations (a list feeding a get feeding an update): at most
	// one round per operation, since each round binds at least one name for good.
	for round := 0; round < len(f.ops) && r.budget > 0 && ctx.Err() == nil; round++ {
		again := r.bindCaptured()
		if len(again) == 0 {
			break
		}
		rejects := res.GeneratorRejects
		plan, _ := f.plan(ctx, res, seen, again, false)
		res.CapturedRejected += res.GeneratorRejects - rejects
		res.GeneratorRejects = rejects
		res.Planned += len(plan)
		if err := r.sendAll(ctx, plan); err != nil {
			return res, err
		}
	}
	r.finish()
	return res, nil
}

// plan generates every operation's cases, checks each with the validator, keeps each distinct
// request once, and interleaves the operations so that a budget cut shares them fairly.
//
// It returns, per operation, the id-like names generated without state (each with the
// qualified name replies may carry it under), which replies may fill.
// notes adds the run's notes (the first round only).
//
// Generation stops when ctx is done (the operations not reached are named in a note), and no
// operation plans more requests than the run may send.
func (f *Fuzzer) plan(ctx context.Context, res *Result, seen map[string]bool, ops []*operation, notes bool) ([]*sent, map[string]map[string]string) {
	var queues [][]*sent
	unbound := map[string]map[string]string{}
	for n, op := range ops {
		if ctx.Err() != nil {
			res.Exhausted = true
			res.Notes = append(res.Notes, fmt.Sprintf("the run's time was up after generating %d of %d operations; %s were not generated", n, len(ops), opList(ops[n:])))
			break
		}
		i := f.index(op)
		if notes && len(op.unchecked) > 0 {
			// Never reported as passed: the run says which bodies it neither sent nor checked.
			res.Unchecked = append(res.Unchecked, fmt.Sprintf("%s: %s", op, strings.Join(op.unchecked, ", ")))
			res.Notes = append(res.Notes, fmt.Sprintf("%s: its request body as %s is not checked (the validator checks JSON and form bodies), so none is generated of it", op, strings.Join(op.unchecked, ", ")))
		}
		if notes && op.secured && !f.opts.Auth.Set() {
			res.Notes = append(res.Notes, fmt.Sprintf("%s needs credentials and none were given: only its missing-credentials case is sent", op))
		}
		g := f.generator(ctx, op, f.opts.Seed+int64(i)*7919)
		var q []*sent
		pos := g.positiveCases(op)
		if len(pos) > f.opts.MaxRequests {
			pos = pos[:f.opts.MaxRequests] // the run could not send more
		}
		if op.secured && !f.opts.Auth.Set() {
			// Without credentials no positive can be valid: only their absence is tested.
			if len(pos) > 0 {
				tc := pos[0]
				tc.noAuth, tc.positive, tc.mutation = true, false, "missing credentials"
				if s, ok := f.judged(ctx, tc, seen); ok {
					q = append(q, s)
				}
			}
			queues = append(queues, q)
			continue
		}
		base := -1
		wrongCredentials := 0
		for _, tc := range pos {
			if ctx.Err() != nil {
				g.stopped = true
				break
			}
			tc.pick = len(q)
			s, ok := f.judged(ctx, tc, seen)
			if !ok {
				switch {
				case s == nil:
				case onlySecurity(s.reqViolations):
					wrongCredentials++
				default:
					res.GeneratorRejects++
				}
				continue
			}
			if base < 0 {
				base = len(q)
			}
			q = append(q, s)
		}
		if base >= 0 {
			for _, tc := range g.negativeCases(q[base].tc, f.opts.GenerationBudget) {
				if ctx.Err() != nil || len(q) >= f.opts.MaxRequests {
					break
				}
				tc.pick = len(q)
				s, ok := f.judged(ctx, tc, seen)
				if !ok {
					if s != nil {
						res.NegativeDropped++
					}
					continue
				}
				q = append(q, s)
			}
		} else if notes && len(pos) > 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("%s: no generated request is valid, so nothing was sent", op))
		}
		if notes && (g.ranOut || g.stopped || g.trimmed > 0) {
			why := fmt.Sprintf("%d optional parts and branches were left out to keep each value within %d nodes", g.trimmed, bodyNodes)
			switch {
			case g.stopped:
				why = "the run's time was up during its generation, so only minimal values were made from then on"
			case g.ranOut:
				why = fmt.Sprintf("its generation took the whole budget of %d steps, so only minimal values were made from then on (%d optional parts and branches left out)", f.opts.GenerationBudget, g.trimmed)
			}
			res.Notes = append(res.Notes, fmt.Sprintf("%s: %s", op, why))
		}
		if notes && len(g.ecmaOnly) > 0 {
			pats := make([]string, 0, len(g.ecmaOnly))
			for p := range g.ecmaOnly {
				pats = append(pats, fmt.Sprintf("%q", p))
			}
			sort.Strings(pats)
			res.Notes = append(res.Notes, fmt.Sprintf("%s: Go's regexp/syntax cannot read the ECMA-262 pattern %s, so its strings are only the spec's examples and defaults", op, strings.Join(pats, ", ")))
		}
		if notes && wrongCredentials > 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("%s: the credentials given are not of a kind its security requirements accept; %d valid requests were not sent", op, wrongCredentials))
		}
		names := make([]string, 0, len(g.unbound))
		for n := range g.unbound {
			names = append(names, n)
		}
		sort.Strings(names)
		unbound[op.id] = g.unbound
		for _, n := range names {
			if notes {
				res.Notes = append(res.Notes, fmt.Sprintf("%s: no state names %q (give it in --state as %s/%s or %s); a later round uses the values successful replies carry, if any (its links', its own, or another operation's %s)", op, n, op.id, n, n, g.unbound[n]))
			}
		}
		queues = append(queues, q)
	}
	var plan []*sent
	for more := true; more; {
		more = false
		for i, q := range queues {
			if len(q) > 0 {
				plan = append(plan, q[0])
				queues[i] = q[1:]
				more = true
			}
		}
	}
	return plan, unbound
}

// generator returns a generator of op's values with its own seed and the run's budget.
func (f *Fuzzer) generator(ctx context.Context, op *operation, seed int64) *generator {
	return &generator{rnd: rand.New(rand.NewSource(seed)), state: f.stateKey, known: f.state, op: op, unbound: map[string]string{},
		ctx: ctx, left: f.opts.GenerationBudget, ecmaOnly: map[string]bool{}, patterns: f.patterns}
}

// opList names up to five operations, and how many more.
func opList(ops []*operation) string {
	var names []string
	for i, op := range ops {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(ops)-5))
			break
		}
		names = append(names, op.id)
	}
	return strings.Join(names, ", ")
}

// index is the operation's position, which seeds its generator: the same in every round.
func (f *Fuzzer) index(op *operation) int {
	for i, o := range f.ops {
		if o == op {
			return i
		}
	}
	return 0
}

// judged encodes tc and asks the validator: ok is true when the request is new and the
// validator's verdict is the one its kind needs (valid for a positive, invalid for a negative).
// s is nil when the request could not be encoded or was a duplicate.
func (f *Fuzzer) judged(ctx context.Context, tc *testCase, seen map[string]bool) (*sent, bool) {
	enc, err := f.encode(tc)
	if err != nil {
		return nil, false
	}
	if seen[enc.key] {
		return nil, false
	}
	s := &sent{tc: tc, enc: enc}
	req := f.v.Validate(ctx, validator.Exchange{Request: enc.req})
	s.reqViolations, s.reqObserved = req.Violations, req.Observed
	if !kindHolds(tc, req) {
		return s, false
	}
	seen[enc.key] = true
	return s, true
}

// onlySecurity reports whether every violation is missing credentials: the request is right
// but the credentials given are of another kind (a token where basic auth is asked for).
func onlySecurity(vs []validator.Violation) bool {
	for _, v := range vs {
		if v.Rule != validator.RuleRequestSecurityMissing {
			return false
		}
	}
	return len(vs) > 0
}

// kindHolds reports whether the validator's verdict on the request fits tc's kind: valid for a
// positive, invalid for a negative.
func kindHolds(tc *testCase, res validator.Result) bool {
	if res.OutOfScope != "" || res.Operation != tc.op.id {
		return false
	}
	if tc.badAuth == authWrong {
		return len(res.Violations) == 0 // wrong only for the target: the rest must be valid
	}
	return tc.positive == (len(res.Violations) == 0)
}

// checkResponse validates a reply against the operation the request was routed to; the
// request itself was judged before it was sent.
func (f *Fuzzer) checkResponse(ctx context.Context, tc *testCase, resp *validator.Response) validator.Result {
	return f.v.Validate(ctx, validator.Exchange{Response: resp, Operation: tc.op.id})
}

func (f *Fuzzer) stateKey(op *operation, name string) string {
	if _, ok := f.state[op.id+"/"+name]; ok {
		return op.id + "/" + name
	}
	if _, ok := f.state[name]; ok {
		return name
	}
	return ""
}
