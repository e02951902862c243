package specs

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/specgate/specgate/internal/jsonptr"
)

// The lenient pass over a root document's objects. kin-openapi's loader refuses a whole
// document for one path item, operation, parameter, response, header or component that is
// not an object ("invalid response: value MUST be an object"): a `200:` left empty in YAML is
// null. It refuses a parameter with both schema and content too. Redocly reads such documents
// and reports each; so does specgate, which repairs them in the file's Value first, before the
// references are followed (a component dropped here is a $ref that does not resolve there).

// operationKeys are the fields of a path item that hold operations, in any version.
var operationKeys = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace", "query"}

// componentMaps are the components of OpenAPI 3.x whose entries must be objects (schemas may
// be booleans in 3.1 and are JSON Schema's to judge), with the name of one entry.
var componentMaps = []struct{ key, what string }{
	{"responses", "response"}, {"parameters", "parameter"}, {"examples", "example"},
	{"requestBodies", "request body"}, {"headers", "header"}, {"securitySchemes", "security scheme"},
	{"links", "link"}, {"callbacks", "callback"}, {"pathItems", "path item"},
}

// shape repairs the objects of a root document (a file with an openapi or swagger field).
func (w *fixer) shape() {
	root, ok := w.f.Value.(map[string]any)
	if !ok {
		return
	}
	_, v3 := root["openapi"]
	_, v2 := root["swagger"]
	if !v3 && !v2 {
		return
	}
	w.pathItems(root, "paths", "")
	if v2 {
		w.stringLists(root, "", swagger2StringLists)
		w.objects(root, "parameters", "", "parameter")
		w.objects(root, "responses", "", "response")
		return
	}
	w.pathItems(root, "webhooks", "")
	comps, ok := root["components"].(map[string]any)
	if !ok {
		return
	}
	for _, kind := range componentMaps {
		for name, c := range w.objects(comps, kind.key, "/components", kind.what) {
			ptr := jsonptr.Join("/components", kind.key, name)
			switch kind.key {
			case "parameters":
				w.parameter(c, ptr)
			case "responses":
				w.objects(c, "headers", ptr, "header")
			case "callbacks":
				w.callback(c, ptr)
			case "pathItems":
				w.pathItem(c, ptr)
			}
		}
	}
}

// pathItems repairs the path items of m[key] (paths, webhooks, a callback's expressions).
func (w *fixer) pathItems(m map[string]any, key, ptr string) {
	for name, item := range w.objects(m, key, ptr, "path item") {
		w.pathItem(item, jsonptr.Join(ptr, key, name))
	}
}

// callback repairs a Callback object: a map of expressions to path items.
func (w *fixer) callback(c map[string]any, ptr string) {
	if _, ok := c["$ref"]; ok {
		return
	}
	for name, item := range w.entries(c, ptr, "path item") {
		w.pathItem(item, jsonptr.Join(ptr, name))
	}
}

func (w *fixer) pathItem(item map[string]any, ptr string) {
	if _, ok := item["$ref"]; ok {
		return
	}
	w.parameters(item, ptr)
	for _, k := range operationKeys {
		op, ok := item[k]
		if !ok {
			continue
		}
		opPtr := jsonptr.Join(ptr, k)
		m, ok := op.(map[string]any)
		if !ok {
			delete(item, k)
			w.notObject(opPtr, "operation", op, "dropped")
			continue
		}
		w.parameters(m, opPtr)
		w.responses(m, opPtr)
		w.stringLists(m, opPtr, swagger2OperationKeys)
		if cbs, ok := m["callbacks"].(map[string]any); ok {
			for name, c := range w.entries(cbs, jsonptr.Join(opPtr, "callbacks"), "callback") {
				w.callback(c, jsonptr.Join(opPtr, "callbacks", name))
			}
		}
	}
}

// parameters drops the entries of m's parameter list that are not objects.
func (w *fixer) parameters(m map[string]any, ptr string) {
	v, ok := m["parameters"]
	if !ok {
		return
	}
	list, ok := v.([]any)
	if !ok {
		delete(m, "parameters")
		w.f.modified = true
		w.f.add(RuleObjectType, jsonptr.Join(ptr, "parameters"), fmt.Sprintf("the parameter list is %s, not a list; dropped", describeValue(v)))
		return
	}
	kept := list[:0:0]
	for i, p := range list {
		at := jsonptr.Join(ptr, "parameters", fmt.Sprint(i))
		pm, ok := p.(map[string]any)
		if !ok {
			w.notObject(at, "parameter", p, "dropped")
			continue
		}
		w.parameter(pm, at)
		kept = append(kept, p)
	}
	if len(kept) != len(list) {
		m["parameters"] = kept
	}
}

