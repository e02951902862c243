package lint

import (
	"context"
	"errors"
	"fmt"
	"github.com/specgate/specgate/internal/jsonptr"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
	"maps"
	"slices"
	"strings"
)

// place is a location in a spec file: its path in the Sources and a JSON pointer.
type place = specs.Place

// resolve follows $refs from p to the object they end at.
func (l *linter) resolve(p place) (place, map[string]any, bool) {
	at, v, err := l.src.Resolve(p)
	m, ok := v.(map[string]any)
	return at, m, err == nil && ok
}

// objects calls fn for every entry of the map at p, resolved.
func (l *linter) objects(p place, fn func(place, map[string]any)) {
	_, m, ok := l.resolve(p)
	if !ok {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if strings.HasPrefix(k, "x-") {
			continue
		}
		if at, v, ok := l.resolve(p.At(k)); ok {
			fn(at, v)
		}
	}
}

// checkObjects checks the document's objects, walked once by OpenAPI's structure: their examples
// and their oneOfs. (One walk of a 12 MB document is a tenth of a second and a hundred
// megabytes of allocations; each check walking it again cost as much once more.)
func (l *linter) checkObjects() {
	l.walk(func(n *specs.Node) {
		l.examples(n)
		l.oneOfs(n)
	})
}

// examples checks every example of n against its schema: those of parameters, headers and
// media types against the schema beside them, in the direction they travel, and those of
// schemas against the schema itself.
func (l *linter) examples(n *specs.Node) {
	p := n.Place
	dir := dirRequest
	if n.Response {
		dir = dirResponse
	}
	switch n.Kind {
	case specs.KindParameter, specs.KindHeader, specs.KindMediaType:
		l.exampleSet(p, n.Value, p.At("schema"), dir)
	case specs.KindSchema:
		m := n.Value
		if ex, ok := m["example"]; ok {
			l.checkExample(p, dirNone, p.At("example"), ex)
		}
		if list, ok := m["examples"].([]any); ok {
			for i, ex := range list {
				l.checkExample(p, dirNone, p.At("examples", fmt.Sprint(i)), ex)
			}
		}
	}
}

// walk calls fn for every object of the document, by its structure (see specs.Walker), and
// every schema as the validator compiles it: every subschema keyword of 2020-12, in a 3.0
// document too. A 3.0 schema with a $ref is not given: its siblings are ignored.
func (l *linter) walk(fn func(*specs.Node)) {
	m, _ := l.file.Value.(map[string]any)
	version, _ := m["openapi"].(string)
	dialect := specs.DialectOf(version)
	w := &specs.Walker{Sources: l.src, Dialect: dialect, Compiled: true, Visit: func(n *specs.Node) bool {
		if l.stopped(l.ctx.Err()) {
			return false
		}
		if n.Kind == specs.KindSchema {
			if _, isRef := n.Value["$ref"]; n.Value == nil || isRef && dialect == specs.DialectOpenAPI30 {
				return true
			}
		}
		fn(n)
		return true
	}}
	// The root was read before the linter was made: Walk has no error to give.
	_ = w.Walk(place{File: l.root}, specs.KindDocument)
}

// list calls fn for every element of the list at p, resolved.
func (l *linter) list(p place, fn func(place, map[string]any)) {
	f, err := l.src.File(p.File)
	if err != nil {
		return
	}
	v, _ := jsonptr.Lookup(f.Value, p.Pointer)
	items, _ := v.([]any)
	for i := range items {
		if at, m, ok := l.resolve(p.At(fmt.Sprint(i))); ok {
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
		l.checkExample(schema, dir, p.At("example"), ex)
	}
	exs, _ := m["examples"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(exs)) {
		at, obj, ok := l.resolve(p.At("examples", name))
		if !ok {
			continue
		}
		if v, ok := obj["value"]; ok {
			l.checkExample(schema, dir, at.At("value"), v)
		}
	}
}

// checkExample validates the example value found at ex against the schema at schema.
func (l *linter) checkExample(schema place, dir direction, ex place, value any) {
	if l.stopped(l.ctx.Err()) || !l.once(fmt.Sprintf("example %s %s#%s", dir, ex.File, ex.Pointer)) {
		return
	}
	sch, ok := l.compile(schema, dir)
	if !ok {
		return
	}
	v, err := toJSON(value)
	if err != nil {
		l.add(l.finding(RuleExampleInvalid, ex.File, ex.Pointer, fmt.Sprintf("the example is not a JSON value: %v", err)))
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
	f := l.finding(RuleExampleInvalid, ex.File, ex.Pointer, "the example does not match its schema: "+l.describe(problems[0], "the example"))
	if len(problems) > 1 {
		for _, p := range problems {
			f.Details = append(f.Details, l.describe(p, "the example"))
		}
	}
	l.add(f)
}

// compile compiles the schema at p, reporting once when it cannot be compiled.
func (l *linter) compile(p place, dir direction) (*validator.Schema, bool) {
	sch, err := l.checker.compile(validator.Part(dir), p.File, p.Pointer)
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
	if !l.once("schema " + p.File + "#" + p.Pointer) {
		return
	}
	switch {
	case errors.Is(err, errUnchecked):
		l.add(l.finding(RuleSchemaUnchecked, p.File, p.Pointer, fmt.Sprintf("the schema is not checked, nor anything that uses it: %v", err)))
	default:
		// The defect validate, proxy and mock report at load: one id and one message everywhere.
		if at, ok := validator.UncompilableFinding(err); ok {
			l.add(fromSpecs(at))
			return
		}
		l.add(l.finding(validator.RuleSpecSchemaUncompilable, p.File, p.Pointer, fmt.Sprintf("the schema cannot be compiled, so nothing that uses it can be checked: %v", err)))
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
