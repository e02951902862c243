package specs

import "strings"

// withoutPathExtensions2 deletes the extensions (x-*) of a bundled Swagger 2.0 document's
// paths. Swagger 2.0 allows them there and they mean nothing to validation; kin-openapi's
// openapi2 reads paths as a plain map of path items, and refuses the document for an
// extension that is a string ("cannot unmarshal string into value of type openapi2.PathItem"),
// or takes one that is an object for a path.
func withoutPathExtensions2(v any) {
	root, _ := v.(map[string]any)
	paths, _ := root["paths"].(map[string]any)
	for p := range paths {
		if strings.HasPrefix(p, "x-") {
			delete(paths, p)
		}
	}
}
