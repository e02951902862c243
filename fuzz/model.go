package fuzz

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// operation is what generation needs of one documented operation, read from kin-openapi's
// model of the spec (refs resolved).
type operation struct {
	id, method, path, spec string
	base                   string // the server base path, variables at their defaults
	params                 []param
	body                   *openapi3.Schema // the first body's schema; nil for none
	bodyRequired           bool
	mediaType              string
	bodies                 []bodyMedia // every documented JSON or form body, the first being body
	// unchecked lists the documented request media types the validator does not check (XML,
	// plain text, octet streams): no body is generated for them, and the run says so.
	unchecked []string
	secured   bool // the operation needs credentials
	statuses  map[string]bool
	// links are the OpenAPI links of its responses; linked names the parameters other
	// operations' links fill, which generation treats as identifiers that must exist.
	links  []link
	linked map[string]bool
}

// link is one OpenAPI link of a response: the values of target's parameters taken from the
// exchange, by runtime expression ("$response.body#/id", "$request.path.username") or as
// constants.
type link struct {
	name, status string // the link's name; the status whose response has it
	target       string // the operationId it leads to
	params       map[string]string
}

// bodyMedia is one documented media type of a request body the validator checks (JSON or a
// form) and its schema.
type bodyMedia struct {
	mediaType string
	schema    *openapi3.Schema
}

type param struct {
	in, name string
	required bool
	schema   *openapi3.Schema
}

func (o *operation) String() string { return fmt.Sprintf("%s %s (%s)", o.method, o.path, o.id) }

// documents reports whether the operation documents status code.
func (o *operation) documents(code int) bool {
	s := strconv.Itoa(code)
	return o.statuses[s] || o.statuses[s[:1]+"XX"] || o.statuses["default"]
}

// refuses reports whether the spec gives the server a documented 4xx to refuse a request with:
// 401 or 403 for missing credentials, otherwise a 4xx other than those and 404.
func (o *operation) refuses(credentials bool) bool {
	for s := range o.statuses {
		switch {
		case credentials && (s == "401" || s == "403" || s == "4XX"):
			return true
		case !credentials && strings.HasPrefix(s, "4") && s != "401" && s != "403" && s != "404":
			return true
		}
	}
	return false
}

