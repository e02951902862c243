package specs

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/specgate/specgate/internal/jsonptr"
)

// The lenient pass over a file's references. kin-openapi's loader refuses a whole document for
// one $ref it cannot follow; published specs have $refs to files that are not published, to
// Markdown files (Redocly inlines them), to strings, and $refs where OpenAPI allows none (the
// value of content). Each is repaired in the file's Value, once per file, and reported.

// maxInline bounds how deep inlined objects may contain further misplaced $refs, so that a
// cycle of them ends.
const maxInline = 32

// fix runs the lenient pass over f, once. Callers hold s.fixMu.
func (s *Sources) fix(f *File) {
	if f.fixed || f.text {
		return
	}
	f.fixed = true
	w := &fixer{s: s, f: f, noAnchors: withoutAnchors(f.Value)}
	w.shape()
	// A file parsed without a null value (noNulls) has none to repair: the walk is skipped.
	if !f.noNulls {
		w.nullSchemas(f.Value, nil)
	}
	w.walk(f.Value, nil, func(v any) { f.Value = v }, 0, false)
	sort.SliceStable(f.refErrs, func(i, j int) bool { return f.refErrs[i].Line < f.refErrs[j].Line })
	sortFindings(f.Findings)
}

type fixer struct {
	s *Sources
	f *File
	// noAnchors says the file is a Swagger 2.0 or OpenAPI 3.0 root, whose schemas are no JSON
	// Schema 2020-12 resources: a fragment that is no JSON pointer names nothing there.
	noAnchors bool
}

// walk visits v at the pointer of keys, the keys above it from the root, nearest last (written
// out only for a $ref); set replaces v in its parent.
// scoped says v is inside a JSON Schema resource with its own $id, whose $refs resolve against
// that $id rather than the file (OpenAPI 3.1): they are the validator's to follow, never
// repaired here.
func (w *fixer) walk(v any, keys []string, set func(any), depth int, scoped bool) {
	switch t := v.(type) {
	case map[string]any:
		if _, ok := t["$id"].(string); ok && !nameMap(parentKey(keys, 0)) {
			scoped = true
		}
		if ref, ok := t["$ref"].(string); ok {
			// v's pointer, written out only here: keys are its tokens.
			ptr := jsonptr.Join("", keys...)
			if why := w.badFragment(ref); why != "" {
				w.unresolved(ref, ptr, keys, set, why)
				return
			}
			if isAnchorRef(ref) || (scoped && !w.resolves(ref)) {
				// Legal in 3.1 and the validator's to resolve (against the $id, or to an
				// $anchor); kin-openapi's loader resolves against the file and refuses a
				// fragment that is no JSON pointer, so its view has an empty schema there.
				w.f.patches = append(w.f.patches, kinPatch{ptr: ptr})
				w.f.modified = true
			} else if !scoped && w.ref(t, ref, ptr, keys, set, depth) {
				return
			}
			if !scoped {
				w.f.kept = append(w.f.kept, ref)
			}
		}
		names := make([]string, 0, len(t))
		for k := range t {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			// A schema property named "$ref" (the JSON Schema Test Suite has one) is a schema
			// like any other property, walked; a $ref string is the reference handled above.
			_, isRef := t[k].(string)
			if k == "$ref" && (isRef || !nameMap(parentKey(keys, 0))) || dataKey(k, keys) {
				continue
			}
			// keys is a stack: no callee keeps it, so each child appends in place. Only a
			// reference or a list can be replaced (set), so only they get a setter: the
			// closures were most of what the walk allocated.
			var set func(any)
			if replaceable(t[k]) {
				m, key := t, k
				set = func(n any) { m[key] = n }
			}
			w.walk(t[k], append(keys, k), set, depth, scoped)
		}
	case []any:
		var drop map[int]bool
		for i := range t {
			var set func(any)
			if replaceable(t[i]) {
				l, at := t, i
				set = func(n any) {
					if n == nil {
						if drop == nil {
							drop = map[int]bool{}
						}
						drop[at] = true
						return
					}
					l[at] = n
				}
			}
			w.walk(t[i], append(keys, strconv.Itoa(i)), set, depth, scoped)
		}
		if len(drop) > 0 {
			kept := make([]any, 0, len(t)-len(drop))
			for i, e := range t {
				if !drop[i] {
					kept = append(kept, e)
				}
			}
			set(kept)
		}
	}
}

