// Package contracts holds specgate's conformance cases: one YAML file per case, each an HTTP
// exchange (a request, a response, or both) for one operation of the embedded specs, and the
// verdict the validator must reach on it. The files are data in the manner of the
// JSON-Schema-Test-Suite: the Ginkgo suites in suites/ turn every file into a table entry, and
// anyone can add a case without writing Go.
//
// # Layout
//
// A case lives at <spec>/<operationId>/<kind>-<name>.yaml, for example
// nerm-lifecycle/patchUser/documented-200.yaml. <spec> is the spec file's name without .yaml,
// <operationId> is the operation the case is about, and <kind> is one of
//
//   - documented: an example taken from a vendor's page (documented: true);
//   - valid: a case written for specgate that the validator must accept;
//   - invalid: a case written for specgate that must produce exactly the listed violations.
//
// The kind is part of the name so that it can label a test before the file is parsed; Load
// checks that the name and the content agree.
//
// # Format
//
//	description: Documented 200 example of PATCH /users/{id}; its uid has 36 characters.
//	source: nerm-patch-user.txt     # the vendor page, required when documented
//	documented: true                # true only for the pages' own examples
//	operation: patchUser            # operationId, required, equal to the folder name
//	request:                        # optional
//	  method: PATCH
//	  url: https://acme.nonemployee.com/api/users/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e
//	  headers: {Content-Type: application/json}  # a value is a string or a list of strings
//	  body: {user: {id: db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e}}  # any JSON value, in YAML
//	  # or bodyText: '{"user": '    # raw text, sent as is
//	  # or bodyNotRecorded: true    # a body existed but the recording holds no text for it
//	response:                       # optional; status, headers and body as for request
//	  status: 200
//	  headers: {Content-Type: application/json}
//	  body: {user: {uid: db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e}}
//	expect:
//	  valid: false
//	  violations:                   # exactly these, in any order
//	    - rule: response.body.schema
//	      instance: /user/uid
//
// A case has a request, a response or both. Without a request the response is validated
// against operation alone. body keeps its keys in the order written; unquoted timestamps stay
// the text they were written as. Unknown fields are errors, so a misspelt field cannot
// silently drop part of a case.
//
// # Use
//
// Glob lists the case files of a file system (Embedded holds the ones shipped here), Load parses
// and checks one, Exchange turns it into a validator.Exchange, and Check compares the
// validator's Result with the case. Expected violations are compared with reported ones on rule
// id and instance only: messages, keywords and spec locations may be reworded without touching
// the cases. README.md beside the cases tells how to write one.
//
// A loaded Contract is never modified, so it is safe for concurrent use; Exchange returns fresh
// values on every call.
package contracts

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/specgate/specgate/validator"
)

//go:embed nerm-lifecycle oig-selfservice
var embedded embed.FS

// Embedded returns the file system holding the contracts shipped with specgate.
func Embedded() fs.FS { return embedded }

// Kind says what a case is for. It is the first word of the case's file name.
type Kind string

// The kinds of case.
const (
	KindDocumented Kind = "documented"
	KindValid      Kind = "valid"
	KindInvalid    Kind = "invalid"
)

// Location is what a contract's path tells about it.
type Location struct {
	// Spec is the spec's name, the first folder ("nerm-lifecycle").
	Spec string
	// Operation is the operationId, the second folder ("patchUser").
	Operation string
	// Kind is the first word of the file name.
	Kind Kind
}

// ParsePath reads spec, operation and kind from a path of the form
// <spec>/<operationId>/<kind>-<name>.yaml. It reads no file, so it can label a test before the
// file is parsed.
func ParsePath(p string) (Location, error) {
	parts := strings.Split(p, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || !strings.HasSuffix(parts[2], ".yaml") {
		return Location{}, fmt.Errorf("contract %s: the path must be <spec>/<operationId>/<kind>-<name>.yaml", p)
	}
	loc := Location{Spec: parts[0], Operation: parts[1]}
	word, _, _ := strings.Cut(parts[2], "-")
	switch k := Kind(word); k {
	case KindDocumented, KindValid, KindInvalid:
		loc.Kind = k
	default:
		return Location{}, fmt.Errorf("contract %s: the file name must start with documented-, valid- or invalid-", p)
	}
	return loc, nil
}

// Glob returns the paths of every contract file (*.yaml) in fsys, sorted.
func Glob(fsys fs.FS) ([]string, error) {
	var paths []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".yaml") {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing contracts: %w", err)
	}
	sort.Strings(paths)
	return paths, nil
}

