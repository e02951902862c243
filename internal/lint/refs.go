package lint

import (
	"fmt"

	"github.com/specgate/specgate/specs"
)

// refs reports every $ref of the document, and of the files it reaches, that does not resolve.
func (l *linter) refs() {
	bad, err := specs.BrokenRefs(l.src, l.root)
	if err != nil {
		return // the root was reported when it could not be read
	}
	for _, r := range bad {
		l.add(l.finding(RuleRefUnresolved, r.Path, r.Pointer, fmt.Sprintf("$ref %q does not resolve: %s", r.Ref, r.Reason)))
	}
}
