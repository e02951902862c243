package specs

import "strings"

// withoutPathExtensions2 deletes the extensions (x-*) of a bundled Swagger 2.0 document's
// paths. Swagger 2.0 allows them there and they mean nothing to validation; kin-openapi's
// openapi2 reads paths as a plain map of path items, and refuses the document for an
// extension that is a string ("cannot unmarshal string into value of type openapi2.PathItem"),
// or takes one that is an object for a path. It reports whether it deleted any.
func withoutPathExtensions2(v any) bool {
	root, _ := v.(map[string]any)
	paths, _ := root["paths"].(map[string]any)
	deleted := false
	for p := range paths {
		if strings.HasPrefix(p, "x-") {
			delete(paths, p)
			deleted = true
		}
	}
	return deleted
}

// v3RefsBelowAdditionalProperties rewrites, in a bundled Swagger 2.0 document v, each $ref to
// its definitions below a schema's additionalProperties to the components/schemas it converts
// to. kin-openapi's openapi2 reads additionalProperties as an OpenAPI 3 schema, and
// openapi2conv converts the $refs in it only along additionalProperties, allOf and one level of
// items: one deeper (additionalProperties: {items: {additionalProperties: {$ref}}}, or in
// properties) is left "#/definitions/...", and the conversion refuses the whole document
// ("failed to resolve "definitions" in fragment in URI": go-swagger's fixture-2385.yaml). The
// rewrite is what the conversion means, and loses nothing: no finding. It reports whether it
// rewrote any.
func v3RefsBelowAdditionalProperties(v any) bool {
	rewrote := false
	var walk func(v any, key string, below bool)
	walk = func(v any, key string, below bool) {
		switch t := v.(type) {
		case map[string]any:
			if ref, ok := t["$ref"].(string); ok && below && strings.HasPrefix(ref, "#/definitions/") {
				t["$ref"] = "#/components/schemas/" + strings.TrimPrefix(ref, "#/definitions/")
				rewrote = true
			}
			for k, e := range t {
				if dataKey(k, []string{key}) {
					continue
				}
				walk(e, k, below || k == "additionalProperties" && !nameMap(key))
			}
		case []any:
			for _, e := range t {
				walk(e, "", below)
			}
		}
	}
	walk(v, "", false)
	return rewrote
}