// Contract is one case: an exchange and the verdict expected on it.
type Contract struct {
	// Path is the file's path in the file system it was loaded from. Set by Load.
	Path string `yaml:"-"`
	// Spec and Kind come from Path. Set by Load.
	Spec string `yaml:"-"`
	Kind Kind   `yaml:"-"`

	// Description says what the case shows, in a sentence or two.
	Description string `yaml:"description"`
	// Source names the vendor page a documented example comes from.
	Source string `yaml:"source"`
	// Documented is true for the pages' own examples only.
	Documented bool `yaml:"documented"`
	// Operation is the operationId the case is about; it routes a response without a request.
	Operation string    `yaml:"operation"`
	Request   *Request  `yaml:"request"`
	Response  *Response `yaml:"response"`
	Expect    *Expect   `yaml:"expect"`
}

// Request is the request half of a case.
type Request struct {
	Method  string  `yaml:"method"`
	URL     string  `yaml:"url"`
	Headers Headers `yaml:"headers"`
	Body    Body    `yaml:",inline"`
}

// Response is the response half of a case.
type Response struct {
	Status  int     `yaml:"status"`
	Headers Headers `yaml:"headers"`
	Body    Body    `yaml:",inline"`
}

// Body is the body of a request or response: at most one of its fields is set.
type Body struct {
	// JSON is a JSON value written in YAML ("body"). Its zero Kind means absent.
	JSON yaml.Node `yaml:"body"`
	// Text is raw text sent as is ("bodyText"), for malformed JSON and other media types.
	Text *string `yaml:"bodyText"`
	// NotRecorded marks a body that existed but was not recorded ("bodyNotRecorded").
	NotRecorded bool `yaml:"bodyNotRecorded"`
}

// Headers maps header names to their values. In YAML a value is a string or a list of strings.
type Headers map[string][]string

// Expect is the verdict a case expects.
type Expect struct {
	// Valid is required: true for no violations, false for exactly Violations.
	Valid *bool `yaml:"valid"`
	// Violations are the expected violations, in any order.
	Violations []Expected `yaml:"violations"`
}

// Expected is one expected violation, matched on rule id and instance.
type Expected struct {
	Rule string `yaml:"rule"`
	// Instance is required: a JSON pointer into the body ("" for the whole body), the name of a
	// parameter or header, the request's path (routing rules) or the status (undocumented status).
	Instance *string `yaml:"instance"`
}

// String names the violation as messages do: rule and quoted instance.
func (e Expected) String() string {
	inst := ""
	if e.Instance != nil {
		inst = *e.Instance
	}
	return fmt.Sprintf("%s at %q", e.Rule, inst)
}

// UnmarshalYAML reads a mapping of header names to a string or a list of strings.
func (h *Headers) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return typeErrorf(n, "headers must be a mapping of header names to values")
	}
	out := make(Headers, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			return typeErrorf(k, "a header name must be a non-empty string")
		}
		if _, dup := out[k.Value]; dup {
			return typeErrorf(k, "header %q is listed twice; give its values as a list", k.Value)
		}
		switch {
		case v.Kind == yaml.ScalarNode && v.ShortTag() != "!!null":
			out[k.Value] = []string{v.Value}
		case v.Kind == yaml.SequenceNode:
			vals := make([]string, 0, len(v.Content))
			for _, e := range v.Content {
				if e.Kind != yaml.ScalarNode || e.ShortTag() == "!!null" {
					return typeErrorf(e, "header %q: every value must be a string", k.Value)
				}
				vals = append(vals, e.Value)
			}
			out[k.Value] = vals
		default:
			return typeErrorf(v, "header %q must have a string or a list of strings as its value", k.Value)
		}
	}
	*h = out
	return nil
}

func typeErrorf(n *yaml.Node, format string, args ...any) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, fmt.Sprintf(format, args...))}}
}