// operations reads the operations of docs, sorted by spec, path and method.
func operations(docs []*specs.Document) ([]*operation, error) {
	var out []*operation
	for _, d := range docs {
		base := "" // no servers: the paths are the paths
		if len(d.Spec.Servers) > 0 {
			base = basePath(d.Spec.Servers[0])
		}
		for _, p := range d.Spec.Paths.InMatchingOrder() {
			item := d.Spec.Paths.Value(p)
			for method, op := range item.Operations() {
				o, err := newOperation(d, base, p, method, item, op)
				if err != nil {
					return nil, err
				}
				out = append(out, o)
			}
		}
	}
	byID := map[string]*operation{}
	for _, o := range out {
		byID[o.id] = o
	}
	for _, o := range out {
		for _, l := range o.links {
			if t := byID[l.target]; t != nil {
				if t.linked == nil {
					t.linked = map[string]bool{}
				}
				for p := range l.params {
					t.linked[p] = true
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.spec != b.spec {
			return a.spec < b.spec
		}
		if a.path != b.path {
			return a.path < b.path
		}
		return a.method < b.method
	})
	return out, nil
}

func newOperation(d *specs.Document, base, p, method string, item *openapi3.PathItem, op *openapi3.Operation) (*operation, error) {
	o := &operation{id: op.OperationID, method: method, path: p, spec: d.Name(), base: base, statuses: map[string]bool{}}
	if o.id == "" {
		o.id = method + " " + p
	}
	params := map[string]param{}
	for _, list := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		for _, ref := range list {
			if ref == nil || ref.Value == nil {
				continue
			}
			v := ref.Value
			if v.Schema == nil || v.Schema.Value == nil {
				return nil, fmt.Errorf("%s: %s parameter %q has no schema to generate values from", d.Name(), o, v.Name)
			}
			params[v.In+":"+v.Name] = param{in: v.In, name: v.Name, required: v.Required || v.In == "path", schema: v.Schema.Value}
		}
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		o.params = append(o.params, params[k])
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		for _, mt := range sortedMedia(rb.Value.Content) {
			c := rb.Value.Content[mt]
			switch {
			case !validator.ChecksMediaType(mt):
				o.unchecked = append(o.unchecked, mt)
			case c.Schema != nil && c.Schema.Value != nil:
				o.bodies = append(o.bodies, bodyMedia{mt, c.Schema.Value})
			}
		}
		if len(o.bodies) > 0 {
			o.mediaType, o.body = o.bodies[0].mediaType, o.bodies[0].schema
			o.bodyRequired = rb.Value.Required
		}
	}
	sec := d.Spec.Security
	if op.Security != nil {
		sec = *op.Security
	}
	for _, req := range sec {
		if len(req) == 0 { // an empty requirement makes credentials optional
			o.secured = false
			break
		}
		o.secured = true
	}
	if op.Responses != nil {
		for code, ref := range op.Responses.Map() {
			o.statuses[strings.ToUpper(code)] = true
			if code == "default" {
				o.statuses["default"] = true
			}
			if ref != nil && ref.Value != nil {
				o.links = append(o.links, links(d, strings.ToUpper(code), ref.Value.Links)...)
			}
		}
		sort.Slice(o.links, func(i, j int) bool {
			return o.links[i].status+" "+o.links[i].name < o.links[j].status+" "+o.links[j].name
		})
	}
	return o, nil
}

// links reads a response's links; one naming its operation by operationRef (a pointer into
// this document's paths) gets the target's operationId.
func links(d *specs.Document, status string, in openapi3.Links) []link {
	var out []link
	for name, ref := range in {
		if ref == nil || ref.Value == nil {
			continue
		}
		l := link{name: name, status: status, target: ref.Value.OperationID, params: map[string]string{}}
		if l.target == "" && strings.HasPrefix(ref.Value.OperationRef, "#/paths/") {
			toks := ptrTokens(strings.TrimPrefix(ref.Value.OperationRef, "#"))
			if len(toks) == 3 {
				if item := d.Spec.Paths.Value(toks[1]); item != nil {
					if op := item.GetOperation(strings.ToUpper(toks[2])); op != nil {
						l.target = op.OperationID
						if l.target == "" {
							l.target = strings.ToUpper(toks[2]) + " " + toks[1]
						}
					}
				}
			}
		}
		for p, v := range ref.Value.Parameters {
			// A parameter may be qualified by its place ("path.id"); generation knows names.
			if i := strings.IndexByte(p, '.'); i >= 0 {
				switch p[:i] {
				case "path", "query", "header", "cookie":
					p = p[i+1:]
				}
			}
			l.params[p] = fmt.Sprint(v)
		}
		if l.target != "" && len(l.params) > 0 {
			out = append(out, l)
		}
	}
	return out
}

func sortedMedia(c openapi3.Content) []string {
	out := make([]string, 0, len(c))
	for mt := range c {
		out = append(out, mt)
	}
	sort.Strings(out)
	return out
}

// bodyKind is how a body of media type mt is encoded: "form", "multipart" or "json".
func bodyKind(mt string) string {
	switch strings.ToLower(strings.TrimSpace(strings.SplitN(mt, ";", 2)[0])) {
	case "application/x-www-form-urlencoded":
		return "form"
	case "multipart/form-data":
		return "multipart"
	}
	return "json"
}

// basePath is the path of a server URL with its variables at their defaults.
func basePath(s *openapi3.Server) string {
	u := s.URL
	for name, v := range s.Variables {
		if v != nil {
			u = strings.ReplaceAll(u, "{"+name+"}", v.Default)
		}
	}
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		if j := strings.IndexByte(u, '/'); j >= 0 {
			u = u[j:]
		} else {
			u = "/"
		}
	}
	if q := strings.IndexAny(u, "?#"); q >= 0 {
		u = u[:q]
	}
	return strings.TrimSuffix(u, "/")
}
