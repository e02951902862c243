package lint

// This file validates whole documents against the official OpenAPI JSON Schemas (embedded from
// schemas/), through the schema engine's Documents. The schemas inside a spec are checked
// through validator.Checker, which owns the conversion from OpenAPI 3.0's dialect to JSON
// Schema 2020-12.

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/specgate/specgate/internal/jsonptr"
	"github.com/specgate/specgate/internal/schema"
)

// The official OpenAPI document schemas: 3.0 (id https://spec.openapis.org/oas/3.0/schema/2024-10-18,
// the revision that followed 2021-09-28) and 3.1 (https://spec.openapis.org/oas/3.1/schema/2025-11-23,
// the revision that followed 2022-10-07). schemas/README.md tells where they come from.
var (
	//go:embed schemas/openapi-3.0.json
	oas30 []byte
	//go:embed schemas/openapi-3.1.json
	oas31 []byte
)

type metaSchemas struct {
	v30, v31 *schema.Document
	err      error
}

var (
	metaOnce sync.Once
	meta     metaSchemas
)

// compileMeta compiles the embedded document schemas once; they are immutable afterwards and
// safe for concurrent use.
func compileMeta() (metaSchemas, error) {
	metaOnce.Do(func() {
		// A pattern is ECMA-262 (Lob's (?!https://)) in the engine's Documents, where Go's
		// regexp would call every lookahead an invalid pattern.
		c := schema.NewDocuments()
		for _, s := range []struct {
			url  string
			data []byte
		}{{"https://specgate.invalid/oas-3.0.json", oas30}, {"https://specgate.invalid/oas-3.1.json", oas31}} {
			if err := c.Add(s.url, s.data); err != nil {
				meta.err = fmt.Errorf("embedded OpenAPI schema: %w", err)
				return
			}
		}
		if meta.v30, meta.err = c.Compile("https://specgate.invalid/oas-3.0.json"); meta.err != nil {
			return
		}
		meta.v31, meta.err = c.Compile("https://specgate.invalid/oas-3.1.json")
	})
	return meta, meta.err
}

// metaProblem is one way a document departs from the OpenAPI document schema.
type metaProblem struct {
	pointer string
	message string
}

var quoted = regexp.MustCompile(`'([^']*)'`)

// checkDocument validates a decoded document against the OpenAPI document schema of its version.
func checkDocument(doc any, v31 bool) ([]metaProblem, error) {
	ms, err := compileMeta()
	if err != nil {
		return nil, err
	}
	sch, version := ms.v30, "3.0"
	if v31 {
		sch, version = ms.v31, "3.1"
	}
	ve, err := sch.Validate(doc)
	if ve == nil || err != nil {
		return nil, err
	}
	var out []metaProblem
	seen := map[string]bool{}
	for _, leaf := range bestLeaves(ve) {
		kw := lastToken(leaf.KeywordLocation)
		def := definition(leaf.AbsoluteKeywordLocation)
		inst := jsonptr.Unfragment(leaf.InstanceLocation)
		ptrs := []string{inst}
		if kw == "additionalProperties" || kw == "unevaluatedProperties" {
			ptrs = ptrs[:0]
			for _, m := range quoted.FindAllStringSubmatch(leaf.Message, -1) {
				ptrs = append(ptrs, jsonptr.Join(inst, m[1]))
			}
			if len(ptrs) == 0 {
				ptrs = []string{inst}
			}
		}
		for _, p := range ptrs {
			text := fmt.Sprintf("%s %s (OpenAPI %s document schema, %s)", showPointer(p), leaf.Message, version, def)
			if kw == "additionalProperties" || kw == "unevaluatedProperties" {
				text = fmt.Sprintf("%q is not a field the OpenAPI %s document schema allows in a %s object", lastToken(p), version, def)
			}
			if seen[p+"\x00"+text] {
				continue
			}
			seen[p+"\x00"+text] = true
			out = append(out, metaProblem{pointer: p, message: text})
		}
	}
	return out, nil
}

// bestLeaves flattens a validation error tree into its leaves, keeping at each failed oneOf or
// anyOf only the branch that got furthest into the instance: a schema object that breaks the
// Schema definition also fails the Reference branch ("missing $ref"), which says nothing useful.
func bestLeaves(ve *schema.ValidationError) []*schema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*schema.ValidationError{ve}
	}
	kw := lastToken(ve.KeywordLocation)
	if kw == "oneOf" || kw == "anyOf" {
		var best []*schema.ValidationError
		bestScore := [3]int{-1, -1, -1}
		for _, c := range ve.Causes {
			leaves := bestLeaves(c)
			score := branchScore(leaves)
			if score[0] > bestScore[0] || score[0] == bestScore[0] && (score[1] > bestScore[1] || score[1] == bestScore[1] && score[2] > bestScore[2]) {
				best, bestScore = leaves, score
			}
		}
		return best
	}
	var out []*schema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, bestLeaves(c)...)
	}
	return out
}

// branchScore ranks a failed branch: deepest failure first, then failures that are not a
// missing property (the mark of a branch meant for another kind of object), then fewest failures.
func branchScore(leaves []*schema.ValidationError) [3]int {
	deepest, notRequired := 0, 0
	for _, l := range leaves {
		if d := strings.Count(l.InstanceLocation, "/"); d > deepest {
			deepest = d
		}
		if lastToken(l.KeywordLocation) != "required" {
			notRequired = 1
		}
	}
	return [3]int{deepest, notRequired, -len(leaves)}
}

// definition names the part of the document schema a keyword location belongs to, such as
// "Schema.required" or "MediaType".
func definition(abs string) string {
	_, frag, _ := strings.Cut(abs, "#")
	toks := strings.Split(strings.TrimPrefix(jsonptr.Unfragment(frag), "/"), "/")
	name := ""
	for i := 0; i < len(toks); i++ {
		if (toks[i] == "definitions" || toks[i] == "$defs") && i+1 < len(toks) {
			name = jsonptr.Unescape(toks[i+1])
			i++
			if i+2 < len(toks) && toks[i+1] == "properties" {
				name += "." + jsonptr.Unescape(toks[i+2])
			}
		}
	}
	if name == "" {
		return "document root"
	}
	return name
}

func lastToken(loc string) string {
	i := strings.LastIndexByte(loc, '/')
	if i < 0 {
		return loc
	}
	return jsonptr.Unescape(loc[i+1:])
}

// showPointer names the value at a pointer in a message: its last token, or "the document".
func showPointer(p string) string {
	if p == "" {
		return "the document:"
	}
	return fmt.Sprintf("%q:", lastToken(p))
}
