package coverage

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specgate/specgate/internal/jsonptr"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// opModel is what one documented operation offers to be covered, read from its spec.
type opModel struct {
	op         validator.Operation
	params     []string // "in:name", as validator.Observation.Params names them
	request    map[string]*propNode
	responses  map[string]map[string]*propNode // status key → media type → property tree
	choices    []*choiceModel
	properties []string // documented request property paths, sorted
}

// choiceModel is one oneOf or anyOf an operation's bodies go through.
type choiceModel struct {
	schema   string // "file#/pointer/oneOf", as validator.BranchChoice.Schema names it
	line     int
	keyword  string
	part     validator.Part
	statuses []string // the response statuses whose bodies reach it; empty for the request
	branches []string // branch names
}

// loc is a place in a spec file: its path in the document's Sources and a JSON pointer.
type loc struct {
	file string
	ptr  string
}

// reader reads the raw files of one document, following $refs as the validator does, so that
// the locations found here are the ones the validator reports.
type reader struct {
	doc *specs.Document
}

func (r reader) value(l loc) (any, *specs.File, error) {
	f, err := r.doc.Sources.File(l.file)
	if err != nil {
		return nil, nil, err
	}
	v, ok := jsonptr.Lookup(f.Value, l.ptr)
	if !ok {
		return nil, f, fmt.Errorf("%s: nothing at #%s", f.Name, l.ptr)
	}
	return v, f, nil
}

// follow resolves $refs at l until it reaches a value that is not a reference.
func (r reader) follow(l loc) (loc, any, *specs.File, error) {
	for range 64 {
		v, f, err := r.value(l)
		if err != nil {
			return l, nil, nil, err
		}
		m, _ := v.(map[string]any)
		ref, isRef := m["$ref"].(string)
		if !isRef {
			return l, v, f, nil
		}
		file, ptr, ok := jsonptr.SplitRef(l.file, ref)
		if !ok {
			return l, nil, nil, fmt.Errorf("%s#%s: cannot follow $ref %q", f.Name, l.ptr, ref)
		}
		l = loc{file, ptr}
	}
	return l, nil, nil, fmt.Errorf("%s#%s: $ref chain too long", r.doc.Sources.DisplayName(l.file), l.ptr)
}

// display is "file#/pointer" as users know it.
func display(f *specs.File, ptr string) string { return f.Name + "#" + ptr }

// buildOp reads what op documents: parameters, request and response bodies, and the oneOfs
// and anyOfs in them.
func buildOp(doc *specs.Document, op validator.Operation) (*opModel, error) {
	m := &opModel{op: op, request: map[string]*propNode{}, responses: map[string]map[string]*propNode{}}
	r := reader{doc}
	item := doc.Spec.Paths.Value(op.Path)
	if item == nil {
		return nil, fmt.Errorf("%s: no path %s", doc.Name(), op.Path)
	}
	o := item.GetOperation(op.Method)
	if o == nil {
		return nil, fmt.Errorf("%s: no operation %s %s", doc.Name(), op.Method, op.Path)
	}
	seenParam := map[string]bool{}
	for _, list := range [][]string{paramNames(item.Parameters), paramNames(o.Parameters)} {
		for _, p := range list {
			if !seenParam[p] {
				seenParam[p] = true
				m.params = append(m.params, p)
			}
		}
	}
	sort.Strings(m.params)

	itemLoc, _, _, err := r.follow(loc{doc.Path, jsonptr.Join("", "paths", op.Path)})
	if err != nil {
		return nil, err
	}
	opLoc := loc{itemLoc.file, itemLoc.ptr + "/" + strings.ToLower(op.Method)}
	choices := map[string]*choiceModel{}
	addChoice := func(c *choiceModel, status string) {
		prev, ok := choices[c.schema]
		if !ok {
			prev = c
			choices[c.schema] = c
			m.choices = append(m.choices, c)
		}
		if status != "" && !contains(prev.statuses, status) {
			prev.statuses = append(prev.statuses, status)
		}
	}

	if o.RequestBody != nil && o.RequestBody.Value != nil {
		bl, body, _, err := r.follow(loc{opLoc.file, opLoc.ptr + "/requestBody"})
		if err != nil {
			return nil, err
		}
		err = eachSchema(r, bl, body, func(media string, sl loc) error {
			tree, err := buildTree(r, sl)
			if err != nil {
				return err
			}
			m.request[media] = tree
			return walkChoices(r, sl, validator.PartRequest, func(c *choiceModel) { addChoice(c, "") })
		})
		if err != nil {
			return nil, err
		}
	}
	if o.Responses != nil {
		codes := make([]string, 0, o.Responses.Len())
		for code := range o.Responses.Map() {
			codes = append(codes, code)
		}
		sort.Strings(codes)
		for _, code := range codes {
			rl, resp, _, err := r.follow(loc{opLoc.file, jsonptr.Join(opLoc.ptr, "responses", code)})
			if err != nil {
				return nil, err
			}
			key := strings.ToUpper(code)
			err = eachSchema(r, rl, resp, func(media string, sl loc) error {
				tree, err := buildTree(r, sl)
				if err != nil {
					return err
				}
				if m.responses[key] == nil {
					m.responses[key] = map[string]*propNode{}
				}
				m.responses[key][media] = tree
				return walkChoices(r, sl, validator.PartResponse, func(c *choiceModel) { addChoice(c, statusName(key)) })
			})
			if err != nil {
				return nil, err
			}
		}
	}
	for _, c := range m.choices {
		sort.Strings(c.statuses)
	}
	sort.SliceStable(m.choices, func(i, j int) bool { return m.choices[i].part < m.choices[j].part })
	seen := map[string]bool{}
	for _, tree := range m.request {
		tree.paths(seen, &m.properties)
	}
	sort.Strings(m.properties)
	return m, nil
}