// replaceable reports whether walk may replace v in its parent: an object with a $ref, or a
// list (which drops what it cannot resolve); for any other value it never calls set.
func replaceable(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		_, ok := t["$ref"]
		return ok
	case []any:
		return true
	}
	return false
}

// resolves reports whether ref, read against the file, points to something.
func (w *fixer) resolves(ref string) bool {
	target, ok := RefTarget(w.f.Path, ref)
	if !ok {
		return false
	}
	_, err := w.s.Value(target)
	return err == nil
}

// isAnchorRef reports whether ref names a JSON Schema anchor ("#name", "file.yaml#name") rather
// than a JSON pointer: the validator resolves anchors; here they are left as written.
func isAnchorRef(ref string) bool {
	_, frag, ok := strings.Cut(ref, "#")
	return ok && frag != "" && !strings.HasPrefix(frag, "/")
}

// dataKey reports whether the value under key k, below keys, holds data rather than spec
// objects (see IsDataKeyword). A schema property of such a name is a schema.
func dataKey(k string, keys []string) bool {
	if len(keys) > 0 && nameMap(keys[len(keys)-1]) {
		return false
	}
	// examples is walked: a Parameter's or Media Type's holds Example objects, whose $refs
	// are fixed; their value is data. A default of responses is the default Response.
	return IsDataKeyword(k) && k != "examples" && (k != "default" || parentKey(keys, 0) != "responses") ||
		(k == "value" && len(keys) > 1 && keys[len(keys)-2] == "examples")
}

// nameMap reports whether the keys of a map under key k are names chosen by the author (schema
// properties, definitions) rather than OpenAPI or JSON Schema keywords: the keywords that map
// names to subschemas, in any dialect.
func nameMap(k string) bool { return slices.Contains(keywords2020.named, k) }

// parentKey returns the key i levels above the current value (0: the value's own key), "" past
// the root.
func parentKey(keys []string, i int) string {
	if len(keys) <= i {
		return ""
	}
	return keys[len(keys)-1-i]
}

// ref handles the $ref of the object t at ptr. It returns true when t was replaced (and the
// replacement walked), false when t stays a reference to walk as usual.
func (w *fixer) ref(t map[string]any, ref, ptr string, keys []string, set func(any), depth int) bool {
	f := w.f
	refPtr := jsonptr.Join(ptr, "$ref")
	target, ok := RefTarget(f.Path, ref)
	if !ok {
		w.unresolved(ref, ptr, keys, set, errRemote.Error())
		return true
	}
	frag := target.Pointer
	tf, err := w.s.File(target.File)
	if err != nil {
		w.unresolved(ref, ptr, keys, set, err.Error())
		return true
	}
	if tf.text {
		if frag != "" {
			w.unresolved(ref, ptr, keys, set, fmt.Sprintf("%s is a text file, it has no #%s", tf.Name, frag))
			return true
		}
		set(tf.Value)
		f.modified = true
		f.add(RuleRefText, refPtr, fmt.Sprintf("$ref %q names a text file; its text is inlined, as Redocly does", ref))
		return true
	}
	v, ok := jsonptr.Lookup(tf.Value, frag)
	if !ok {
		w.unresolved(ref, ptr, keys, set, fmt.Sprintf("%s has nothing at #%s", tf.Name, frag))
		return true
	}
	if s, isStr := v.(string); isStr {
		set(s)
		f.modified = true
		f.add(RuleRefText, refPtr, fmt.Sprintf("$ref %q points to a string; it is inlined, as Redocly does", ref))
		return true
	}
	if w.refCycle(target, v) {
		w.unresolved(ref, ptr, keys, set, ErrRefCycle.Error())
		return true
	}
	if wrong, inline := refKind(tf, frag, keys); wrong != "" {
		w.unresolved(ref, ptr, keys, set, wrong)
		return true
	} else if inline {
		return w.inlineRef(v, tf, ptr, keys, set, depth)
	}
	if where := misplaced(keys); where == "the value of properties" {
		// The validator reads such a properties map in place, its violations pointing into
		// the file that has it; only kin-openapi, which cannot, gets it inlined (see kinView).
		f.patches = append(f.patches, kinPatch{ptr: ptr, target: tf.Path, frag: frag})
		f.modified = true
		f.add(RuleRefMisplaced, refPtr, fmt.Sprintf("$ref %q stands as %s, where OpenAPI allows no reference; what it points to is read in its place", ref, where))
		return false
	} else if where != "" {
		if depth >= maxInline {
			w.unresolved(ref, ptr, keys, set, "misplaced $refs nest too deep (a cycle?)")
			return true
		}
		inl := rebase(v, tf.Path, f.Path)
		set(inl)
		f.modified = true
		f.add(RuleRefMisplaced, refPtr, fmt.Sprintf("$ref %q stands as %s, where OpenAPI allows no reference; what it points to is inlined", ref, where))
		w.walk(inl, keys, set, depth+1, false)
		return true
	}
	return false
}

