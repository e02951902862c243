package lint

import (
	"fmt"
	"github.com/specgate/specgate/internal/report"

	"github.com/specgate/specgate/specs"
)

// refs reports every $ref of the document, and of the files it reaches, that does not resolve,
// and the defects package specs repaired in those other files (the root's are reported with its
// schema findings).
func (l *linter) refs() (broken int) {
	files, bad, err := specs.Reach(l.src, l.root)
	if err != nil {
		return 0 // the root was reported when it could not be read
	}
	for _, r := range bad {
		if !l.once("ref " + r.Path + "#" + r.Pointer) {
			continue
		}
		l.add(l.finding(RuleRefUnresolved, r.Path, r.Pointer, fmt.Sprintf("$ref %q does not resolve: %s", r.Ref, r.Reason)))
	}
	for _, f := range files[1:] {
		if !l.once("repairs " + f.Path) {
			continue
		}
		for _, r := range f.Findings {
			l.add(report.Finding{Rule: r.Rule, Level: levelOf(r.Rule), File: r.File, Pointer: r.Pointer, Line: r.Line, Message: r.Message})
		}
	}
	return len(bad)
}
