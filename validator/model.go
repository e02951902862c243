package validator

// This file exposes the operations New compiled, read-only, for the tools that need to know what
// a spec documents as the validator reads it: coverage counts what traffic exercised of it, and
// its names are the names Observation and Violation use. It reads the structs build.go fills and
// the compiled schemas; it compiles nothing and follows no $ref itself.

import (
	"sort"

	"github.com/specgate/specgate/internal/schema"
	"github.com/specgate/specgate/specs"
)

// Operation describes one documented operation as New compiled it. It is a snapshot: changing
// it changes nothing in the Validator.
type Operation struct {
	// ID is the operationId, or "METHOD /path" when the spec gives none; Result.Operation
	// names the operation by it.
	ID     string
	Method string // upper case
	Path   string // the path template as the spec writes it: "/users/{id}"
	Spec   string // the display name of the document, as Result.Spec names it
	// Location is where the operation object is written, "file#/paths/~1users~1{id}/get" (the
	// target of a path item's $ref), and Line its line in that file (0 when unknown).
	Location string
	Line     int
	// Statuses lists the documented response statuses as Observation.Status names them
	// ("200", "2XX", "DEFAULT"), sorted.
	Statuses []string
	// Parameters lists the request parameters, the path item's overridden by the operation's
	// of the same name and location, in the order the spec gives them.
	Parameters []Parameter
	// RequestBody is nil when the operation documents no request body.
	RequestBody *RequestBody
	// Responses lists the documented responses in the order of Statuses.
	Responses []OperationResponse
}

// Parameter is one documented request parameter or response header.
type Parameter struct {
	In   string // "path", "query", "header" or "cookie"
	Name string // header names in canonical form (X-Requested-By)
	// Required is true for every path parameter.
	Required bool
	// Schema is nil when the spec gives none or it could not be compiled (see SpecFindings).
	Schema *Shape
}

// Key names the parameter as Observation.Params does: "in:name".
func (p Parameter) Key() string { return p.In + ":" + p.Name }

// RequestBody is an operation's documented request body.
type RequestBody struct {
	Required bool
	Content  []MediaType // sorted by Type
}

// OperationResponse is one documented response.
type OperationResponse struct {
	Status  string // as in Operation.Statuses
	Headers []Parameter
	Content []MediaType // sorted by Type
}

// MediaType is one documented media type of a body.
type MediaType struct {
	// Type is lower case without parameters ("application/json", "application/*"), as
	// Observation.RequestMedia and ResponseMedia name it.
	Type string
	// Schema is nil when the spec gives none or it could not be compiled (see SpecFindings).
	Schema *Shape
}

// Shape is a compiled schema as far as tools walking a body's shape need it: where it is and
// the subschemas that apply to the instance (Ref, AllOf, OneOf, AnyOf) or to its parts
// (Properties, Items, PrefixItems, AdditionalProperties). These are the edges Observation
// follows to record branches. $refs are resolved: a schema used in many places is one *Shape,
// and a recursive schema is a cycle, so a walk must remember where it has been (Walk does).
// Request and response bodies have schemas of their own, since readOnly and writeOnly apply
// per direction.
type Shape struct {
	// Location is where the schema is written: "file#/components/schemas/User".
	Location string
	// Name is what Observation and Violation call the schema as a oneOf or anyOf branch: the
	// name of the component it is or refers to, else the Location of that schema.
	Name  string
	Ref   *Shape
	AllOf []*Shape
	// OneOf and AnyOf are nil when the schema has no such keyword.
	OneOf, AnyOf *Choice
	Properties   map[string]*Shape
	Items        *Shape
	PrefixItems  []*Shape
	// AdditionalProperties is the schema of the keys Properties does not name, when the spec
	// gives one; AnyAdditional is true for additionalProperties: true.
	AdditionalProperties *Shape
	AnyAdditional        bool
}

// Choice is a oneOf or anyOf keyword of a Shape.
type Choice struct {
	Keyword string // "oneOf" or "anyOf"
	// Location is "file#/pointer/oneOf", as BranchChoice.Schema names it, and Line its line.
	Location string
	Line     int
	// Branches are in the spec's order; BranchChoice.Index indexes them.
	Branches []*Shape
}

// Walk calls fn once for every schema reachable from s by the edges of Shape (s included),
// depth first, properties in name order. fn returning false stops the walk below that schema.
func (s *Shape) Walk(fn func(*Shape) bool) {
	seen := map[*Shape]bool{}
	var walk func(*Shape)
	walk = func(s *Shape) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if !fn(s) {
			return
		}
		for _, c := range s.children() {
			walk(c)
		}
	}
	walk(s)
}

