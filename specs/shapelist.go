package specs

import (
	"fmt"

	"github.com/specgate/specgate/internal/jsonptr"
)

// The lenient pass over fields that hold a list of strings. kin-openapi reads an operation's
// tags (and Swagger 2.0's consumes, produces and schemes) into []string and refuses the whole
// document for one written otherwise ("cannot unmarshal string into field Operation.tags of
// type []string": gnostic's petstore-badproperties.yaml has `tags: pets`). Redocly reads the
// document and reports the field.

// operationStringLists are the fields of an operation that are lists of strings, by version.
var (
	operationStringLists  = []string{"tags"}
	swagger2StringLists   = []string{"consumes", "produces", "schemes"}
	swagger2OperationKeys = append(append([]string(nil), operationStringLists...), swagger2StringLists...)
)

// stringLists repairs each field of m named in keys whose value is no list of strings: a string
// is read as the list of that one string, a list keeps its strings, anything else is dropped.
// Each is a spec.keyword.type finding.
func (w *fixer) stringLists(m map[string]any, ptr string, keys []string) {
	for _, k := range keys {
		v, ok := m[k]
		if !ok {
			continue
		}
		at := jsonptr.Join(ptr, k)
		switch t := v.(type) {
		case string:
			m[k] = []any{t}
			w.keywordType(at, k, v, fmt.Sprintf("it is read as the list [%s]", shortValue(t)))
		case []any:
			kept := make([]any, 0, len(t))
			for _, e := range t {
				if _, isStr := e.(string); isStr {
					kept = append(kept, e)
				}
			}
			if len(kept) == len(t) {
				continue
			}
			m[k] = kept
			w.keywordType(at, k, v, fmt.Sprintf("its %d entries that are no strings are dropped", len(t)-len(kept)))
		default:
			delete(m, k)
			w.keywordType(at, k, v, "it is dropped")
		}
	}
}

// keywordType reports the field k at ptr, whose value v is no list of strings, and what was done.
func (w *fixer) keywordType(ptr, k string, v any, done string) {
	w.f.modified = true
	w.f.add(RuleKeywordType, ptr, fmt.Sprintf("%q is %s, not a list of strings; %s", k, describeValue(v), done))
}
