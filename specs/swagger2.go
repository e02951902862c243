package specs

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specgate/specgate/internal/jsonptr"
)

// convertedSuffix names the synthetic file that holds a Swagger 2.0 document converted to
// OpenAPI 3.0, beside the 2.0 root so that relative paths keep their meaning.
const convertedSuffix = "~openapi3.json"

// loadSwagger2 converts the Swagger 2.0 document f (and the files it refers to, inlined) to
// OpenAPI 3.0 with kin-openapi's openapi2conv. The converted document is a synthetic file of
// src, registered under the 2.0 root's name plus convertedSuffix, shown under the 2.0 file's
// name and reporting the 2.0 file's lines, so that findings and the validator's locations
// point into what the user wrote.
func loadSwagger2(ctx context.Context, src *Sources, f *File) (*Document, error) {
	// A root's yaml v4 nodes are for kin-openapi's loader, which a 2.0 document never meets.
	f.loadMu.Lock()
	f.kin4 = nil
	f.loadMu.Unlock()
	if _, _, err := Reach(src, f.Path); err != nil {
		return nil, err
	}
	changed := false
	bundled := bundleAt(src, f.Value, f.Path, f.Path, "", map[string]bool{}, &changed)
	if withoutPathExtensions2(bundled) {
		changed = true
	}
	if v3RefsBelowAdditionalProperties(bundled) {
		changed = true
	}
	extra := append(swagger2Types(f, bundled), extraBodies(f, bundled)...)
	// openapi2 reads the bundled document as JSON: the file itself when that is what bundling
	// left (a JSON file, unrepaired, with no reference bundling rewrote, no path extension
	// dropped or reference below additionalProperties rewritten, and no number that reads
	// otherwise once written again, such as 1.0 where an integer belongs), as kin-openapi alone
	// reads it; otherwise the bundled value written.
	var doc2 openapi2.T
	if !f.isJSON || f.modified || changed || len(extra) > 0 || reencodesOtherwise(f.root) || json.Unmarshal(f.Data, &doc2) != nil {
		data, err := json.Marshal(bundled)
		if err != nil {
			return nil, &InputError{File: f.Name, Err: err}
		}
		doc2 = openapi2.T{}
		if err := json.Unmarshal(data, &doc2); err != nil {
			return nil, &InputError{File: f.Name, Err: fmt.Errorf("not a Swagger 2.0 document kin-openapi can read: %w", err)}
		}
	}
	doc3, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, &InputError{File: f.Name, Err: fmt.Errorf("cannot convert Swagger 2.0 to OpenAPI 3.0: %w", err)}
	}
	p := f.Path + convertedSuffix
	// The conversion's plain value is built from kin-openapi's model (plainValue), as reading it
	// written as JSON would give it: no duplicate keys, no syntax to report, and its lines are
	// the 2.0 file's (lineOf). It has no bytes of its own: loaderData writes them if something
	// reads it with kin-openapi, and kin-openapi's model is the conversion's own, not read again.
	value, err := plainValue(doc3)
	if err != nil {
		return nil, &InputError{File: f.Name, Err: fmt.Errorf("the converted document: %w", err)}
	}
	cf := &File{Path: p, Name: f.Name, Value: value, isJSON: true}
	cf.lineOf = func(ptr string) int { return nodeLine(f.root, swagger2Pointer(ptr)) }
	cf.repair()
	src.put(cf)
	// openapi2conv resolved doc3's $refs (all local ones) already; only a conversion that needed
	// repairs is read again, from its repaired form.
	spec := doc3
	if cf.modified {
		kinData, err := cf.loaderData()
		if err != nil {
			return nil, &InputError{File: f.Name, Err: err}
		}
		spec = &openapi3.T{}
		if err := json.Unmarshal(kinData, spec); err != nil {
			return nil, &InputError{File: f.Name, Err: fmt.Errorf("the converted document: %w", err)}
		}
		loader := openapi3.NewLoader()
		loader.Context = ctx
		if err := loader.ResolveRefsIn(spec, &url.URL{Path: "/" + p}); err != nil {
			return nil, &InputError{File: f.Name, Err: fmt.Errorf("the converted document: %w", err)}
		}
	}
	doc := &Document{Path: p, Spec: spec, Sources: src}
	doc.Findings = append(doc.Findings, Finding{Rule: RuleConvertedSwagger2, Level: LevelInfo, File: f.Name, Pointer: "/swagger", Line: f.Line("/swagger"),
		Message: "Swagger 2.0 document converted to OpenAPI 3.0 (kin-openapi's openapi2conv); findings point at the 2.0 file"})
	doc.Findings = append(doc.Findings, extra...)
	doc.Findings = append(doc.Findings, dropped(f, bundled, spec)...)
	doc.Findings = append(doc.Findings, validate(ctx, doc)...)
	return doc, nil
}

