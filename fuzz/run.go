package fuzz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/specgate/specgate/internal/coverage"
	"github.com/specgate/specgate/internal/redact"
	"github.com/specgate/specgate/validator"
)

// runner holds one run's progress.
type runner struct {
	f      *Fuzzer
	res    *Result
	cov    *coverage.Tracker
	budget int
	tick   <-chan time.Time
	found  map[string]int // finding key → index in res.Findings
	// unbound names, per operation, the identifiers generated without state (name → the
	// qualified name replies carry it under); bound counts the values "op/name" has had bound.
	unbound map[string]map[string]string
	bound   map[string]int
	// captured holds what each operation's own replies carried of its unbound names; linked
	// what links gave each operation's parameters; pool the identifiers replies carried, by
	// qualified name; generated the values requests carried that generation made up, which a
	// reply echoing them does not prove exist.
	captured  map[string]*capture
	linked    map[string]map[string]*values
	pool      map[string]*values
	generated map[string]bool
	// refused holds, per "operation parameter", a negative on that parameter the target refused
	// with a documented 4xx; accepted the findings of negatives on a parameter that the spec
	// gave no 4xx to refuse and that got a 2xx. finish makes those failures when the target
	// refused another violation of the same parameter: it shows it checks the parameter.
	refused  map[string]string
	accepted map[string][]int
}

func newRunner(f *Fuzzer, res *Result, unbound map[string]map[string]string) *runner {
	return &runner{f: f, res: res, cov: coverage.New(f.model), budget: f.opts.MaxRequests, found: map[string]int{},
		unbound: unbound, bound: map[string]int{}, captured: map[string]*capture{},
		linked: map[string]map[string]*values{}, pool: map[string]*values{}, generated: map[string]bool{},
		refused: map[string]string{}, accepted: map[string][]int{}}
}

