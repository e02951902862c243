package lint

import (
	"context"
	"errors"
	"fmt"
	"github.com/specgate/specgate/internal/jsonptr"
	"github.com/specgate/specgate/validator"
	"strings"
)

// place is a location in a spec file: its path in the Sources and a JSON pointer.
type place struct {
	file, ptr string
}

func (p place) at(toks ...string) place { return place{p.file, jsonptr.Join(p.ptr, toks...)} }

// resolve follows $refs from p to the object they end at.
func (l *linter) resolve(p place) (place, map[string]any, bool) {
	for range 32 {
		f, err := l.src.File(p.file)
		if err != nil {
			return p, nil, false
		}
		v, ok := jsonptr.Lookup(f.Value, p.ptr)
		if !ok {
			return p, nil, false
		}
		m, ok := v.(map[string]any)
		if !ok {
			return p, nil, false
		}
		ref, isRef := m["$ref"].(string)
		if !isRef {
			return p, m, true
		}
		file, ptr, ok := jsonptr.SplitRef(p.file, ref)
		if !ok {
			return p, nil, false
		}
		p = place{file, ptr}
	}
	return p, nil, false
}

// objects calls fn for every entry of the map at p, resolved.
func (l *linter) objects(p place, fn func(place, map[string]any)) {
	_, m, ok := l.resolve(p)
	if !ok {
		return
	}
	for _, k := range sortedKeys(m) {
		if strings.HasPrefix(k, "x-") {
			continue
		}
		if at, v, ok := l.resolve(p.at(k)); ok {
			fn(at, v)
		}
	}
}

// examples checks every example of the document against its schema.
func (l *linter) examples() {
	root := place{l.root, ""}
	var schemas []place
	media := func(p place, dir direction) {
		l.objects(p.at("content"), func(mp place, m map[string]any) {
			if _, ok := m["schema"]; ok {
				schemas = append(schemas, mp.at("schema"))
			}
			l.exampleSet(mp, m, mp.at("schema"), dir)
		})
	}
	param := func(p place, m map[string]any, dir direction) {
		if _, ok := m["schema"]; ok {
			schemas = append(schemas, p.at("schema"))
			l.exampleSet(p, m, p.at("schema"), dir)
		}
		media(p, dir)
	}
	response := func(p place, m map[string]any) {
		l.objects(p.at("headers"), func(hp place, h map[string]any) { param(hp, h, dirResponse) })
		media(p, dirResponse)
	}
	l.objects(root.at("paths"), func(pp place, item map[string]any) {
		l.list(pp.at("parameters"), func(p place, m map[string]any) { param(p, m, dirRequest) })
		for _, method := range methods {
			if _, ok := item[method]; !ok {
				continue
			}
			op := pp.at(method)
			l.list(op.at("parameters"), func(p place, m map[string]any) { param(p, m, dirRequest) })
			if bp, _, ok := l.resolve(op.at("requestBody")); ok {
				media(bp, dirRequest)
			}
			l.objects(op.at("responses"), response)
		}
	})
	comp := root.at("components")
	l.objects(comp.at("parameters"), func(p place, m map[string]any) { param(p, m, dirRequest) })
	l.objects(comp.at("headers"), func(p place, m map[string]any) { param(p, m, dirResponse) })
	l.objects(comp.at("requestBodies"), func(p place, _ map[string]any) { media(p, dirRequest) })
	l.objects(comp.at("responses"), response)
	if f, err := l.src.File(l.root); err == nil {
		if m, ok := jsonptr.Lookup(f.Value, "/components/schemas"); ok {
			if mm, ok := m.(map[string]any); ok {
				for _, k := range sortedKeys(mm) {
					schemas = append(schemas, comp.at("schemas", k))
				}
			}
		}
	}
	l.walkSchemas(schemas, func(p place, m map[string]any) {
		if ex, ok := m["example"]; ok {
			l.checkExample(p, dirNone, p.at("example"), ex)
		}
		if list, ok := m["examples"].([]any); ok {
			for i, ex := range list {
				l.checkExample(p, dirNone, p.at("examples", fmt.Sprint(i)), ex)
			}
		}
	})
}

// list calls fn for every element of the list at p, resolved.
func (l *linter) list(p place, fn func(place, map[string]any)) {
	f, err := l.src.File(p.file)
	if err != nil {
		return
	}
	v, _ := jsonptr.Lookup(f.Value, p.ptr)
	items, _ := v.([]any)
	for i := range items {
		if at, m, ok := l.resolve(p.at(fmt.Sprint(i))); ok {
			fn(at, m)
		}
	}
}

// exampleSet checks the example and examples of a media type, parameter or header at p.
func (l *linter) exampleSet(p place, m map[string]any, schema place, dir direction) {
	if _, ok := m["schema"]; !ok {
		return
	}
	if ex, ok := m["example"]; ok {
		l.checkExample(schema, dir, p.at("example"), ex)
	}
	exs, _ := m["examples"].(map[string]any)
	for _, name := range sortedKeys(exs) {
		at, obj, ok := l.resolve(p.at("examples", name))
		if !ok {
			continue
		}
		if v, ok := obj["value"]; ok {
			l.checkExample(schema, dir, at.at("value"), v)
		}
	}
}