// reencodesOtherwise reports whether the JSON file's node tree n holds a number that
// encoding/json writes otherwise once read (-0 as 0, 1.0 and 1e2 as integers), which openapi2
// may read otherwise (an integer keyword refuses 1.0).
func reencodesOtherwise(n *yaml.Node) bool {
	if n == nil {
		return true
	}
	switch n.Tag {
	case "!!int":
		return n.Value == "-0"
	case "!!float":
		f, err := strconv.ParseFloat(n.Value, 64)
		return err != nil || f == math.Trunc(f)
	}
	for _, c := range n.Content {
		if reencodesOtherwise(c) {
			return true
		}
	}
	return false
}

// put registers a file that is not read from the file system.
func (s *Sources) put(f *File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[f.Path] = f
}

// bundleAt deep-copies v, written in file at, with every $ref to another file than root replaced
// by what it points to (itself bundled), so that openapi2conv, which reads one file, sees the
// whole document. $refs into root become local ones. A cycle through other files is cut with
// an empty object.
// key is v's key in its parent; *changed is set when the copy differs from v.
func bundleAt(src *Sources, v any, at, root, key string, stack map[string]bool, changed *bool) any {
	switch t := v.(type) {
	case map[string]any:
		if ref, ok := t["$ref"].(string); ok {
			target, ok := RefTarget(at, ref)
			if ok && target.File == root {
				local := jsonptr.Fragment(target.Pointer)
				if at != root || local != ref || len(t) != 1 {
					*changed = true
				}
				return map[string]any{"$ref": local}
			}
			*changed = true
			key := target.String()
			if ok && !stack[key] {
				if tv, err := src.Value(target); err == nil {
					stack[key] = true
					out := bundleAt(src, tv, target.File, root, "", stack, changed)
					delete(stack, key)
					return out
				}
			}
			return map[string]any{}
		}
		m := make(map[string]any, len(t))
		for k, e := range t {
			if k == "examples" || dataKey(k, []string{key}) {
				m[k] = e
				continue
			}
			m[k] = bundleAt(src, e, at, root, k, stack, changed)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = bundleAt(src, e, at, root, "", stack, changed)
		}
		return s
	}
	return v
}

// swagger2Pointer maps a pointer of the converted OpenAPI 3.0 document to the place in the
// Swagger 2.0 document it was converted from, as near as the conversion allows.
func swagger2Pointer(ptr string) string {
	toks := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	if ptr == "" || len(toks) == 0 {
		return ""
	}
	switch toks[0] {
	case "components":
		if len(toks) < 2 {
			return "/definitions"
		}
		rest := toks[2:]
		switch toks[1] {
		case "schemas":
			return "/" + strings.Join(append([]string{"definitions"}, rest...), "/")
		case "parameters", "requestBodies":
			return "/" + strings.Join(append([]string{"parameters"}, rest...), "/")
		case "responses":
			return "/" + strings.Join(append([]string{"responses"}, mediaLess(rest)...), "/")
		case "securitySchemes":
			return "/" + strings.Join(append([]string{"securityDefinitions"}, rest...), "/")
		}
		return "/definitions"
	case "servers":
		return "/host"
	case "paths":
		if len(toks) < 4 {
			return ptr
		}
		head := toks[:3]
		switch toks[3] {
		case "requestBody":
			return "/" + strings.Join(append(head, "parameters"), "/")
		case "responses":
			return "/" + strings.Join(append(append(head, "responses"), mediaLess(toks[4:])...), "/")
		case "parameters":
			if len(toks) > 5 && toks[5] == "schema" {
				return "/" + strings.Join(append(head, append(toks[3:5], toks[6:]...)...), "/")
			}
		}
	}
	return ptr
}