// sendAll sends the plan, Concurrency requests at a time, and judges the replies in plan
// order so that findings do not depend on timing. It stops at the budget or when ctx is done.
func (r *runner) sendAll(ctx context.Context, plan []*sent) error {
	batch := r.f.opts.Concurrency * 4
	for len(plan) > 0 {
		if r.budget <= 0 || ctx.Err() != nil {
			r.res.Exhausted = true
			return nil
		}
		part := plan[:min(batch, r.budget, len(plan))]
		plan = plan[len(part):]
		// The batch is paid for before it is judged, so that shrinking sees what is left.
		r.budget -= len(part)
		var wg sync.WaitGroup
		sem := make(chan struct{}, r.f.opts.Concurrency)
		for _, s := range part {
			r.wait(ctx)
			sem <- struct{}{}
			wg.Add(1)
			go func(s *sent) {
				defer wg.Done()
				defer func() { <-sem }()
				s.resp, s.err = r.f.send(ctx, s.enc.req)
			}(s)
		}
		wg.Wait()
		// A reply may show what another request of the batch made up (the server ran it
		// first): every made-up value of the batch is known before any reply is read.
		for _, s := range part {
			if s.err == nil {
				r.noteGenerated(s.tc)
			}
		}
		for _, s := range part {
			if s.err != nil {
				if ctx.Err() != nil {
					r.res.Exhausted = true
					return nil
				}
				return s.err
			}
			r.res.Requests++
			if s.tc.positive {
				r.res.Positive++
			} else {
				r.res.Negative++
			}
			s.res = r.judge(ctx, s)
			r.capture(s)
			if err := r.check(ctx, s); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *runner) wait(ctx context.Context) {
	if r.tick == nil {
		return
	}
	select {
	case <-r.tick:
	case <-ctx.Done():
	}
}

// judge checks the reply to s and counts the exchange in the run's coverage.
func (r *runner) judge(ctx context.Context, s *sent) validator.Result {
	res := r.f.checkResponse(ctx, s.tc, s.resp)
	r.cov.Add(validator.Exchange{Request: s.enc.req, Response: s.resp}, exchangeResult(s, res))
	return res
}

// exchangeResult is the verdict on s's whole exchange, as validating request and response at
// once gives it, put together from the request's verdict (judged before it was sent) and res,
// the reply's, so that the request is not validated twice.
// TestExchangeResultIsTheWholeExchangesVerdict keeps the two equal.
func exchangeResult(s *sent, res validator.Result) validator.Result {
	out := res
	out.Violations = slices.Concat(s.reqViolations, res.Violations)
	if s.reqObserved != nil && res.Observed != nil {
		obs := *s.reqObserved
		obs.Status, obs.ResponseMedia, obs.ResponseBody = res.Observed.Status, res.Observed.ResponseMedia, res.Observed.ResponseBody
		obs.Branches = slices.Concat(obs.Branches, res.Observed.Branches)
		out.Observed = &obs
	}
	return out
}

// verdict is the rule a reply breaks ("" for none) and why.
func verdict(tc *testCase, resp *validator.Response, res validator.Result) (rule, msg string, resps []validator.Violation) {
	for _, v := range res.Violations {
		if v.Part == validator.PartResponse {
			resps = append(resps, v)
		}
	}
	op, code := tc.op, resp.Status
	credentials := tc.noAuth || tc.badAuth != authAsGiven
	if tc.positive {
		switch {
		case code >= 500:
			return RuleServerError, fmt.Sprintf("a valid request got %d", code), resps
		case !op.documents(code):
			return RuleStatusUndocumented, fmt.Sprintf("a valid request got %d, which the operation does not document", code), resps
		case len(resps) > 0:
			return RuleResponseInvalid, fmt.Sprintf("the %d response to a valid request breaks the spec", code), resps
		}
		return "", "", nil
	}
	switch {
	case code >= 400 && code < 500:
		if !op.documents(code) {
			return RuleNegativeUndocumented, fmt.Sprintf("a request with %s was refused with %d, which the operation does not document", tc.mutation, code), resps
		}
		if len(resps) > 0 {
			return RuleResponseInvalid, fmt.Sprintf("the %d refusal of a request with %s breaks the spec", code, tc.mutation), resps
		}
		return "", "", nil
	case code >= 500 && (op.refuses(credentials) || !op.documents(code)):
		return RuleServerError, fmt.Sprintf("a request with %s got %d instead of a 4xx", tc.mutation, code), resps
	case code >= 500:
		return RuleNegativeUnrefusable, fmt.Sprintf("a request with %s got the documented %d; the spec documents no 4xx to refuse it with", tc.mutation, code), resps
	case op.refuses(credentials):
		return RuleNegativeAccepted, fmt.Sprintf("a request with %s got %d instead of a 4xx", tc.mutation, code), resps
	}
	return RuleNegativeUnrefusable, fmt.Sprintf("a request with %s got %d; the spec documents no 4xx to refuse it with", tc.mutation, code), resps
}

// findingKey groups the replies that show the same defect, so that each is shrunk and reported
// once: the rule and operation, and what the request broke or the response got wrong.
func findingKey(rule string, tc *testCase, resps []validator.Violation) string {
	k := rule + " " + tc.op.id + " " + strconv.FormatBool(tc.positive) + " " + tc.mutation
	if tc.positive && len(resps) > 0 {
		k += " " + resps[0].Rule + " " + resps[0].Instance
	}
	return k
}

func (r *runner) check(ctx context.Context, s *sent) error {
	rule, _, resps := verdict(s.tc, s.resp, s.res)
	param := ""
	if s.tc.mutParam != "" {
		param = s.tc.op.id + " " + s.tc.mutParam
		if code := s.resp.Status; code >= 400 && code < 500 && s.tc.op.documents(code) {
			if _, ok := r.refused[param]; !ok {
				r.refused[param] = fmt.Sprintf("a request with %s got %d", s.tc.mutation, code)
			}
		}
	}
	if rule == "" {
		return nil
	}
	key := findingKey(rule, s.tc, resps)
	if i, ok := r.found[key]; ok {
		r.res.Findings[i].Occurrences++
		return nil
	}
	foundAt := r.res.Requests // before shrinking sends more
	min, steps, err := r.shrink(ctx, s, rule)
	if err != nil {
		return err
	}
	rule, msg, resps := verdict(min.tc, min.resp, min.res)
	fd := Finding{
		Rule: rule, Level: levelOf(rule), Operation: s.tc.op.String(), Positive: s.tc.positive, Mutation: s.tc.mutation,
		Status: min.resp.Status, Message: msg, Curl: r.f.curl(min.enc.req), ResponseViolations: resps,
		Occurrences: 1, ShrinkSteps: steps, FoundAt: foundAt,
		Body: string(redact.Body(min.enc.req.Header.Get("Content-Type"), min.enc.req.Body)),
	}
	if !s.tc.positive {
		fd.RequestViolations = min.reqViolations
	}
	if rule == RuleNegativeUnrefusable && fd.Status < 300 && param != "" {
		r.accepted[param] = append(r.accepted[param], len(r.res.Findings))
	}
	r.found[key] = len(r.res.Findings)
	r.res.Findings = append(r.res.Findings, fd)
	return nil
}

// promote makes a failure of each negative on a parameter accepted with a 2xx, though the spec
// documents no 4xx to refuse it with, when the target refused another violation of the same
// parameter with a documented 4xx (a guard header refused when absent, accepted when empty):
// the target itself shows it checks the parameter and how it refuses.
func (r *runner) promote() {
	for param, idx := range r.accepted {
		other, ok := r.refused[param]
		if !ok {
			continue
		}
		for _, i := range idx {
			fd := &r.res.Findings[i]
			fd.Rule, fd.Level = RuleNegativeAccepted, levelOf(RuleNegativeAccepted)
			fd.Message = fmt.Sprintf("a request with %s got %d, though %s", fd.Mutation, fd.Status, other)
		}
	}
}

// send sends one request to the target and reads the reply.
func (f *Fuzzer) send(ctx context.Context, vr *validator.Request) (*validator.Response, error) {
	u := *vr.URL
	t := f.opts.Target
	u.Scheme, u.Host = t.Scheme, t.Host
	if prefix := strings.TrimSuffix(t.Path, "/"); prefix != "" {
		u.Path = prefix + u.Path
		if u.RawPath != "" {
			u.RawPath = strings.TrimSuffix(t.EscapedPath(), "/") + u.RawPath
		}
	}
	req, err := http.NewRequestWithContext(ctx, vr.Method, u.String(), bytes.NewReader(vr.Body))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", vr.Method, vr.URL.Path, err)
	}
	req.Header = vr.Header.Clone()
	if len(vr.Body) == 0 {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	resp, err := f.opts.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", vr.Method, u.Path, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the response: %w", vr.Method, u.Path, err)
	}
	return &validator.Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// curl writes the request as a curl command against the target, credentials redacted.
func (f *Fuzzer) curl(vr *validator.Request) string {
	u := *vr.URL
	t := f.opts.Target
	u.Scheme, u.Host = t.Scheme, t.Host
	if prefix := strings.TrimSuffix(t.Path, "/"); prefix != "" {
		u.Path = prefix + u.Path
		u.RawPath = ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "curl -X %s %s", vr.Method, shellQuote(redact.URL(&u).String()))
	h := redact.Header(vr.Header)
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, v := range h[n] {
			fmt.Fprintf(&b, " -H %s", shellQuote(n+": "+v))
		}
	}
	if len(vr.Body) > 0 {
		fmt.Fprintf(&b, " --data-raw %s", shellQuote(string(redact.Body(vr.Header.Get("Content-Type"), vr.Body))))
	}
	return b.String()
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// finish sorts the findings and writes the coverage.
func (r *runner) finish() {
	r.promote()
	sort.SliceStable(r.res.Findings, func(i, j int) bool {
		a, b := r.res.Findings[i], r.res.Findings[j]
		if a.Level != b.Level {
			return a.Level == LevelFailure
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Operation < b.Operation
	})
	r.res.Coverage = r.cov.Report()
}
