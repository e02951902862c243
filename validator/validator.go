package validator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/specgate/specgate/internal/schema"
	"github.com/specgate/specgate/specs"
)

// Options configures a Validator. The zero value is ready to use.
type Options struct {
	// Hosts limits scope to requests whose host matches one of these patterns (path.Match syntax
	// on the host name, such as "*.nonemployee.com"; a pattern with a port matches host:port).
	// Empty means every host is in scope: recordings come from tenants, staging hosts and proxies.
	Hosts []string
	// Observe makes every Result carry an Observation of what the exchange exercised, for
	// coverage. It costs a second walk of valid bodies.
	Observe bool
}

// Validator checks exchanges against a set of specs. Build it once with New; Validate is then
// safe for concurrent use and allocates little on the valid path.
type Validator struct {
	opts   Options
	router router
	byID   map[string]*operation
	ops    []*operation
	schema *schemaSet
}

// Default compiles the specs embedded in package specs: SailPoint NERM's and Oracle Identity
// Governance's.
func Default(ctx context.Context, opts Options) (*Validator, error) {
	docs, err := specs.Default(ctx)
	if err != nil {
		return nil, err
	}
	return New(docs, opts)
}

// New compiles docs into a Validator: it resolves every $ref, builds the routes and compiles every
// body, parameter and header schema once. An error names the spec file and the location that
// could not be compiled.
func New(docs []*specs.Document, opts Options) (*Validator, error) {
	if len(docs) == 0 {
		return nil, errors.New("no spec documents to validate against")
	}
	b := &builder{schemas: newSchemaSet()}
	for _, d := range docs {
		if err := b.schemas.addDocument(d); err != nil {
			return nil, err
		}
	}
	if err := b.schemas.addResources(); err != nil {
		return nil, err
	}
	for _, d := range docs {
		if err := b.document(d); err != nil {
			return nil, err
		}
	}
	for _, h := range opts.Hosts {
		if _, err := path.Match(h, ""); err != nil {
			return nil, fmt.Errorf("host pattern %q: %w", h, err)
		}
	}
	v := &Validator{opts: opts, router: router{bases: b.bases}, byID: map[string]*operation{}, ops: b.ops, schema: b.schemas}
	for _, op := range b.ops {
		if prev, dup := v.byID[op.id]; dup {
			if prev.spec == op.spec {
				// One spec's duplicate is its load's spec.operation_id.duplicate finding: requests
				// are routed by method and path all the same; the operationId names the first.
				continue
			}
			return nil, fmt.Errorf("operationId %q is used by both %s (%s %s) and %s (%s %s)", op.id, prev.spec, prev.method, prev.path, op.spec, op.method, op.path)
		}
		v.byID[op.id] = op
	}
	return v, nil
}

// SpecFindings lists what New found in the specs' schemas and cannot check (rule ids in
// LoadRules), once each, sorted by file and line. Everything else in those schemas is checked.
func (v *Validator) SpecFindings() []specs.Finding { return v.schema.findings() }

// Validate checks an exchange. With a Request, it is routed by method and path (never host) and
// checked; the Response, if any, is then checked against the routed operation. Without a
// Request, the Response is checked against the operation named by ex.Operation.
func (v *Validator) Validate(ctx context.Context, ex Exchange) (res Result) {
	defer func() {
		bound(res.Violations)
		res.OutOfScope = clipText(res.OutOfScope)
	}()
	var op *operation
	var pathParams map[string]string
	switch {
	case ex.Request != nil:
		if reason := v.outOfHosts(ex.Request); reason != "" {
			res.OutOfScope = reason
			return res
		}
		if preflight(ex.Request) {
			return v.checkPreflight(ex.Request)
		}
		m := v.router.find(ex.Request.Method, escapedPath(ex.Request))
		if m.op == nil {
			if !m.inBase {
				res.OutOfScope = fmt.Sprintf("%s is outside the base paths of every loaded spec (%s)", escapedPath(ex.Request), v.router.basePaths())
				return res
			}
			res.Violations = append(res.Violations, v.routeViolation(ex.Request, m))
			return res
		}
		op, pathParams = m.op, m.params
	case ex.Operation != "":
		op = v.byID[ex.Operation]
		if op == nil {
			res.Violations = append(res.Violations, Violation{
				Rule: RuleRouteNotFound, Part: PartResponse, Instance: ex.Operation,
				Message: fmt.Sprintf("no loaded spec has an operation %q", ex.Operation),
			})
			return res
		}
	default:
		res.Violations = append(res.Violations, Violation{
			Rule: RuleRouteNotFound, Part: PartResponse,
			Message: "a response alone needs the operation it answers",
		})
		return res
	}
	res.Operation, res.Spec = op.id, op.spec
	if v.opts.Observe {
		res.Observed = &Observation{}
	}
	if ex.Request != nil {
		res.Violations = v.checkRequest(op, ex.Request, pathParams, res.Violations, res.Observed)
	}
	if ex.Response != nil {
		method := op.method
		if ex.Request != nil {
			method = ex.Request.Method
		}
		res.Violations = v.checkResponse(op, method, ex.Response, res.Violations, res.Observed)
	}
	return res
}