// mediaLess drops "content/<media type>" from a response's pointer tokens: a 2.0 response has
// its schema directly.
func mediaLess(toks []string) []string {
	for i := 0; i+1 < len(toks); i++ {
		if toks[i] == "content" {
			return append(append([]string(nil), toks[:i]...), toks[i+2:]...)
		}
	}
	return toks
}

// dropped compares the bundled Swagger 2.0 document with its conversion and reports each
// operation, parameter and response the conversion lost, and each collectionFormat OpenAPI 3
// has no style for.
func dropped(f *File, v2 any, spec *openapi3.T) []Finding {
	var out []Finding
	add := func(ptr, msg string) {
		out = append(out, Finding{Rule: RuleConversionDropped, Level: LevelOf(RuleConversionDropped), File: f.Name, Pointer: ptr, Line: f.Line(ptr), Message: msg})
	}
	root, _ := v2.(map[string]any)
	paths, _ := root["paths"].(map[string]any)
	names := make([]string, 0, len(paths))
	for p := range paths {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		item, _ := paths[p].(map[string]any)
		var item3 *openapi3.PathItem
		if spec.Paths != nil {
			item3 = spec.Paths.Value(p)
		}
		shared, _ := item["parameters"].([]any)
		for _, method := range []string{"get", "put", "post", "delete", "options", "head", "patch"} {
			op, ok := item[method].(map[string]any)
			if !ok {
				continue
			}
			at := jsonptr.Join("", "paths", p, method)
			var op3 *openapi3.Operation
			if item3 != nil {
				op3 = item3.GetOperation(strings.ToUpper(method))
			}
			if op3 == nil {
				add(at, fmt.Sprintf("operation %s %s is lost in the conversion to OpenAPI 3.0", strings.ToUpper(method), p))
				continue
			}
			params, _ := op["parameters"].([]any)
			for i, pv := range append(append([]any(nil), shared...), params...) {
				prm := localParameter(root, pv)
				in, _ := prm["in"].(string)
				name, _ := prm["name"].(string)
				pptr := jsonptr.Join(at, "parameters", fmt.Sprint(i-len(shared)))
				if i < len(shared) {
					pptr = jsonptr.Join("", "paths", p, "parameters", fmt.Sprint(i))
				}
				cf, _ := prm["collectionFormat"].(string)
				switch {
				case cf == "tsv":
					add(pptr, fmt.Sprintf("parameter %q has collectionFormat tsv, which OpenAPI 3 has no style for; it is read as csv", name))
				case in == "formData" && cf != "" && cf != "multi":
					add(pptr, fmt.Sprintf("formData parameter %q has collectionFormat %s, which the conversion does not carry into the request body's encoding; it is read as multi", name, cf))
				case (in == "path" || in == "header") && cf != "" && cf != "csv":
					add(pptr, fmt.Sprintf("%s parameter %q has collectionFormat %s, which the conversion does not carry over; it is read as csv", in, name, cf))
				}
				if b, _ := prm["allowEmptyValue"].(bool); b {
					add(pptr, fmt.Sprintf("parameter %q has allowEmptyValue: true, which the conversion moves into its schema; an empty value is checked against the schema", name))
				}
				if in == "formData" {
					for k := range prm {
						if strings.HasPrefix(k, "x-") {
							add(pptr, fmt.Sprintf("formData parameter %q has extension %s, which the conversion to a request body property drops", name, k))
						}
					}
				}
				if in == "body" || in == "formData" || in == "" {
					continue
				}
				if op3.Parameters.GetByInAndName(in, name) == nil && item3.Parameters.GetByInAndName(in, name) == nil {
					add(pptr, fmt.Sprintf("parameter %q in %s of %s %s is lost in the conversion", name, in, strings.ToUpper(method), p))
				}
			}
			responses, _ := op["responses"].(map[string]any)
			for code := range responses {
				if strings.HasPrefix(code, "x-") {
					continue
				}
				if op3.Responses == nil || op3.Responses.Value(code) == nil {
					add(jsonptr.Join(at, "responses", code), fmt.Sprintf("response %s of %s %s is lost in the conversion", code, strings.ToUpper(method), p))
				}
			}
		}
	}
	sortFindings(out)
	return out
}

