package specs

import (
	"fmt"
	"regexp"
	"strings"
)

// A $ref's fragment is a JSON pointer ("#/definitions/x") or, in OpenAPI 3.1, the name of a
// JSON Schema anchor ("#x"). go-openapi's fixture-859-2.yaml has "#definitions/x": neither, and
// no anchor of any document can be so named. Taken for an anchor it reached kin-openapi's
// openapi2conv, which refuses the whole document ("expected fragment prefix '#/'"). Redocly
// reports it as a $ref that does not resolve (it reads it as a file name); so does specgate.

// anchorName is the syntax of a JSON Schema 2020-12 $anchor (and of a plain-name fragment).
var anchorName = regexp.MustCompile(`^[A-Za-z_][-A-Za-z0-9._]*$`)

// badFragment says why ref's fragment names nothing (it is no JSON pointer, and no anchor name
// or no anchor the file can have), or returns "".
func (w *fixer) badFragment(ref string) string {
	_, frag, ok := strings.Cut(ref, "#")
	if !ok || frag == "" || strings.HasPrefix(frag, "/") {
		return ""
	}
	hint := ""
	if strings.Contains(frag, "/") {
		hint = fmt.Sprintf(" (a JSON pointer starts with a slash: #/%s)", frag)
	}
	switch {
	case !anchorName.MatchString(frag):
		return fmt.Sprintf("the fragment #%s is no JSON pointer and no anchor name%s", frag, hint)
	case w.noAnchors:
		return fmt.Sprintf("the fragment #%s is no JSON pointer, and Swagger 2.0 and OpenAPI 3.0 have no anchors", frag)
	}
	return ""
}

// withoutAnchors reports whether v is the root of a Swagger 2.0 or OpenAPI 3.0 document.
func withoutAnchors(v any) bool {
	root, ok := v.(map[string]any)
	if !ok {
		return false
	}
	if _, ok := root["swagger"]; ok {
		return true
	}
	version, _ := root["openapi"].(string)
	return strings.HasPrefix(version, "3.0")
}
