package validator

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specgate/specgate/internal/schema"
	"github.com/specgate/specgate/specs"
)

// operation is everything needed to validate one documented operation, compiled.
type operation struct {
	id       string
	method   string
	path     string
	spec     string // display name of the document
	location string // "file#/paths/~1users/get", as Operation.Location
	line     int
	params   []*param
	body     *requestBody
	statuses map[string]*response // "200", "2XX", "default"
	security [][]securityScheme   // alternatives; nil when none is required
}

type param struct {
	name     string
	in       string
	required bool
	style    string
	explode  bool
	types    []string // of the schema, for turning text into JSON values
	items    []string // of the items, for arrays
	schema   *schema.Schema
}

type requestBody struct {
	required bool
	content  []media
}

type response struct {
	headers []*param
	content []media
}

// builder compiles documents into operations and routes.
type builder struct {
	schemas *schemaSet
	ops     []*operation
	bases   []base
}

func (b *builder) document(doc *specs.Document) error {
	spec := doc.Spec
	var templates []*template
	for _, p := range spec.Paths.InMatchingOrder() {
		item := spec.Paths.Value(p)
		if item == nil {
			continue
		}
		t := &template{path: p, segs: parseTemplate(p), ops: map[string]*operation{}}
		itemLoc := specs.Place{File: doc.Path}.At("paths", p)
		itemLoc, err := b.follow(doc, itemLoc)
		if err != nil {
			return err
		}
		for method, o := range item.Operations() {
			op, err := b.operation(doc, spec, item, o, method, p, itemLoc)
			if err != nil {
				return err
			}
			t.ops[method] = op
			b.ops = append(b.ops, op)
		}
		templates = append(templates, t)
	}
	sortTemplates(templates)
	servers := spec.Servers
	if len(servers) == 0 {
		servers = openapi3.Servers{{URL: "/"}}
	}
	seen := map[string]bool{}
	for _, s := range servers {
		bp := serverBasePath(s.URL)
		if seen[bp] {
			continue
		}
		seen[bp] = true
		b.bases = append(b.bases, base{segs: parseTemplate(bp), templates: templates})
	}
	return nil
}

// loc is a place in a spec file.
type loc = specs.Place

// follow resolves $refs at l until it reaches an object that is not a reference.
func (b *builder) follow(doc *specs.Document, l loc) (loc, error) {
	l, _, err := doc.Sources.Resolve(l)
	return l, err
}

// followSchema resolves a schema position's $refs as far as they are plain references to another
// place of the spec files, so that schemas used in many places are compiled once, at their
// definition. It stops at a schema whose $ref has siblings that constrain (OpenAPI 3.1), or whose
// target is no place of the files (an $id, an anchor): the schema engine resolves those as JSON
// Schema says.
func (b *builder) followSchema(doc *specs.Document, l loc) loc {
	is2020 := specs.DialectOf(doc.Spec.OpenAPI) == specs.Dialect2020
	to, _, err := doc.Sources.ResolveWhile(l, func(m map[string]any) bool {
		if is2020 {
			for k := range m {
				if k != "$ref" && k != "description" && k != "summary" && k != "title" {
					return false
				}
			}
		}
		return true
	})
	var re *specs.ResolveError
	if errors.As(err, &re) {
		return re.At
	}
	return to
}

// compile compiles the schema at l. A schema the engine cannot compile is a finding, and what
// it describes goes unchecked (nil): one broken schema does not refuse a whole spec.
func (b *builder) compile(doc *specs.Document, dir direction, l loc) (*schema.Schema, error) {
	l = b.followSchema(doc, l)
	sch, err := b.schemas.compile(doc.Sources, dir, l.File, l.Pointer)
	var ce *compileError
	if errors.As(err, &ce) {
		b.schemas.uncompilable = append(b.schemas.uncompilable, ce.at)
		return nil, nil
	}
	return sch, err
}