// localParameter returns the parameter pv, following a $ref to the document's parameters.
func localParameter(root map[string]any, pv any) map[string]any {
	prm, _ := pv.(map[string]any)
	if ref, ok := prm["$ref"].(string); ok && strings.HasPrefix(ref, "#/") {
		if v, ok := jsonptr.Lookup(root, strings.TrimPrefix(ref, "#")); ok {
			prm, _ = v.(map[string]any)
		}
	}
	return prm
}

// extraBodies drops, from the bundled Swagger 2.0 document v, each body parameter of an
// operation beyond its first, and its formData parameters when it has a body too: openapi2conv
// refuses the whole document for either ("body and form parameters cannot exist together for
// the same operation"), and OpenAPI 3 has one request body. A path item's shared formData
// parameters go when it shares a body too; then each operation's own are pruned against what
// is shared. Each is a spec.converted.dropped finding on f.
func extraBodies(f *File, v any) []Finding {
	var out []Finding
	root, _ := v.(map[string]any)
	paths, _ := root["paths"].(map[string]any)
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		item, _ := paths[p].(map[string]any)
		shared, _ := item["parameters"].([]any)
		if countIn(root, shared, "body") > 0 && countIn(root, shared, "formData") > 0 {
			kept := make([]any, 0, len(shared))
			for i, pv := range shared {
				prm := localParameter(root, pv)
				if prm["in"] != "formData" {
					kept = append(kept, pv)
					continue
				}
				name, _ := prm["name"].(string)
				ptr := jsonptr.Join("", "paths", p, "parameters", fmt.Sprint(i))
				out = append(out, Finding{Rule: RuleConversionDropped, Level: LevelOf(RuleConversionDropped), File: f.Name, Pointer: ptr, Line: f.Line(ptr),
					Message: fmt.Sprintf("formData parameter %q stands beside a body parameter the operations of %s share; the body is read and this one is not checked", name, p)})
			}
			item["parameters"] = kept
			shared = kept
		}
		for _, method := range []string{"get", "put", "post", "delete", "options", "head", "patch"} {
			op, ok := item[method].(map[string]any)
			if !ok {
				continue
			}
			params, _ := op["parameters"].([]any)
			bodies, forms := 0, 0
			for _, pv := range append(append([]any(nil), shared...), params...) {
				switch localParameter(root, pv)["in"] {
				case "body":
					bodies++
				case "formData":
					forms++
				}
			}
			if bodies <= 1 && (bodies == 0 || forms == 0) {
				continue
			}
			// The operation's own parameters are the ones pruned; shared ones stay.
			seenBody := bodies-countIn(root, params, "body") > 0
			kept := make([]any, 0, len(params))
			for i, pv := range params {
				prm := localParameter(root, pv)
				in, _ := prm["in"].(string)
				name, _ := prm["name"].(string)
				ptr := jsonptr.Join("", "paths", p, method, "parameters", fmt.Sprint(i))
				drop := ""
				switch {
				case in == "body" && seenBody:
					drop = fmt.Sprintf("body parameter %q is a second body of %s %s; OpenAPI 3 has one request body, so the first is read and this one is not checked", name, strings.ToUpper(method), p)
				case in == "formData" && bodies > 0:
					drop = fmt.Sprintf("formData parameter %q stands beside a body parameter of %s %s; the body is read and this one is not checked", name, strings.ToUpper(method), p)
				}
				if in == "body" {
					seenBody = true
				}
				if drop != "" {
					out = append(out, Finding{Rule: RuleConversionDropped, Level: LevelOf(RuleConversionDropped), File: f.Name, Pointer: ptr, Line: f.Line(ptr), Message: drop})
					continue
				}
				kept = append(kept, pv)
			}
			op["parameters"] = kept
		}
	}
	return out
}

