package specs

import (
	"fmt"
	"sort"
	"strings"
)

// RefError is a $ref that does not resolve, located where it is written.
type RefError struct {
	Path    string // the referring file's path in its Sources
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

// BrokenRefs reads every file the document rooted at root reaches through $refs and returns
// each $ref that does not resolve, with the referring file and line, sorted. Reading every
// reachable file also repairs it (see Findings): an unresolved $ref is replaced, so the
// document still loads, and reported both here and as a RuleRefUnresolved finding. The error
// is for a root that cannot be read.
func BrokenRefs(src *Sources, root string) ([]RefError, error) {
	_, bad, err := Reach(src, root)
	return bad, err
}

// Reach reads every file the document rooted at root reaches through $refs, runs the lenient
// pass over each (see fix.go) and returns them, root first, with each $ref that does not
// resolve (as BrokenRefs).
func Reach(src *Sources, root string) ([]*File, []RefError, error) {
	src.prefetch(root)
	src.fixMu.Lock()
	defer src.fixMu.Unlock()
	var bad []RefError
	var files []*File
	seen := map[string]bool{root: true}
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		f, err := src.File(p)
		if err != nil {
			if p == root {
				return nil, nil, err
			}
			continue // reported where the reference to it was found
		}
		src.fix(f)
		files = append(files, f)
		bad = append(bad, f.refErrs...)
		for _, ref := range f.kept {
			to, ok := RefTarget(p, ref)
			if target := to.File; ok && !seen[target] {
				seen[target] = true
				queue = append(queue, target)
			}
		}
	}
	src.kinViews(files)
	sort.SliceStable(bad, func(i, j int) bool {
		if bad[i].File != bad[j].File {
			return bad[i].File < bad[j].File
		}
		return bad[i].Line < bad[j].Line
	})
	return files, bad, nil
}