// checkExample validates the example value found at ex against the schema at schema.
func (l *linter) checkExample(schema place, dir direction, ex place, value any) {
	if l.stopped(l.ctx.Err()) || !l.once(fmt.Sprintf("example %s %s#%s", dir, ex.file, ex.ptr)) {
		return
	}
	sch, ok := l.compile(schema, dir)
	if !ok {
		return
	}
	v, err := toJSON(value)
	if err != nil {
		l.add(l.finding(RuleExampleInvalid, ex.file, ex.ptr, fmt.Sprintf("the example is not a JSON value: %v", err)))
		return
	}
	problems, err := check(sch, v)
	if err != nil {
		l.fail(schema, err)
		return
	}
	if len(problems) == 0 {
		return
	}
	f := l.finding(RuleExampleInvalid, ex.file, ex.ptr, "the example does not match its schema: "+l.describe(problems[0], "the example"))
	if len(problems) > 1 {
		for _, p := range problems {
			f.Details = append(f.Details, l.describe(p, "the example"))
		}
	}
	l.add(f)
}

// compile compiles the schema at p, reporting once when it cannot be compiled.
func (l *linter) compile(p place, dir direction) (*validator.Schema, bool) {
	sch, err := l.checker.compile(validator.Part(dir), p.file, p.ptr)
	if err != nil {
		l.fail(p, err)
		return nil, false
	}
	return sch, true
}

// stopped records err when it is the context's (lint was cancelled) and reports whether the
// linter must stop.
func (l *linter) stopped(err error) bool {
	if l.err == nil && err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		l.err = err
	}
	return l.err != nil
}

// fail reports, once per place, a schema that could not be compiled or used. A schema left
// uncompiled because the engine failed too often is a limit of specgate, not a defect of the
// spec: its own rule, a warning.
func (l *linter) fail(p place, err error) {
	if !l.once("schema " + p.file + "#" + p.ptr) {
		return
	}
	switch {
	case errors.Is(err, errUnchecked):
		l.add(l.finding(RuleSchemaUnchecked, p.file, p.ptr, fmt.Sprintf("the schema is not checked, nor anything that uses it: %v", err)))
	default:
		// The defect validate, proxy and mock report at load: one id and one message everywhere.
		if at, ok := validator.UncompilableFinding(err); ok {
			l.add(fromSpecs(at))
			return
		}
		l.add(l.finding(validator.RuleSpecSchemaUncompilable, p.file, p.ptr, fmt.Sprintf("the schema cannot be compiled, so nothing that uses it can be checked: %v", err)))
	}
}

// describe writes a problem as "`/user/uid` must be exactly 32 characters, got 36 (schema
// specs/x.yaml#/components/schemas/Uid/maxLength, line 222)".
func (l *linter) describe(p validator.Violation, whole string) string {
	s := strings.Replace(p.Message, "the value", whole, 1)
	if p.Schema != "" {
		s += fmt.Sprintf(" (schema %s, line %d)", p.Schema, p.Line)
	}
	return s
}

// direction is the part of an exchange a value travels in: readOnly and writeOnly apply to it.
type direction = validator.Part

const (
	dirNone     direction = ""
	dirRequest            = validator.PartRequest
	dirResponse           = validator.PartResponse
)

// walkSchemas calls fn once for every schema object under the given roots, following $refs
// (into other files too) and every keyword that holds subschemas.
func (l *linter) walkSchemas(roots []place, fn func(place, map[string]any)) {
	seen := map[place]bool{}
	var walk func(p place, depth int)
	walk = func(p place, depth int) {
		if depth > 64 || l.stopped(l.ctx.Err()) {
			return
		}
		at, m, ok := l.resolve(p)
		if !ok || seen[at] {
			return
		}
		seen[at] = true
		fn(at, m)
		for _, k := range []string{"items", "not", "additionalProperties", "additionalItems", "contains", "propertyNames", "if", "then", "else", "unevaluatedItems", "unevaluatedProperties"} {
			if _, ok := m[k].(map[string]any); ok {
				walk(at.at(k), depth+1)
			}
		}
		for _, k := range []string{"allOf", "anyOf", "oneOf", "prefixItems"} {
			if list, ok := m[k].([]any); ok {
				for i := range list {
					walk(at.at(k, fmt.Sprint(i)), depth+1)
				}
			}
		}
		for _, k := range []string{"properties", "patternProperties", "dependentSchemas", "$defs"} {
			if mm, ok := m[k].(map[string]any); ok {
				for _, name := range sortedKeys(mm) {
					walk(at.at(k, name), depth+1)
				}
			}
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
}