// shownType is a media type as a message names it: itself when it is short, as media types are,
// else only its length, since the header is the client's to fill.
func shownType(typ string) string {
	if len(typ) > 64 {
		return fmt.Sprintf("(a media type of %d bytes)", len(typ))
	}
	return typ
}

func escapedPath(r *Request) string {
	if r.URL == nil {
		return "/"
	}
	return r.URL.EscapedPath()
}

func (v *Validator) routeViolation(r *Request, m routeMatch) Violation {
	path := escapedPath(r)
	if m.pathKnown {
		return Violation{
			Rule: RuleRouteMethodNotAllowed, Part: PartRequest, Instance: path,
			Message: fmt.Sprintf("%s is not documented for %s; documented: %s", strings.ToUpper(r.Method), m.templateOf, strings.Join(m.allowed, ", ")),
		}
	}
	return Violation{
		Rule: RuleRouteNotFound, Part: PartRequest, Instance: path,
		Message: fmt.Sprintf("no path template of the loaded specs matches %s", path),
	}
}

// outOfHosts returns why a request is out of scope by its host, or "".
func (v *Validator) outOfHosts(r *Request) string {
	if len(v.opts.Hosts) == 0 {
		return ""
	}
	host, hostport := "", ""
	if r.URL != nil {
		host, hostport = strings.ToLower(r.URL.Hostname()), strings.ToLower(r.URL.Host)
	}
	for _, h := range v.opts.Hosts {
		h = strings.ToLower(h)
		if ok, _ := path.Match(h, host); ok {
			return ""
		}
		if ok, _ := path.Match(h, hostport); ok {
			return ""
		}
	}
	return fmt.Sprintf("host %s matches no --host pattern (%s)", hostport, strings.Join(v.opts.Hosts, ", "))
}

// preflight reports whether r is a CORS preflight: OPTIONS announcing the method to come.
func preflight(r *Request) bool {
	return strings.EqualFold(r.Method, http.MethodOptions) && r.Header.Get("Access-Control-Request-Method") != ""
}

// checkPreflight checks a CORS preflight: the method it announces must be documented for the
// path. The preflight's own response is the server's CORS business, not the spec's.
func (v *Validator) checkPreflight(r *Request) Result {
	announced := strings.ToUpper(strings.TrimSpace(r.Header.Get("Access-Control-Request-Method")))
	m := v.router.find(announced, escapedPath(r))
	res := Result{Preflight: announced}
	switch {
	case m.op != nil:
		res.Operation, res.Spec = m.op.id, m.op.spec
	case !m.inBase:
		res.OutOfScope = fmt.Sprintf("%s is outside the base paths of every loaded spec (%s)", escapedPath(r), v.router.basePaths())
	case m.pathKnown:
		res.Violations = append(res.Violations, Violation{
			Rule: RulePreflightMethod, Part: PartRequest, Instance: "Access-Control-Request-Method",
			Message: fmt.Sprintf("the CORS preflight announces %s, which is not documented for %s; documented: %s", announced, m.templateOf, strings.Join(m.allowed, ", ")),
		})
	default:
		res.Violations = append(res.Violations, v.routeViolation(r, m))
	}
	return res
}