// misplaced names the place of a $ref that OpenAPI does not allow there, or returns "".
func misplaced(keys []string) string {
	k0, k1, k2 := parentKey(keys, 0), parentKey(keys, 1), parentKey(keys, 2)
	switch {
	case k0 == "content" && !nameMap(k1):
		return "the value of content"
	case k1 == "content" && !nameMap(k2):
		return "a media type"
	case k0 == "properties" && !nameMap(k1):
		return "the value of properties"
	case httpMethods[k0] && (k2 == "paths" || k2 == "webhooks") && !nameMap(k2):
		return "an operation"
	}
	return ""
}

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true, "query": true}

// unresolved records a $ref that does not resolve and replaces the reference: dropped from a
// parameter list, an object with a description for a response, an empty object elsewhere (as a
// schema, one that accepts anything).
func (w *fixer) unresolved(ref, ptr string, keys []string, set func(any), reason string) {
	f := w.f
	refPtr := jsonptr.Join(ptr, "$ref")
	f.refErrs = append(f.refErrs, RefError{Path: f.Path, File: f.Name, Line: f.Line(refPtr), Pointer: refPtr, Ref: ref, Reason: reason})
	f.modified = true
	what := "read as an empty object"
	switch {
	case parentKey(keys, 1) == "parameters" && isIndex(parentKey(keys, 0)):
		set(nil)
		what = "the parameter is dropped"
	case parentKey(keys, 1) == "responses" && !nameMap(parentKey(keys, 2)):
		set(map[string]any{"description": "unresolved $ref " + ref})
		what = "read as a response without content"
	default:
		set(map[string]any{})
	}
	f.add(RuleRefUnresolved, refPtr, fmt.Sprintf("$ref %q does not resolve: %s; %s", ref, reason, what))
}

func isIndex(tok string) bool {
	_, err := strconv.Atoi(tok)
	return err == nil
}

// rebase deep-copies v, written in file from, for use in file to: its relative $refs are
// rewritten to reach the same targets from to.
func rebase(v any, from, to string) any { return rebaseAt(v, from, to, "") }

func rebaseAt(v any, from, to, key string) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			if ref, ok := e.(string); ok && k == "$ref" {
				m[k] = rebaseRef(ref, from, to)
				continue
			}
			if dataKey(k, []string{key}) {
				m[k] = e
				continue
			}
			if d, ok := e.(map[string]any); ok && k == "discriminator" && !nameMap(key) {
				m[k] = rebaseDiscriminator(d, from, to)
				continue
			}
			m[k] = rebaseAt(e, from, to, k)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = rebaseAt(e, from, to, "")
		}
		return s
	}
	return v
}

// rebaseDiscriminator copies a discriminator whose mapping values may be $refs (those that are
// not plain schema names).
func rebaseDiscriminator(d map[string]any, from, to string) map[string]any {
	out := make(map[string]any, len(d))
	for k, v := range d {
		out[k] = v
	}
	if mapping, ok := d["mapping"].(map[string]any); ok {
		m := make(map[string]any, len(mapping))
		for k, v := range mapping {
			if s, ok := v.(string); ok && strings.ContainsAny(s, "#/.") {
				v = rebaseRef(s, from, to)
			}
			m[k] = v
		}
		out["mapping"] = m
	}
	return out
}

func rebaseRef(ref, from, to string) string {
	if from == to {
		return ref
	}
	loc, frag, hasFrag := strings.Cut(ref, "#")
	if strings.Contains(loc, "://") {
		return ref
	}
	target := from
	if loc != "" {
		target = path.Clean(path.Join(path.Dir(from), loc))
	}
	rel := relPath(path.Dir(to), target)
	if hasFrag {
		return rel + "#" + frag
	}
	return rel
}

// relPath is target relative to the directory dir (both slash-separated, relative to one root).
func relPath(dir, target string) string {
	split := func(p string) []string {
		if p == "." || p == "" {
			return nil
		}
		return strings.Split(p, "/")
	}
	d, t := split(dir), split(target)
	i := 0
	for i < len(d) && i < len(t) && d[i] == t[i] {
		i++
	}
	parts := make([]string, 0, len(d)-i+len(t)-i)
	for range d[i:] {
		parts = append(parts, "..")
	}
	parts = append(parts, t[i:]...)
	return strings.Join(parts, "/")
}