// children lists the subschemas of s in walking order.
func (s *Shape) children() []*Shape {
	out := []*Shape{s.Ref}
	out = append(out, s.AllOf...)
	for _, c := range []*Choice{s.OneOf, s.AnyOf} {
		if c != nil {
			out = append(out, c.Branches...)
		}
	}
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out = append(out, s.Properties[n])
	}
	out = append(out, s.Items, s.AdditionalProperties)
	return append(out, s.PrefixItems...)
}

// Operations lists the documented operations, sorted by spec, path and method. Each call builds
// a fresh snapshot, so call it once and keep the result.
func (v *Validator) Operations() []Operation {
	views := schemaViews{memo: map[schema.Node]*Shape{}}
	out := make([]Operation, 0, len(v.ops))
	for _, op := range v.ops {
		out = append(out, views.operation(op))
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Spec != b.Spec {
			return a.Spec < b.Spec
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Method < b.Method
	})
	return out
}

// schemaViews turns compiled schemas into Shapes, each once.
type schemaViews struct {
	memo map[schema.Node]*Shape
}

func (w schemaViews) operation(op *operation) Operation {
	o := Operation{ID: op.id, Method: op.method, Path: op.path, Spec: op.spec, Location: op.location, Line: op.line}
	for _, p := range op.params {
		o.Parameters = append(o.Parameters, w.param(p))
	}
	if op.body != nil {
		o.RequestBody = &RequestBody{Required: op.body.required, Content: w.content(op.body.content)}
	}
	for s := range op.statuses {
		o.Statuses = append(o.Statuses, s)
	}
	sort.Strings(o.Statuses)
	for _, s := range o.Statuses {
		r := op.statuses[s]
		resp := OperationResponse{Status: s, Content: w.content(r.content)}
		for _, h := range r.headers {
			resp.Headers = append(resp.Headers, w.param(h))
		}
		o.Responses = append(o.Responses, resp)
	}
	return o
}

func (w schemaViews) param(p *param) Parameter {
	return Parameter{In: p.in, Name: p.name, Required: p.required, Schema: w.shape(p.schema.Root())}
}

func (w schemaViews) content(list []media) []MediaType {
	out := make([]MediaType, 0, len(list))
	for _, m := range list {
		out = append(out, MediaType{Type: m.typ, Schema: w.shape(m.schema.Root())})
	}
	return out
}

// shape views a compiled schema. The edges are those the engine's walk follows when it records
// branch choices, so that every Choice here is one Observation can report.
func (w schemaViews) shape(n schema.Node) *Shape {
	if n.IsZero() {
		return nil
	}
	if v, ok := w.memo[n]; ok {
		return v
	}
	v := &Shape{}
	w.memo[n] = v
	v.Location, _ = n.Location()
	v.Name = n.Name()
	v.Ref = w.shape(n.Ref())
	for _, x := range n.AllOf() {
		v.AllOf = append(v.AllOf, w.shape(x))
	}
	v.OneOf = w.choice(n, "oneOf")
	v.AnyOf = w.choice(n, "anyOf")
	if props := n.Properties(); props != nil {
		v.Properties = make(map[string]*Shape, len(props))
		for name, p := range props {
			v.Properties[name] = w.shape(p)
		}
	}
	v.Items = w.shape(n.Items())
	for _, x := range n.PrefixItems() {
		v.PrefixItems = append(v.PrefixItems, w.shape(x))
	}
	addl, anyAddl := n.AdditionalProperties()
	v.AdditionalProperties, v.AnyAdditional = w.shape(addl), anyAddl
	return v
}

func (w schemaViews) choice(n schema.Node, kw string) *Choice {
	branches, at := n.Branches(kw)
	if len(branches) == 0 {
		return nil
	}
	c := &Choice{Keyword: kw, Location: at.Schema, Line: at.Line}
	for _, b := range branches {
		c.Branches = append(c.Branches, w.shape(b))
	}
	return c
}

// placeOf names a place of a document's files as users know it, "file#/pointer", with its line.
func placeOf(doc *specs.Document, l loc) (string, int) {
	f, err := doc.Sources.File(l.File)
	if err != nil {
		return doc.Sources.DisplayName(l.File) + "#" + l.Pointer, 0
	}
	return f.Name + "#" + l.Pointer, f.Line(l.Pointer)
}