func (b *builder) operation(doc *specs.Document, spec *openapi3.T, item *openapi3.PathItem, o *openapi3.Operation, method, path string, itemLoc loc) (*operation, error) {
	opLoc := itemLoc.At(strings.ToLower(method))
	if _, custom := item.AdditionalOperations[method]; custom {
		// OpenAPI 3.2's methods other than the fixed fields (COPY, PURGE) are written there.
		opLoc = itemLoc.At("additionalOperations", method)
	}
	op := &operation{
		id:       o.OperationID,
		method:   method,
		path:     path,
		spec:     doc.Name(),
		statuses: map[string]*response{},
	}
	op.location, op.line = placeOf(doc, opLoc)
	if op.id == "" {
		op.id = method + " " + path
	}
	// Parameters: the operation's override the path item's of the same name and location.
	type key struct{ name, in string }
	byKey := map[key]*param{}
	var order []key
	addParams := func(list openapi3.Parameters, at loc) error {
		for i, pr := range list {
			if pr == nil || pr.Value == nil {
				continue
			}
			pl, err := b.follow(doc, at.At("parameters", strconv.Itoa(i)))
			if err != nil {
				return err
			}
			p, err := b.param(doc, pr.Value, pl, toRequest)
			if err != nil {
				return err
			}
			k := key{p.name, p.in}
			if _, ok := byKey[k]; !ok {
				order = append(order, k)
			}
			byKey[k] = p
		}
		return nil
	}
	if err := addParams(item.Parameters, itemLoc); err != nil {
		return nil, err
	}
	if err := addParams(o.Parameters, opLoc); err != nil {
		return nil, err
	}
	for _, k := range order {
		op.params = append(op.params, byKey[k])
	}

	if o.RequestBody != nil && o.RequestBody.Value != nil {
		bl, err := b.follow(doc, opLoc.At("requestBody"))
		if err != nil {
			return nil, err
		}
		content, err := b.content(doc, o.RequestBody.Value.Content, bl, toRequest)
		if err != nil {
			return nil, err
		}
		op.body = &requestBody{required: o.RequestBody.Value.Required, content: content}
	}

	if o.Responses != nil {
		for code, rr := range o.Responses.Map() {
			if rr == nil || rr.Value == nil {
				continue
			}
			rl, err := b.follow(doc, opLoc.At("responses", code))
			if err != nil {
				return nil, err
			}
			resp := &response{}
			names := make([]string, 0, len(rr.Value.Headers))
			for name := range rr.Value.Headers {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				h := rr.Value.Headers[name]
				if h == nil || h.Value == nil || strings.EqualFold(name, "Content-Type") {
					continue
				}
				hl, err := b.follow(doc, rl.At("headers", name))
				if err != nil {
					return nil, err
				}
				p, err := b.param(doc, &h.Value.Parameter, hl, toResponse)
				if err != nil {
					return nil, err
				}
				p.name, p.in = http.CanonicalHeaderKey(name), openapi3.ParameterInHeader
				resp.headers = append(resp.headers, p)
			}
			if resp.content, err = b.content(doc, rr.Value.Content, rl, toResponse); err != nil {
				return nil, err
			}
			op.statuses[strings.ToUpper(code)] = resp
		}
	}

	reqs := spec.Security
	if o.Security != nil {
		reqs = *o.Security
	}
	sec, err := securityOf(spec, reqs)
	if err != nil {
		return nil, fmt.Errorf("%s %s %s: %w", doc.Name(), method, path, err)
	}
	op.security = sec
	return op, nil
}

func (b *builder) param(doc *specs.Document, p *openapi3.Parameter, at loc, dir direction) (*param, error) {
	out := &param{name: p.Name, in: p.In, required: p.Required || p.In == openapi3.ParameterInPath, style: p.Style}
	if p.In == openapi3.ParameterInHeader {
		out.name = http.CanonicalHeaderKey(p.Name)
	}
	out.explode = out.style == "" || out.style == "form"
	if p.Explode != nil {
		out.explode = *p.Explode
	}
	if p.In != openapi3.ParameterInQuery && p.In != openapi3.ParameterInCookie && p.Explode == nil {
		out.explode = false
	}
	if p.Schema != nil && p.Schema.Value != nil {
		out.types = p.Schema.Value.Type.Slice()
		if it := p.Schema.Value.Items; it != nil && it.Value != nil {
			out.items = it.Value.Type.Slice()
		}
		var err error
		if out.schema, err = b.compile(doc, dir, at.At("schema")); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (b *builder) content(doc *specs.Document, content openapi3.Content, at loc, dir direction) ([]media, error) {
	types := make([]string, 0, len(content))
	for t := range content {
		types = append(types, t)
	}
	sort.Strings(types)
	out := make([]media, 0, len(types))
	for _, t := range types {
		mt := content[t]
		m := media{typ: mediaType(t)}
		if mt != nil && mt.Schema != nil && mt.Schema.Value != nil && (m.typ == mediaForm || m.typ == mediaMultipart) {
			m.form = formFields(mt.Schema.Value)
		}
		if mt != nil && mt.Schema != nil {
			var err error
			if m.schema, err = b.compile(doc, dir, at.At("content", t, "schema")); err != nil {
				return nil, err
			}
		}
		out = append(out, m)
	}
	return out, nil
}