// parameter keeps the schema of a parameter that has both a schema and content (OpenAPI 3.x
// allows one of them).
func (w *fixer) parameter(p map[string]any, ptr string) {
	if _, ok := p["$ref"]; ok {
		return
	}
	_, schema := p["schema"]
	_, content := p["content"]
	if !schema || !content {
		return
	}
	delete(p, "content")
	w.f.modified = true
	w.f.add(RuleParameterSchemaContent, jsonptr.Join(ptr, "content"), "the parameter has both schema and content (OpenAPI allows one); its schema is checked, its content is not")
}

// responses repairs an operation's responses: one that is not an object is read as a response
// without content, so that its status stays documented.
func (w *fixer) responses(op map[string]any, ptr string) {
	rs, ok := op["responses"].(map[string]any)
	if !ok {
		return
	}
	ptr = jsonptr.Join(ptr, "responses")
	for _, code := range sortedKeys(rs) {
		if strings.HasPrefix(code, "x-") {
			continue
		}
		at := jsonptr.Join(ptr, code)
		r, ok := rs[code].(map[string]any)
		if !ok {
			w.notObject(at, "response", rs[code], "read as a response without content")
			rs[code] = map[string]any{"description": ""}
			continue
		}
		w.objects(r, "headers", at, "header")
	}
}

// objects drops the entries of m[key] that are not objects (extensions aside) and returns the
// others by name.
func (w *fixer) objects(m map[string]any, key, ptr, what string) map[string]map[string]any {
	sub, ok := m[key].(map[string]any)
	if !ok {
		return nil
	}
	return w.entries(sub, jsonptr.Join(ptr, key), what)
}

// entries drops the entries of m, at ptr, that are not objects (extensions aside) and returns
// the others by name.
func (w *fixer) entries(m map[string]any, ptr, what string) map[string]map[string]any {
	out := make(map[string]map[string]any, len(m))
	for _, name := range sortedKeys(m) {
		if strings.HasPrefix(name, "x-") {
			continue
		}
		e, ok := m[name].(map[string]any)
		if !ok {
			w.notObject(jsonptr.Join(ptr, name), what, m[name], "dropped")
			delete(m, name)
			continue
		}
		out[name] = e
	}
	return out
}

// notObject reports a value at ptr that should be an OpenAPI object of kind what.
func (w *fixer) notObject(ptr, what string, v any, done string) {
	w.f.modified = true
	w.f.add(RuleObjectType, ptr, fmt.Sprintf("the %s is %s, not an object; %s", what, describeValue(v), done))
}

// describeValue names a JSON value's kind for a message.
func describeValue(v any) string {
	switch v.(type) {
	case nil:
		return "null (empty)"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	case string:
		return fmt.Sprintf("the string %s", shortValue(v))
	}
	return fmt.Sprintf("the value %s", shortValue(v))
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// nullSchemas repairs each schema of v, below keys, that is null (a YAML key left empty:
// `allOf: [{...}, ]`, `items:`): kin-openapi refuses the document for one ("invalid schema:
// value MUST be an object"). One in a list of subschemas is dropped, one under a keyword is
// removed with its keyword, a named one (a property) becomes a schema that accepts anything.
// Data (examples, defaults, enums, extensions) is not looked into. It walks every file once
// more, so pointers are built only for what it reports, and the findings are sorted after.
func (w *fixer) nullSchemas(v any, keys []string) {
	switch t := v.(type) {
	case map[string]any:
		named := nameMap(parentKey(keys, 0)) || len(keys) == 2 && keys[0] == "components" && keys[1] == "schemas"
		for k, e := range t {
			if k == "$ref" || dataKey(k, keys) {
				continue
			}
			switch {
			case e != nil:
				w.nullSchemas(e, append(keys, k))
			case named:
				t[k] = map[string]any{}
				w.notObject(jsonptr.Join("", append(keys, k)...), "schema", nil, "read as a schema that accepts anything")
			case k == "schema" || slices.Contains(keywords2020.single, k):
				delete(t, k)
				w.notObject(jsonptr.Join("", append(keys, k)...), "schema", nil, "dropped with its keyword")
			}
		}
	case []any:
		list := slices.Contains(keywords2020.list, parentKey(keys, 0)) && !nameMap(parentKey(keys, 1))
		var kept []any
		for i, e := range t {
			if e == nil && list {
				if kept == nil {
					kept = append(make([]any, 0, len(t)), t[:i]...)
				}
				w.notObject(jsonptr.Join("", append(keys, strconv.Itoa(i))...), "schema", nil, "dropped from the list")
				continue
			}
			if e != nil {
				w.nullSchemas(e, append(keys, strconv.Itoa(i)))
			}
			if kept != nil {
				kept = append(kept, e)
			}
		}
		if kept != nil {
			w.f.Value = setAt(w.f.Value, jsonptr.Join("", keys...), kept)
		}
	}
}