func countIn(root map[string]any, params []any, in string) int {
	n := 0
	for _, pv := range params {
		if localParameter(root, pv)["in"] == in {
			n++
		}
	}
	return n
}

// swagger2Types repairs, in the bundled Swagger 2.0 document v, each keyword of a schema, a
// parameter or a header whose value has a type kin-openapi's openapi2 cannot read (minimum:
// zero): it would refuse the whole document. Each is a spec.keyword.type finding on f.
func swagger2Types(f *File, v any) []Finding {
	root, _ := v.(map[string]any)
	var bad []badType
	check := func(x any, ptr string, param bool) { bad = append(bad, schemaTypeErrors(x, ptr, param)...) }
	params := func(list any, ptr string) {
		l, _ := list.([]any)
		for i, p := range l {
			at := jsonptr.Join(ptr, strconv.Itoa(i))
			m, _ := p.(map[string]any)
			if m["in"] == "body" {
				check(m["schema"], jsonptr.Join(at, "schema"), false)
				continue
			}
			check(m, at, true)
		}
	}
	responses := func(rs any, ptr string) {
		m, _ := rs.(map[string]any)
		for code, r := range m {
			rm, _ := r.(map[string]any)
			at := jsonptr.Join(ptr, code)
			check(rm["schema"], jsonptr.Join(at, "schema"), false)
			hs, _ := rm["headers"].(map[string]any)
			for name, h := range hs {
				check(h, jsonptr.Join(at, "headers", name), true)
			}
		}
	}
	defs, _ := root["definitions"].(map[string]any)
	for name, d := range defs {
		check(d, jsonptr.Join("", "definitions", name), false)
	}
	gp, _ := root["parameters"].(map[string]any)
	for name, p := range gp {
		m, _ := p.(map[string]any)
		at := jsonptr.Join("", "parameters", name)
		if m["in"] == "body" {
			check(m["schema"], jsonptr.Join(at, "schema"), false)
		} else {
			check(m, at, true)
		}
	}
	responses(root["responses"], "/responses")
	paths, _ := root["paths"].(map[string]any)
	for p, item := range paths {
		im, _ := item.(map[string]any)
		params(im["parameters"], jsonptr.Join("", "paths", p, "parameters"))
		for method, op := range im {
			om, ok := op.(map[string]any)
			if !ok || !httpMethods[method] {
				continue
			}
			params(om["parameters"], jsonptr.Join("", "paths", p, method, "parameters"))
			responses(om["responses"], jsonptr.Join("", "paths", p, method, "responses"))
		}
	}
	var out []Finding
	for _, b := range bad {
		what, ok := repairValue(v, b.ptr, b.why)
		if !ok {
			continue
		}
		key := jsonptr.Unescape(b.ptr[strings.LastIndex(b.ptr, "/")+1:])
		out = append(out, Finding{Rule: RuleKeywordType, Level: LevelOf(RuleKeywordType), File: f.Name, Pointer: b.ptr, Line: f.Line(b.ptr),
			Message: fmt.Sprintf("%q has a value of the wrong type (%s); %s", key, b.why, what)})
	}
	sortFindings(out)
	return out
}