// kinPatch is a $ref that only kin-openapi's view of a file replaces: a misplaced one by what it
// points to, an anchor (no target) by an empty schema.
type kinPatch struct {
	ptr, target, frag string
}

// kinViews builds, for each file with kin patches, the value kin-openapi reads: a copy of its
// Value with each patch's target inlined (from the target's own view). Callers hold s.fixMu.
func (s *Sources) kinViews(files []*File) {
	busy := map[*File]bool{}
	for _, f := range files {
		s.kinView(f, busy)
	}
}

func (s *Sources) kinView(f *File, busy map[*File]bool) any {
	if f.kin != nil {
		return f.kin
	}
	if len(f.patches) == 0 || busy[f] {
		return f.Value
	}
	busy[f] = true
	defer delete(busy, f)
	v := rebase(f.Value, f.Path, f.Path)
	for _, p := range f.patches {
		if p.target == "" {
			v = setAt(v, p.ptr, map[string]any{})
			continue
		}
		tf, err := s.File(p.target)
		if err != nil {
			continue
		}
		x, ok := jsonptr.Lookup(s.kinView(tf, busy), p.frag)
		if !ok {
			continue
		}
		v = setAt(v, p.ptr, rebase(x, tf.Path, f.Path))
	}
	f.kin = v
	return v
}

// setAt returns v with the value at ptr replaced by x.
func setAt(v any, ptr string, x any) any {
	if ptr == "" {
		return x
	}
	toks := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	cur := v
	for i, tok := range toks {
		tok = jsonptr.Unescape(tok)
		last := i == len(toks)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[tok] = x
				return v
			}
			cur = c[tok]
		case []any:
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 || n >= len(c) {
				return v
			}
			if last {
				c[n] = x
				return v
			}
			cur = c[n]
		default:
			return v
		}
	}
	return v
}

// numericInto matches kin-openapi's words for a Go number type the value had to fit.
var numericInto = regexp.MustCompile(`into \*?(u?int\d*|float\d+)\b`)

// repairKeyword repairs the value at ptr of the file (as kin-openapi reads it) that kin-openapi
// could not unmarshal, why saying into what: a number written as a string becomes the number,
// anything else is dropped from its object or list. It reports false when there is nothing to
// repair there (the pointer names the whole file, or nothing). Callers hold s.fixMu.
func (f *File) repairKeyword(ptr, why string) bool {
	if ptr == "" || ptr == "/" {
		return false
	}
	f.loadMu.Lock()
	defer f.loadMu.Unlock()
	views := []any{f.Value}
	if f.kin != nil {
		views = append(views, f.kin)
	}
	what := ""
	for _, v := range views {
		if w, ok := repairValue(v, ptr, why); ok {
			what = w
		}
	}
	if what == "" {
		return false
	}
	f.modified, f.loaded = true, nil
	key := jsonptr.Unescape(ptr[strings.LastIndex(ptr, "/")+1:])
	f.Findings = append(f.Findings, Finding{Rule: RuleKeywordType, Level: LevelOf(RuleKeywordType), File: f.Name, Pointer: ptr, Line: f.Line(ptr),
		Message: fmt.Sprintf("%q has a value of the wrong type (kin-openapi: %s); %s", key, why, what)})
	sortFindings(f.Findings)
	return true
}

// repairValue repairs the value at ptr of v that kin-openapi could not unmarshal into what why
// names: a number written as a string becomes the number, anything else is dropped. It says
// what it did, or false when v has nothing at ptr.
func repairValue(v any, ptr, why string) (string, bool) {
	old, ok := jsonptr.Lookup(v, ptr)
	if !ok {
		return "", false
	}
	if str, isStr := old.(string); isStr && numericInto.MatchString(why) {
		if n, err := strconv.ParseFloat(strings.TrimSpace(str), 64); err == nil {
			var num any = n
			if i, err := strconv.Atoi(strings.TrimSpace(str)); err == nil {
				num = i
			}
			setAt(v, ptr, num)
			return fmt.Sprintf("the string %q is read as the number %v", str, num), true
		}
	}
	if !removeAt(v, ptr) {
		return "", false
	}
	return fmt.Sprintf("its value (%s) is dropped, so it is not checked", shortValue(old)), true
}

