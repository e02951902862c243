package lint

import (
	"fmt"
	"maps"
	"mime"
	"slices"
	"strings"
)

// RulePathParamInBody: a JSON request body requires a property named like a path parameter of
// the same operation, at its top level or one object down (NERM wraps bodies as {"user": {...}}).
// The page of NERM's PATCH /users/{id} means that with its "required": true on user.id, and
// clients disagree: its rendering says required={false}, and SailPoint's generated SDK names the
// user in the path only, so against such a spec every one of its requests is invalid.
const RulePathParamInBody = "lint.request.path_param_in_body"

// pathParamsInBody reports every required request-body property that repeats a path parameter.
// It reads the document as package specs repaired it, so a boolean "required" counts.
func (l *linter) pathParamsInBody() {
	root := place{File: l.root}
	_, paths, _ := l.resolve(root.At("paths"))
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		pp, item, ok := l.resolve(root.At("paths", path))
		if !ok {
			continue
		}
		var itemParams []string
		l.list(pp.At("parameters"), func(_ place, m map[string]any) { itemParams = append(itemParams, pathParam(m)...) })
		for _, method := range methods {
			if _, ok := item[method]; !ok {
				continue
			}
			op := pp.At(method)
			params := append([]string(nil), itemParams...)
			l.list(op.At("parameters"), func(_ place, m map[string]any) { params = append(params, pathParam(m)...) })
			if len(params) == 0 {
				continue
			}
			bp, _, ok := l.resolve(op.At("requestBody"))
			if !ok {
				continue
			}
			name := strings.ToUpper(method) + " " + path
			l.objects(bp.At("content"), func(mp place, _ map[string]any) {
				if !jsonMedia(mp.Pointer) {
					return
				}
				sp, schema, ok := l.resolve(mp.At("schema"))
				if !ok {
					return
				}
				l.requiredPathParams(sp, schema, "", params, name)
				props, _ := schema["properties"].(map[string]any)
				for _, prop := range slices.Sorted(maps.Keys(props)) {
					if np, nested, ok := l.resolve(sp.At("properties", prop)); ok {
						l.requiredPathParams(np, nested, prop+"/", params, name)
					}
				}
			})
		}
	}
}

// requiredPathParams reports the properties of the object schema at p that it requires and
// that are named like one of params.
func (l *linter) requiredPathParams(p place, schema map[string]any, prefix string, params []string, op string) {
	required, _ := schema["required"].([]any)
	for _, r := range required {
		prop, _ := r.(string)
		for _, param := range params {
			if prop != param || !l.once(RulePathParamInBody+p.File+p.Pointer+prop+op) {
				continue
			}
			f := l.finding(RulePathParamInBody, p.File, p.At("properties", prop).Pointer, fmt.Sprintf(
				"the request body of %s requires `%s%s`, which repeats the path parameter `%s`; clients that name "+
					"the resource in the path only (OpenAPI Generator's, SailPoint's NERM SDK among them) never send it, "+
					"so every request of theirs breaks the spec: make the body property optional, or drop it",
				op, prefix, prop, param))
			if f.Line == 0 { // the property is in another place than its name in required
				f = l.finding(RulePathParamInBody, p.File, p.At("required").Pointer, f.Message)
			}
			if f.Operation == "" {
				f.Operation = op
			}
			l.add(f)
		}
	}
}

// pathParam returns the name of a path parameter, or nothing for a parameter elsewhere.
func pathParam(m map[string]any) []string {
	if in, _ := m["in"].(string); in != "path" {
		return nil
	}
	if name, _ := m["name"].(string); name != "" {
		return []string{name}
	}
	return nil
}

// jsonMedia reports whether the media type a content entry's pointer ends in is JSON.
func jsonMedia(ptr string) bool {
	i := strings.LastIndex(ptr, "/")
	mt, _, err := mime.ParseMediaType(strings.ReplaceAll(strings.ReplaceAll(ptr[i+1:], "~1", "/"), "~0", "~"))
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}
