package lint

import (
	"fmt"
	"github.com/specgate/specgate/internal/jsonptr"
	"strings"
)

// refs reports every $ref of the document, and of the files it reaches, that does not resolve.
func (l *linter) refs() {
	visited := map[string]bool{}
	queue := []string{l.root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if visited[p] {
			continue
		}
		visited[p] = true
		f, err := l.src.File(p)
		if err != nil {
			continue // reported where the reference to it was found
		}
		l.walkRefs(p, f.Value, "", func(target string) { queue = append(queue, target) })
	}
}

// walkRefs checks the $refs under v, found at ptr of file p. next queues a file to check.
func (l *linter) walkRefs(p string, v any, ptr string, next func(string)) {
	switch t := v.(type) {
	case map[string]any:
		if ref, ok := t["$ref"].(string); ok {
			if target, ok := l.checkRef(p, ref, jsonptr.Join(ptr, "$ref")); ok && target != p {
				next(target)
			}
		}
		for _, k := range sortedKeys(t) {
			switch {
			case k == "$ref" || strings.HasPrefix(k, "x-") || k == "example" || k == "default" || k == "enum" || k == "const":
			case k == "examples":
				// A map of Example objects (or references to them), whose values are data; in a
				// 3.1 schema, a list of values.
				examples, _ := t[k].(map[string]any)
				for _, name := range sortedKeys(examples) {
					ex, _ := examples[name].(map[string]any)
					if ref, ok := ex["$ref"].(string); ok {
						if target, ok := l.checkRef(p, ref, jsonptr.Join(ptr, k, name, "$ref")); ok && target != p {
							next(target)
						}
					}
				}
			default:
				l.walkRefs(p, t[k], jsonptr.Join(ptr, k), next)
			}
		}
	case []any:
		for i, e := range t {
			l.walkRefs(p, e, jsonptr.Join(ptr, fmt.Sprint(i)), next)
		}
	}
}

// checkRef reports ref (at ptr of file p) when it does not resolve, and returns its target file.
func (l *linter) checkRef(p, ref, ptr string) (string, bool) {
	target, tptr, ok := jsonptr.SplitRef(p, ref)
	if !ok {
		l.add(l.finding(RuleRefUnresolved, p, ptr, fmt.Sprintf("$ref %q is an absolute URL; specgate follows only references to files beside the spec, and never fetches", ref)))
		return "", false
	}
	f, err := l.src.File(target)
	if err != nil {
		l.add(l.finding(RuleRefUnresolved, p, ptr, fmt.Sprintf("$ref %q does not resolve: %v", ref, err)))
		return "", false
	}
	if _, ok := jsonptr.Lookup(f.Value, tptr); !ok {
		l.add(l.finding(RuleRefUnresolved, p, ptr, fmt.Sprintf("$ref %q does not resolve: %s has nothing at #%s", ref, f.Name, tptr)))
		return target, true
	}
	return target, true
}