// removeAt deletes the member or element at ptr of v, reporting whether there was one.
func removeAt(v any, ptr string) bool {
	i := strings.LastIndex(ptr, "/")
	parent, ok := jsonptr.Lookup(v, ptr[:i])
	if !ok {
		return false
	}
	tok := jsonptr.Unescape(ptr[i+1:])
	switch p := parent.(type) {
	case map[string]any:
		if _, ok := p[tok]; !ok {
			return false
		}
		delete(p, tok)
		return true
	case []any:
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || n >= len(p) {
			return false
		}
		setAt(v, ptr[:i], append(append([]any{}, p[:n]...), p[n+1:]...))
		return true
	}
	return false
}

// shortValue shows a value in a finding's message, cut short.
func shortValue(v any) string {
	s := fmt.Sprintf("%v", v)
	if b, err := json.Marshal(v); err == nil {
		s = string(b)
	}
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// Keywords of a Schema object by the type of value kin-openapi reads them into.
var (
	numberKeywords = map[string]bool{"minimum": true, "maximum": true, "multipleOf": true, "minLength": true, "maxLength": true,
		"minItems": true, "maxItems": true, "minProperties": true, "maxProperties": true}
	listKeywords   = map[string]bool{"enum": true, "required": true, "allOf": true, "anyOf": true, "oneOf": true}
	schemaKeywords = map[string]bool{"items": true, "not": true, "additionalProperties": true}
	boolKeywords   = map[string]bool{"nullable": true, "readOnly": true, "writeOnly": true, "deprecated": true, "uniqueItems": true}
	stringKeywords = map[string]bool{"pattern": true, "format": true, "title": true, "description": true}
)

// repairSchemaTypes checks the schema at ptr of the file, and the schemas in it, keyword by
// keyword, repairing (repairKeyword) each value of a type kin-openapi cannot read; it returns
// how many it repaired.
func (f *File) repairSchemaTypes(ptr string) int {
	v, ok := jsonptr.Lookup(f.Value, ptr)
	if !ok {
		return 0
	}
	n := 0
	for _, b := range schemaTypeErrors(v, ptr, false) {
		if f.repairKeyword(b.ptr, b.why) {
			n++
		}
	}
	return n
}

// badType is a keyword at ptr whose value kin-openapi cannot unmarshal, why in its words.
type badType struct{ ptr, why string }

// schemaTypeErrors lists the keywords of the schema v at ptr, and of the schemas in it, whose
// values have a type kin-openapi cannot read. param says v is a Swagger 2.0 parameter or header,
// whose required is a boolean.
func schemaTypeErrors(v any, ptr string, param bool) []badType {
	type bad = badType
	var found []bad
	var walk func(v any, ptr string, depth int)
	walk = func(v any, ptr string, depth int) {
		m, ok := v.(map[string]any)
		if !ok || depth > 64 {
			return
		}
		if _, isRef := m["$ref"].(string); isRef {
			return
		}
		for k, x := range m {
			at := jsonptr.Join(ptr, k)
			switch {
			case numberKeywords[k]:
				if _, isNum := x.(int); !isNum {
					if _, isFloat := x.(float64); !isFloat {
						found = append(found, bad{at, fmt.Sprintf("cannot construct %T into float64", x)})
					}
				}
			case k == "required" && param && depth == 0:
			case listKeywords[k]:
				if l, isList := x.([]any); !isList {
					found = append(found, bad{at, fmt.Sprintf("cannot construct %T into []interface {}", x)})
				} else if k != "enum" && k != "required" {
					for i, e := range l {
						walk(e, jsonptr.Join(at, strconv.Itoa(i)), depth+1)
					}
				}
			case boolKeywords[k]:
				if _, isBool := x.(bool); !isBool {
					found = append(found, bad{at, fmt.Sprintf("cannot construct %T into bool", x)})
				}
			case stringKeywords[k]:
				if _, isStr := x.(string); !isStr {
					found = append(found, bad{at, fmt.Sprintf("cannot construct %T into string", x)})
				}
			case schemaKeywords[k]:
				if _, isBool := x.(bool); isBool && k == "additionalProperties" {
					continue
				}
				if _, isMap := x.(map[string]any); !isMap {
					found = append(found, bad{at, fmt.Sprintf("cannot construct %T into a schema", x)})
					continue
				}
				walk(x, at, depth+1)
			case k == "properties":
				if props, isMap := x.(map[string]any); isMap {
					for name, p := range props {
						walk(p, jsonptr.Join(at, name), depth+1)
					}
				}
			}
		}
	}
	walk(v, ptr, 0)
	return found
}
