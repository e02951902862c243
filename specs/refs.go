package specs

import (
	"fmt"
	"github.com/specgate/specgate/internal/jsonptr"
	"sort"
	"strconv"
	"strings"
)

// RefError is a $ref that does not resolve, located where it is written.
type RefError struct {
	File    string // display name of the referring file
	Line    int
	Pointer string // where the $ref is, in the referring file
	Ref     string
	Reason  string
}

func (e RefError) String() string {
	return fmt.Sprintf("%s:%d: $ref %q does not resolve: %s", e.File, e.Line, e.Ref, e.Reason)
}

// RefsError lists every $ref of a document that does not resolve.
type RefsError struct {
	Refs []RefError
}

func (e *RefsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d $ref(s) do not resolve:", len(e.Refs))
	for _, r := range e.Refs {
		b.WriteString("\n  ")
		b.WriteString(r.String())
	}
	return b.String()
}

// checkRefs reads every file the document rooted at root reaches through $refs, and returns a
// *RefsError naming each $ref that does not resolve, with the referring file and line. It also
// makes sure every reachable file was read (and so repaired) before kin-openapi loads the
// document.
func checkRefs(src *Sources, root string) error {
	var bad []RefError
	seen := map[string]bool{root: true}
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		f, err := src.File(p)
		if err != nil {
			return err
		}
		walkRefs(f.Value, "", func(ptr, ref string) {
			target, frag, ok := jsonptr.SplitRef(p, ref)
			if !ok {
				bad = append(bad, RefError{File: f.Name, Line: f.Line(ptr), Pointer: ptr, Ref: ref, Reason: "only relative file references are followed"})
				return
			}
			tf, err := src.File(target)
			if err != nil {
				bad = append(bad, RefError{File: f.Name, Line: f.Line(ptr), Pointer: ptr, Ref: ref, Reason: err.Error()})
				return
			}
			if !seen[target] {
				seen[target] = true
				queue = append(queue, target)
			}
			if frag != "" && frag != "/" {
				if _, ok := jsonptr.Lookup(tf.Value, frag); !ok {
					bad = append(bad, RefError{File: f.Name, Line: f.Line(ptr), Pointer: ptr, Ref: ref, Reason: fmt.Sprintf("%s has nothing at #%s", tf.Name, frag)})
				}
			}
		})
	}
	if len(bad) > 0 {
		sort.SliceStable(bad, func(i, j int) bool {
			if bad[i].File != bad[j].File {
				return bad[i].File < bad[j].File
			}
			return bad[i].Line < bad[j].Line
		})
		return &RefsError{Refs: bad}
	}
	return nil
}

// walkRefs calls fn for every $ref string in v, skipping example values and extensions, which
// hold data rather than spec objects.
func walkRefs(v any, ptr string, fn func(ptr, ref string)) {
	switch t := v.(type) {
	case map[string]any:
		if ref, ok := t["$ref"].(string); ok {
			fn(ptr+"/$ref", ref)
		}
		for k, e := range t {
			if k == "$ref" || k == "example" || strings.HasPrefix(k, "x-") {
				continue
			}
			if k == "value" && isExampleObject(t) {
				continue // an Example object's value is data
			}
			walkRefs(e, ptr+"/"+jsonptr.Escape(k), fn)
		}
	case []any:
		for i, e := range t {
			walkRefs(e, ptr+"/"+strconv.Itoa(i), fn)
		}
	}
}

// isExampleObject reports whether m looks like an OpenAPI Example object: a value with at most
// summary and description beside it.
func isExampleObject(m map[string]any) bool {
	for k := range m {
		switch k {
		case "value", "summary", "description", "externalValue":
		default:
			if !strings.HasPrefix(k, "x-") {
				return false
			}
		}
	}
	return true
}
