package specs

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/specgate/specgate/internal/jsonptr"
)

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

// sharedFormsBesideBody drops, from each path item of a bundled Swagger 2.0 document, the
// formData parameters it shares with its operations when it shares a body parameter too:
// openapi2conv refuses the whole document for a body beside formData ("body and form
// parameters cannot exist together for the same operation"), and extraBodies prunes only an
// operation's own parameters. Each is a spec.converted.dropped finding on f.
func sharedFormsBesideBody(f *File, v any) []Finding {
	var out []Finding
	root, _ := v.(map[string]any)
	paths, _ := root["paths"].(map[string]any)
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		item, _ := paths[p].(map[string]any)
		shared, _ := item["parameters"].([]any)
		if countIn(root, shared, "body") == 0 || countIn(root, shared, "formData") == 0 {
			continue
		}
		kept := make([]any, 0, len(shared))
		for i, pv := range shared {
			prm := localParameter(root, pv)
			if prm["in"] != "formData" {
				kept = append(kept, pv)
				continue
			}
			name, _ := prm["name"].(string)
			ptr := jsonptr.Join("", "paths", p, "parameters", fmt.Sprint(i))
			out = append(out, Finding{Rule: RuleConversionDropped, Level: LevelOf(RuleConversionDropped), File: f.Name, Pointer: ptr, Line: f.Line(ptr),
				Message: fmt.Sprintf("formData parameter %q stands beside a body parameter the operations of %s share; the body is read and this one is not checked", name, p)})
		}
		item["parameters"] = kept
	}
	return out
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
