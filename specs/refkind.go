package specs

import (
	"errors"
	"fmt"
	"strings"

	"github.com/specgate/specgate/internal/jsonptr"
)

// $refs that name something of another kind than their place holds. kin-openapi reads a $ref
// by the place it is written in, and refuses the whole document when the component it names
// is of another kind ("bad data in "#/components/schemas/Error" (expecting ref to response
// object)"); in Swagger 2.0 its conversion follows only #/definitions/X, #/parameters/X and
// #/responses/X, and refuses any other pointer into the document, legal as it is
// (grpc-gateway's "#/x-stream-definitions/X", "#/responses/NotFound/schema").

// sections maps the sections of components (OpenAPI 3.x, under /components) and of a Swagger
// 2.0 document (at its top) to what one entry is.
var sections = map[string]string{
	"schemas": "schema", "responses": "response", "parameters": "parameter", "requestBodies": "request body",
	"headers": "header", "examples": "example", "links": "link", "callbacks": "callback", "pathItems": "path item",
	"securitySchemes": "security scheme", "definitions": "schema",
}

// refPlace names what the place of a $ref (keys, nearest last) holds, among the kinds kin-openapi
// reads by place, or "" for any other place (or one it cannot tell).
func refPlace(keys []string) string {
	k0, k1, k2 := parentKey(keys, 0), parentKey(keys, 1), parentKey(keys, 2)
	switch {
	case k1 == "responses" && !nameMap(k2) && (k2 == "" || k2 == "components" || httpMethods[k2]):
		return "response"
	case k1 == "parameters" && (isIndex(k0) && !nameMap(k2) || k2 == "" || k2 == "components"):
		return "parameter"
	case k0 == "requestBody" || k1 == "requestBodies" && (k2 == "" || k2 == "components"):
		return "request body"
	case k0 == "schema" && !nameMap(k1):
		return "schema"
	case k2 == "callbacks" && !nameMap(parentKey(keys, 3)):
		return "path item" // an expression of a callback
	}
	return ""
}

// refKind checks a local-section $ref (frag, a pointer into the file tf) against its place:
// wrong is why it cannot stand there (it names a component of another kind); inline says it is
// a Swagger 2.0 pointer kin-openapi's conversion cannot follow, whose target is to be read in
// its place.
func refKind(tf *File, frag string, keys []string) (wrong string, inline bool) {
	toks := strings.Split(strings.TrimPrefix(frag, "/"), "/")
	root, _ := tf.Value.(map[string]any)
	_, v2 := root["swagger"]
	var section string
	switch {
	case v2 && len(toks) == 2 && (toks[0] == "definitions" || toks[0] == "parameters" || toks[0] == "responses"):
		section = toks[0]
	case v2:
		// Any other pointer into a 2.0 document, where the conversion follows $refs: it cannot
		// follow this one.
		return "", frag != "" && refPlace(keys) != ""
	case len(toks) == 3 && toks[0] == "components":
		section = jsonptr.Unescape(toks[1])
	default:
		return "", false
	}
	what, place := sections[section], refPlace(keys)
	if what == "" || place == "" || what == place {
		return "", false
	}
	return fmt.Sprintf("it names a %s, where a %s belongs", what, place), false
}

// inlineRef replaces the reference at ptr by a copy of what it points to (v, in the file tf),
// and walks the copy.
func (w *fixer) inlineRef(v any, tf *File, ptr string, keys []string, set func(any), depth int) bool {
	if depth >= maxInline {
		w.unresolved(jsonptr.Fragment(ptr), ptr, keys, set, "inlined $refs nest too deep (a cycle?)")
		return true
	}
	inl := rebase(v, tf.Path, w.f.Path)
	set(inl)
	w.f.modified = true
	w.walk(inl, keys, set, depth+1, false)
	return true
}

// refCycle reports whether v, the value at target, is a $ref whose chain leads back into
// itself and so names nothing (ogen's cyclic/pathItem.json: a path item that is a $ref to
// itself); the validator, which follows such chains, would not build.
func (w *fixer) refCycle(target Place, v any) bool {
	if m, ok := v.(map[string]any); !ok || m["$ref"] == nil {
		return false
	}
	_, _, err := w.s.Resolve(target)
	return errors.Is(err, ErrRefCycle)
}
