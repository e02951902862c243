package specs

import (
	"fmt"
	"path"
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
	w := &fixer{s: s, f: f}
	w.walk(f.Value, "", nil, func(v any) { f.Value = v }, 0, false)
	sort.SliceStable(f.refErrs, func(i, j int) bool { return f.refErrs[i].Line < f.refErrs[j].Line })
	sortFindings(f.Findings)
}

type fixer struct {
	s *Sources
	f *File
}

// walk visits v at ptr; keys are the keys above it, nearest last; set replaces v in its parent.
// scoped says v is inside a JSON Schema resource with its own $id, whose $refs resolve against
// that $id rather than the file (OpenAPI 3.1): they are the validator's to follow, never
// repaired here.
func (w *fixer) walk(v any, ptr string, keys []string, set func(any), depth int, scoped bool) {
	switch t := v.(type) {
	case map[string]any:
		if _, ok := t["$id"].(string); ok && !nameMap(parentKey(keys, 0)) {
			scoped = true
		}
		if ref, ok := t["$ref"].(string); ok {
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
			k := k
			w.walk(t[k], jsonptr.Join(ptr, k), append(keys[:len(keys):len(keys)], k), func(n any) { t[k] = n }, depth, scoped)
		}
	case []any:
		drop := map[int]bool{}
		for i := range t {
			i := i
			w.walk(t[i], jsonptr.Join(ptr, strconv.Itoa(i)), append(keys[:len(keys):len(keys)], strconv.Itoa(i)), func(n any) {
				if n == nil {
					drop[i] = true
					return
				}
				t[i] = n
			}, depth, scoped)
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
		w.walk(inl, ptr, keys, set, depth+1, false)
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