// paramNames names parameters as validator.Observation.Params does: "in:name", header names
// canonical.
func paramNames(list openapi3.Parameters) []string {
	var out []string
	for _, p := range list {
		if p == nil || p.Value == nil {
			continue
		}
		name := p.Value.Name
		if p.Value.In == openapi3.ParameterInHeader {
			name = http.CanonicalHeaderKey(name)
		}
		out = append(out, p.Value.In+":"+name)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// eachSchema calls fn with the location of the schema of each media type of a request body or
// response at l (value v), in media type order.
func eachSchema(r reader, l loc, v any, fn func(media string, schema loc) error) error {
	m, _ := v.(map[string]any)
	content, _ := m["content"].(map[string]any)
	types := make([]string, 0, len(content))
	for t := range content {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		mt, _ := content[t].(map[string]any)
		if _, ok := mt["schema"]; !ok {
			continue
		}
		if err := fn(strings.ToLower(t), loc{l.file, jsonptr.Join(l.ptr, "content", t, "schema")}); err != nil {
			return err
		}
	}
	return nil
}

// subschemaKeys are the keywords whose values are schemas that apply to the same instance.
var subschemaKeys = []string{"allOf", "oneOf", "anyOf"}

// walkChoices calls fn for every oneOf and anyOf reachable from the schema at l, once each.
func walkChoices(r reader, l loc, part validator.Part, fn func(*choiceModel)) error {
	visited := map[loc]bool{}
	var walk func(l loc) error
	walk = func(l loc) error {
		l, v, f, err := r.follow(l)
		if err != nil {
			return err
		}
		if visited[l] {
			return nil
		}
		visited[l] = true
		s, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for _, kw := range []string{"oneOf", "anyOf"} {
			list, ok := s[kw].([]any)
			if !ok {
				continue
			}
			ptr := l.ptr + "/" + kw
			c := &choiceModel{schema: display(f, ptr), line: f.Line(ptr), keyword: kw, part: part}
			for i := range list {
				c.branches = append(c.branches, branchName(r, loc{l.file, fmt.Sprintf("%s/%d", ptr, i)}))
			}
			fn(c)
		}
		var next []loc
		for _, kw := range subschemaKeys {
			if list, ok := s[kw].([]any); ok {
				for i := range list {
					next = append(next, loc{l.file, fmt.Sprintf("%s/%s/%d", l.ptr, kw, i)})
				}
			}
		}
		if props, ok := s["properties"].(map[string]any); ok {
			names := make([]string, 0, len(props))
			for n := range props {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				next = append(next, loc{l.file, jsonptr.Join(l.ptr, "properties", n)})
			}
		}
		for _, kw := range []string{"items", "additionalProperties", "not"} {
			if _, ok := s[kw].(map[string]any); ok {
				next = append(next, loc{l.file, l.ptr + "/" + kw})
			}
		}
		for _, n := range next {
			if err := walk(n); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(l)
}

// branchName names a branch as the validator does: the component name of the schema it refers
// to, or its location.
func branchName(r reader, l loc) string {
	target, _, f, err := r.follow(l)
	if err != nil || f == nil {
		return l.ptr
	}
	if name, ok := strings.CutPrefix(target.ptr, "/components/schemas/"); ok && !strings.Contains(name, "/") {
		return jsonptr.Unescape(name)
	}
	return display(f, target.ptr)
}

// statusName shows a validator status key as the spec writes it: "default" in lower case.
func statusName(key string) string {
	if key == "DEFAULT" {
		return "default"
	}
	return key
}