func (v *Validator) checkRequest(op *operation, r *Request, pathParams map[string]string, out []Violation, obs *Observation) []Violation {
	var add addFunc = func(rule, inst, kw, schema string, line int, msg string, br []Branch) {
		out = append(out, Violation{Rule: rule, Part: PartRequest, Operation: op.id, Instance: inst, Keyword: kw, Schema: schema, Line: line, Message: msg, Branches: br})
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	if msg := checkSecurity(op.security, r); msg != "" {
		add(RuleRequestSecurityMissing, "Authorization", "", "", 0, msg, nil)
	}
	for _, p := range op.params {
		val, ok := p.value(r, pathParams)
		if !ok {
			if p.required {
				add(RuleRequestParamMissing, p.name, "required", "", 0, fmt.Sprintf("the required %s parameter %s is missing", p.in, p.name), nil)
			}
			continue
		}
		if obs != nil {
			obs.Params = append(obs.Params, p.in+":"+p.name)
		}
		if p.schema == nil {
			continue
		}
		label := fmt.Sprintf("%s parameter %s", p.in, p.name)
		for _, f := range p.schema.Check(val, label) {
			rule := RuleRequestParamSchema
			if f.Keyword == "format" {
				rule = RuleRequestParamFormat
			}
			add(rule, p.name+f.Instance, f.Keyword, f.Schema, f.Line, f.Message, f.Branches)
		}
	}
	if op.body == nil {
		return out
	}
	if r.BodyNotRecorded {
		add(RuleRequestBodyNotRecorded, "", "", "", 0, "the recording holds no text for the request body, so it was not checked", nil)
		return out
	}
	if len(r.Body) == 0 {
		if op.body.required {
			add(RuleRequestBodyMissing, "", "required", "", 0, fmt.Sprintf("%s %s requires a body (%s) and the request has none", op.method, op.path, mediaList(op.body.content)), nil)
		}
		return out
	}
	ct := r.Header.Get("Content-Type")
	typ := mediaType(ct)
	m := matchMedia(typ, op.body.content)
	if m == nil {
		msg := fmt.Sprintf("the request has no Content-Type; %s accepts %s", op.id, mediaList(op.body.content))
		if typ != "" {
			msg = fmt.Sprintf("Content-Type %s is not accepted; %s accepts %s", shownType(typ), op.id, mediaList(op.body.content))
		}
		add(RuleRequestContentType, "Content-Type", "", "", 0, msg, nil)
		return out
	}
	if obs != nil {
		obs.RequestMedia = m.typ
	}
	v.checkBody(PartRequest, m, typ, ct, r.Body, obs, add)
	return out
}

// lookupStatus finds the documented response for a status: exact, then its range (2XX), then
// default.
func (op *operation) lookupStatus(code int) (string, *response) {
	s := strconv.Itoa(code)
	if r := op.statuses[s]; r != nil {
		return s, r
	}
	if len(s) == 3 {
		if r := op.statuses[s[:1]+"XX"]; r != nil {
			return s[:1] + "XX", r
		}
	}
	if r := op.statuses["DEFAULT"]; r != nil {
		return "DEFAULT", r
	}
	return "", nil
}

func (v *Validator) checkResponse(op *operation, method string, r *Response, out []Violation, obs *Observation) []Violation {
	var add addFunc = func(rule, inst, kw, schema string, line int, msg string, br []Branch) {
		out = append(out, Violation{Rule: rule, Part: PartResponse, Operation: op.id, Instance: inst, Keyword: kw, Schema: schema, Line: line, Message: msg, Branches: br})
	}
	key, resp := op.lookupStatus(r.Status)
	if obs != nil {
		obs.Status = key
	}
	if resp == nil {
		codes := make([]string, 0, len(op.statuses))
		for c := range op.statuses {
			codes = append(codes, strings.ToLower(c))
		}
		sort.Strings(codes)
		add(RuleResponseStatus, strconv.Itoa(r.Status), "", "", 0, fmt.Sprintf("status %d is not documented for %s; documented: %s", r.Status, op.id, strings.Join(codes, ", ")), nil)
		return out
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	for _, h := range resp.headers {
		val, ok := h.headerValue(r.Header)
		if !ok {
			if h.required {
				add(RuleResponseHeaderMissing, h.name, "required", "", 0, fmt.Sprintf("the required response header %s is missing", h.name), nil)
			}
			continue
		}
		if h.schema == nil {
			continue
		}
		for _, f := range h.schema.Check(val, "header "+h.name) {
			add(RuleResponseHeaderSchema, h.name+f.Instance, f.Keyword, f.Schema, f.Line, f.Message, f.Branches)
		}
	}
	if len(resp.content) == 0 || strings.EqualFold(method, http.MethodHead) || r.Status == http.StatusNoContent || r.Status == http.StatusNotModified {
		return out
	}
	if r.BodyNotRecorded {
		add(RuleResponseBodyNotRecorded, "", "", "", 0, "the recording holds no text for the response body, so it was not checked", nil)
		return out
	}
	if len(r.Body) == 0 {
		add(RuleResponseBodyMissing, "", "", "", 0, fmt.Sprintf("status %d documents a body (%s) and the response has none", r.Status, mediaList(resp.content)), nil)
		return out
	}
	ct := r.Header.Get("Content-Type")
	typ := mediaType(ct)
	m := matchMedia(typ, resp.content)
	if m == nil {
		msg := fmt.Sprintf("the response has no Content-Type; status %d documents %s", r.Status, mediaList(resp.content))
		if typ != "" {
			msg = fmt.Sprintf("Content-Type %s is not documented for status %d; documented: %s", shownType(typ), r.Status, mediaList(resp.content))
		}
		add(RuleResponseContentType, "Content-Type", "", "", 0, msg, nil)
		return out
	}
	if obs != nil {
		obs.ResponseMedia = m.typ
	}
	v.checkBody(PartResponse, m, typ, ct, r.Body, obs, add)
	return out
}

// decodeChecked decodes a JSON body and reports what keeps it from being evaluated (malformed
// JSON, a limit) or makes it ambiguous (a duplicate key). ok is false when the schema cannot be
// applied.
func decodeChecked(data []byte, part Part, report func(rule, inst, msg string)) (any, bool) {
	rules := map[string]string{"malformed": RuleRequestBodyMalformed, "duplicate_key": RuleRequestBodyDuplicateKey, "limits": RuleRequestBodyLimits}
	if part == PartResponse {
		rules = map[string]string{"malformed": RuleResponseBodyMalformed, "duplicate_key": RuleResponseBodyDuplicateKey, "limits": RuleResponseBodyLimits}
	}
	body, issues, err := schema.Decode(data)
	for _, is := range issues {
		report(rules[is.Kind], is.Pointer, is.Message)
	}
	if err != nil {
		var se *schema.SyntaxError
		msg := err.Error()
		if errors.As(err, &se) {
			msg = fmt.Sprintf("%s at %s", se.Msg, position(data, int64(se.Offset)))
		}
		report(rules["malformed"], "", fmt.Sprintf("the %s body is not valid JSON: %s", part, msg))
		return nil, false
	}
	for _, is := range issues {
		if is.Kind == "limits" {
			return nil, false
		}
	}
	return body, true
}

// addFunc records one violation of a part.
type addFunc func(rule, inst, kw, schema string, line int, msg string, br []Branch)

// checkBody checks a body whose media type m was matched: a JSON or form body (form.go) is
// decoded and validated against m's schema; what the valid body exercised goes to obs. A body
// of another type is not checked (ChecksMediaType).
func (v *Validator) checkBody(part Part, m *media, typ, contentType string, data []byte, obs *Observation, add addFunc) {
	if m.schema == nil {
		return
	}
	var body any
	switch {
	case isJSON(typ):
		var ok bool
		body, ok = decodeChecked(data, part, func(rule, inst, msg string) { add(rule, inst, "", "", 0, msg, nil) })
		if !ok {
			return
		}
	case typ == mediaForm || typ == mediaMultipart:
		obj, err := decodeForm(typ, contentType, data, m.form)
		if err != nil {
			rule := RuleRequestBodyMalformed
			if part == PartResponse {
				rule = RuleResponseBodyMalformed
			}
			add(rule, "", "", "", 0, fmt.Sprintf("the %s body is not valid %s: %v", part, typ, err), nil)
			return
		}
		body = obj
	default:
		return
	}
	if obs != nil {
		if part == PartRequest {
			obs.RequestBody = body
		} else {
			obs.ResponseBody = body
		}
	}
	schemaRule, forbidKw, forbidRule := RuleRequestBodySchema, kwForbidReadOnly, RuleRequestBodyReadOnly
	if part == PartResponse {
		schemaRule, forbidKw, forbidRule = RuleResponseBodySchema, kwForbidWriteOnly, RuleResponseBodyWriteOnly
	}
	label := "the request body"
	if part == PartResponse {
		label = "the response body"
	}
	fails := m.schema.Check(body, label)
	if obs != nil && len(fails) == 0 {
		obs.Branches = v.schema.branches(m.schema, body, part, obs.Branches)
	}
	for _, f := range fails {
		rule := schemaRule
		if f.Keyword == forbidKw {
			rule = forbidRule
		}
		add(rule, f.Instance, schema.SpecKeyword(f.Keyword), f.Schema, f.Line, f.Message, f.Branches)
	}
}