// Load reads and checks the contract at path p of fsys. Its errors name the file and the field.
func Load(fsys fs.FS, p string) (*Contract, error) {
	loc, err := ParsePath(p)
	if err != nil {
		return nil, err
	}
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, fmt.Errorf("contract %s: %w", p, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	c := &Contract{}
	if err := dec.Decode(c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("contract %s: the file is empty", p)
		}
		return nil, fmt.Errorf("contract %s: %s", p, yamlMessage(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("contract %s: the file must hold one YAML document, not several", p)
	}
	c.Path, c.Spec, c.Kind = p, loc.Spec, loc.Kind
	if err := c.check(loc); err != nil {
		return nil, fmt.Errorf("contract %s: %w", p, err)
	}
	return c, nil
}

var unknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type contracts\.(\w+)$`)

// sections names the part of a case each decoded type holds, for messages.
var sections = map[string]string{
	"Contract": "at the top level",
	"Request":  "in request",
	"Response": "in response",
	"Expect":   "in expect",
	"Expected": "in expect.violations",
}

// yamlMessage rewords yaml.v3's errors so that they name fields as the file spells them.
func yamlMessage(err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return strings.TrimPrefix(err.Error(), "yaml: ")
	}
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		if s := unknownField.FindStringSubmatch(m); s != nil {
			m = fmt.Sprintf("line %s: unknown field %q %s", s[1], s[2], sections[s[3]])
		}
		msgs[i] = m
	}
	return strings.Join(msgs, "; ")
}

// check enforces what the YAML types cannot: required fields, exclusive fields, and agreement
// between the path and the content.
func (c *Contract) check(loc Location) error {
	switch {
	case strings.TrimSpace(c.Description) == "":
		return errors.New("description is required")
	case c.Operation == "":
		return errors.New("operation is required")
	case c.Operation != loc.Operation:
		return fmt.Errorf("operation is %q but the contract sits in the folder of %q", c.Operation, loc.Operation)
	case c.Documented && c.Source == "":
		return errors.New("source is required when documented is true: name the page the example comes from")
	case c.Documented != (loc.Kind == KindDocumented):
		return fmt.Errorf("documented is %t but the file name starts with %s-", c.Documented, loc.Kind)
	case c.Request == nil && c.Response == nil:
		return errors.New("a contract needs a request, a response or both")
	case c.Expect == nil:
		return errors.New("expect is required")
	case c.Expect.Valid == nil:
		return errors.New("expect.valid is required")
	}
	if c.Request != nil {
		if c.Request.Method == "" {
			return errors.New("request.method is required")
		}
		if c.Request.URL == "" {
			return errors.New("request.url is required")
		}
		if _, err := url.Parse(c.Request.URL); err != nil {
			return fmt.Errorf("request.url is not a URL: %w", err)
		}
		if _, err := c.Request.Body.bytes("request"); err != nil {
			return err
		}
	}
	if c.Response != nil {
		if c.Response.Status < 100 || c.Response.Status > 599 {
			return fmt.Errorf("response.status must be an HTTP status code (100 to 599), got %d", c.Response.Status)
		}
		if _, err := c.Response.Body.bytes("response"); err != nil {
			return err
		}
	}
	valid := *c.Expect.Valid
	switch {
	case valid && len(c.Expect.Violations) > 0:
		return errors.New("expect.valid is true, so expect.violations must be empty")
	case !valid && len(c.Expect.Violations) == 0:
		return errors.New("expect.valid is false, so expect.violations must list the violations expected")
	case valid && loc.Kind == KindInvalid:
		return errors.New("expect.valid is true but the file name starts with invalid-")
	case !valid && loc.Kind == KindValid:
		return errors.New("expect.valid is false but the file name starts with valid-")
	}
	for i, v := range c.Expect.Violations {
		if v.Rule == "" {
			return fmt.Errorf("expect.violations[%d].rule is required", i)
		}
		if !knownRule(v.Rule) {
			return fmt.Errorf("expect.violations[%d].rule %q is not a rule id of validator.Rules", i, v.Rule)
		}
		if v.Instance == nil {
			return fmt.Errorf("expect.violations[%d].instance is required (write \"\" for the whole body)", i)
		}
	}
	return nil
}

func knownRule(id string) bool {
	for _, r := range validator.Rules {
		if r.ID == id {
			return true
		}
	}
	return false
}

// bytes returns the body's bytes, nil when there is none. part names the half for errors.
func (b *Body) bytes(part string) ([]byte, error) {
	n := 0
	if b.JSON.Kind != 0 {
		n++
	}
	if b.Text != nil {
		n++
	}
	if b.NotRecorded {
		n++
	}
	if n > 1 {
		return nil, fmt.Errorf("%s: body, bodyText and bodyNotRecorded exclude one another", part)
	}
	switch {
	case b.Text != nil:
		return []byte(*b.Text), nil
	case b.JSON.Kind != 0:
		var buf bytes.Buffer
		if err := writeJSON(&buf, &b.JSON, part+".body"); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	return nil, nil
}

// writeJSON writes the YAML node n as JSON, keeping mapping keys in the order written and
// scalars as they were written where JSON allows. field names n for errors.
func writeJSON(buf *bytes.Buffer, n *yaml.Node, field string) error {
	switch n.Kind {
	case yaml.AliasNode:
		return writeJSON(buf, n.Alias, field)
	case yaml.MappingNode:
		buf.WriteByte('{')
		seen := make(map[string]bool, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
				return fmt.Errorf("%s (line %d): a key must be a plain string", field, k.Line)
			}
			if seen[k.Value] {
				return fmt.Errorf("%s (line %d): key %q appears twice; use bodyText for duplicate keys", field, k.Line, k.Value)
			}
			seen[k.Value] = true
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k.Value)
			buf.WriteByte(':')
			if err := writeJSON(buf, v, field+"."+k.Value); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, e := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSON(buf, e, fmt.Sprintf("%s[%d]", field, i)); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		return writeScalar(buf, n, field)
	default:
		return fmt.Errorf("%s (line %d) is not a JSON value", field, n.Line)
	}
	return nil
}

func writeScalar(buf *bytes.Buffer, n *yaml.Node, field string) error {
	switch n.ShortTag() {
	case "!!str", "!!timestamp":
		writeString(buf, n.Value)
	case "!!null":
		buf.WriteString("null")
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("%s (line %d): %s", field, n.Line, yamlMessage(err))
		}
		if f, ok := v.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
			return fmt.Errorf("%s (line %d): %s is not a JSON number; use bodyText", field, n.Line, n.Value)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("%s (line %d): %w", field, n.Line, err)
		}
		buf.Write(b)
	default:
		return fmt.Errorf("%s (line %d): a %s value is not JSON; use bodyText", field, n.Line, n.ShortTag())
	}
	return nil
}

// writeString writes s as a JSON string without escaping <, > and &, so that bodies stay as
// the pages print them.
func writeString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // encoding a string cannot fail
	buf.Truncate(buf.Len() - 1)
}

func (h Headers) header() http.Header {
	if h == nil {
		return http.Header{}
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		for _, v := range vs {
			out.Add(k, v)
		}
	}
	return out
}

// Exchanges loads every contract of fsys, in Glob's order, with the exchange each describes:
// what a test that feeds all of them to a validator needs. An error names the contract file.
func Exchanges(fsys fs.FS) ([]*Contract, []validator.Exchange, error) {
	paths, err := Glob(fsys)
	if err != nil {
		return nil, nil, err
	}
	cs := make([]*Contract, 0, len(paths))
	exs := make([]validator.Exchange, 0, len(paths))
	for _, p := range paths {
		c, err := Load(fsys, p)
		if err != nil {
			return nil, nil, err
		}
		ex, err := c.Exchange()
		if err != nil {
			return nil, nil, err
		}
		cs, exs = append(cs, c), append(exs, ex)
	}
	return cs, exs, nil
}

// Exchange builds the exchange the contract describes. Each call returns fresh values, which
// the caller may change. Operation is set only for a response without a request, which has no
// other way to be routed.
func (c *Contract) Exchange() (validator.Exchange, error) {
	var ex validator.Exchange
	if r := c.Request; r != nil {
		u, err := url.Parse(r.URL)
		if err != nil {
			return ex, fmt.Errorf("contract %s: request.url is not a URL: %w", c.Path, err)
		}
		body, err := r.Body.bytes("request")
		if err != nil {
			return ex, fmt.Errorf("contract %s: %w", c.Path, err)
		}
		ex.Request = &validator.Request{Method: r.Method, URL: u, Header: r.Headers.header(), Body: body, BodyNotRecorded: r.Body.NotRecorded}
	} else {
		ex.Operation = c.Operation
	}
	if r := c.Response; r != nil {
		body, err := r.Body.bytes("response")
		if err != nil {
			return ex, fmt.Errorf("contract %s: %w", c.Path, err)
		}
		ex.Response = &validator.Response{Status: r.Status, Header: r.Headers.header(), Body: body, BodyNotRecorded: r.Body.NotRecorded}
	}
	return ex, nil
}

// MismatchError tells how a result departs from a contract.
type MismatchError struct {
	// Path is the contract's path.
	Path string
	// Operation is the operation the result was routed to, when it is not the contract's.
	Operation string
	// OutOfScope is why the validator did not check the exchange, when it did not.
	OutOfScope string
	// Missing are expected violations the result lacks.
	Missing []Expected
	// Unexpected are reported violations the contract does not expect.
	Unexpected []validator.Violation
}

// Error lists the differences, one per line after a first line naming the contract.
func (e *MismatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "contract %s: the validator's verdict differs from the contract's", e.Path)
	if e.OutOfScope != "" {
		fmt.Fprintf(&b, "\n  the exchange was not checked: %s", e.OutOfScope)
	}
	if e.Operation != "" {
		fmt.Fprintf(&b, "\n  the exchange was routed to operation %s", e.Operation)
	}
	for _, m := range e.Missing {
		fmt.Fprintf(&b, "\n  expected but not reported: %s", m)
	}
	for _, v := range e.Unexpected {
		fmt.Fprintf(&b, "\n  reported but not expected: %s at %q (%s)", v.Rule, v.Instance, v.Message)
	}
	return b.String()
}

// Check compares the validator's result with the contract's expectation. It returns nil when
// they agree, else a *MismatchError listing missing and unexpected violations. A result routed
// to another operation, or not checked at all (out of scope), never agrees.
func (c *Contract) Check(res validator.Result) error {
	e := &MismatchError{Path: c.Path, OutOfScope: res.OutOfScope}
	if res.Operation != "" && res.Operation != c.Operation {
		e.Operation = res.Operation
	}
	// Match as multisets: a violation expected twice must be reported twice.
	pending := make([]validator.Violation, len(res.Violations))
	copy(pending, res.Violations)
	if c.Expect != nil {
		for _, want := range c.Expect.Violations {
			inst := ""
			if want.Instance != nil {
				inst = *want.Instance
			}
			i := indexOf(pending, want.Rule, inst)
			if i < 0 {
				e.Missing = append(e.Missing, want)
				continue
			}
			pending = append(pending[:i], pending[i+1:]...)
		}
	}
	e.Unexpected = pending
	if e.OutOfScope == "" && e.Operation == "" && len(e.Missing) == 0 && len(e.Unexpected) == 0 {
		return nil
	}
	return e
}

func indexOf(vs []validator.Violation, rule, inst string) int {
	for i, v := range vs {
		if v.Rule == rule && v.Instance == inst {
			return i
		}
	}
	return -1
}

// Documented returns the vendors' documented examples of fsys as a browser would record them:
// the documented exchanges as they are, then each documented response paired with its
// operation's documented request (the pages print the two apart). A documented response whose
// operation has no documented request is an error naming the operation.
func Documented(fsys fs.FS) ([]validator.Exchange, error) {
	cs, exs, err := Exchanges(fsys)
	if err != nil {
		return nil, err
	}
	requests := map[string]*validator.Request{}
	var out, responses []validator.Exchange
	for i, c := range cs {
		if loc, err := ParsePath(c.Path); err != nil || loc.Kind != KindDocumented {
			continue
		}
		switch ex := exs[i]; {
		case ex.Request != nil && ex.Response != nil:
			out = append(out, ex)
		case ex.Request != nil:
			requests[c.Operation] = ex.Request
		default:
			ex.Operation = c.Operation
			responses = append(responses, ex)
		}
	}
	for _, ex := range responses {
		req := requests[ex.Operation]
		if req == nil {
			return nil, fmt.Errorf("%s: no documented request to pair the documented response with", ex.Operation)
		}
		r := *req
		ex.Request = &r
		out = append(out, ex)
	}
	return out, nil
}
