//go:build !race

// TestCorpusLintPublishedSpecs lints some 40 MB of published specs; under the race detector
// that takes minutes and more than a gigabyte, so `make unit` runs it in a pass of its own
// without it (lint is sequential; its cancellation is raced by TestLintStopsWhenCancelled).

package lint

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// Every published document of the development set lints without a panic and without an error
// other than the one reading its root file gives (a file the YAML parser refuses). The
// documents of one folder are linted together, as a user lints a tree, so that the schema
// files they share (OpenSearch's namespaces share its schemas) are checked once. The time each takes is bounded by the witness-search
// budget, not by a timer here: before the budget two OpenSearch namespaces took 224 s and more
// than 300 s, and ignored SIGTERM.
func TestCorpusLintPublishedSpecs(t *testing.T) {
	var projects [][]string
	byDir := map[string]int{}
	for _, r := range corpusRoots(t) {
		d := filepath.Dir(r)
		i, ok := byDir[d]
		if !ok {
			i = len(projects)
			byDir[d] = i
			projects = append(projects, nil)
		}
		projects[i] = append(projects[i], r)
	}
	// SailPoint's three versions are three trees of their own in one folder: linted apart, so
	// that the test holds one of them in memory at a time.
	for i := 0; i < len(projects); i++ {
		if g := projects[i]; len(g) > 1 && len(g) <= 3 {
			projects[i] = g[:1]
			for _, r := range g[1:] {
				projects = append(projects, []string{r})
			}
		}
	}
	results := map[string]*Result{}
	for _, roots := range projects {
		res, _, err := lintRoots(context.Background(), roots...)
		if err == nil {
			for _, r := range roots {
				results[r] = res
			}
			continue
		}
		// One document failed the whole call: lint each alone to see which, and why.
		for _, r := range roots {
			res, in, err := lintRoots(context.Background(), r)
			if err == nil {
				results[r] = res
				continue
			}
			var ferr error
			if in.Sources != nil {
				_, ferr = in.Sources.File(in.Roots[0])
			}
			if ferr == nil || ferr.Error() != err.Error() {
				t.Errorf("%s: %v", r, err)
			}
		}
	}

	// The largest OpenSearch union, AggregationContainer's oneOf of 65 aggregations that each
	// require their own property and allow any other, is ambiguous in every pair: the first
	// maxAmbiguousPairs are reported, the last saying the search stopped there. A small union
	// of the same tree is ambiguous with a witness.
	core := results["opensearch/spec/namespaces/_core.yaml"]
	if core == nil {
		t.Fatal("OpenSearch _core.yaml did not lint")
	}
	agg := find(core, RuleOneOfAmbiguous, "/components/schemas/AggregationContainer/allOf/1/oneOf")
	if len(agg) != maxAmbiguousPairs || !strings.HasSuffix(agg[0].File, "schemas/_common.aggregations.yaml") {
		t.Errorf("OpenSearch: %d ambiguous findings on AggregationContainer, want %d in _common.aggregations.yaml", len(agg), maxAmbiguousPairs)
	} else if d := agg[len(agg)-1].Details; len(d) != 1 || !strings.Contains(d[0], "2080") {
		t.Errorf("OpenSearch: the last AggregationContainer finding says %q, want that the search stopped", d)
	}
	if u := find(core, RuleOneOfUndecided, ""); len(u) != 0 {
		t.Errorf("OpenSearch: %d oneOfs undecided with the default budget, want none: %v", len(u), u[0].Pointer)
	}
	if amb := find(core, RuleOneOfAmbiguous, "/components/schemas/RandomScoreFunction/properties/seed/oneOf"); len(amb) != 1 || amb[0].Witness == nil {
		t.Errorf("OpenSearch: %d ambiguous findings with a witness on RandomScoreFunction's seed, want 1", len(amb))
	}

	// Redocly's starter keeps its parameters in files of their own (name, in, required,
	// schema): correct OpenAPI, whose schemas compile and whose examples are checked.
	starter := results["redocly-openapi-starter/openapi/openapi.yaml"]
	if starter == nil {
		t.Fatal("redocly-openapi-starter did not lint")
	}
	for _, f := range starter.Findings {
		if f.Rule == validator.RuleSpecSchemaUncompilable && strings.Contains(f.File, "/components/parameters/") {
			t.Errorf("false %s on a Parameter file: %s: %s", f.Rule, f.File, f.Message)
		}
	}

	// Nowhere in the corpus is a Parameter, Header or RequestBody file (SailPoint's
	// parameters/*.yaml too, whose files are indented) compiled as a schema.
	for root, res := range results {
		for _, f := range res.Findings {
			if f.Rule == validator.RuleSpecSchemaUncompilable && (strings.Contains(f.Message, "'/required' does not validate") || strings.Contains(f.Message, "'/examples' does not validate")) {
				t.Errorf("%s: %s:%d: a non-schema root compiled as a schema: %s", root, f.File, f.Line, f.Message)
			}
		}
	}

	// OpenSearch names components like bulk@200: each is one spec.component.name finding, not
	// that and a document-schema finding on the same key's pattern as well.
	misnamed := map[string]bool{}
	for _, f := range core.Findings {
		if f.Rule == specs.RuleComponentName {
			misnamed[f.Pointer] = true
		}
	}
	if len(misnamed) == 0 {
		t.Error("opensearch _core.yaml: no spec.component.name finding")
	}
	for _, f := range core.Findings {
		if f.Rule == RuleDocumentSchema && misnamed[f.Pointer] && strings.Contains(f.Message, "does not match pattern") {
			t.Errorf("%s:%d: the component name reported twice: %s", f.File, f.Line, f.Message)
		}
	}

	// Lob's patterns in ECMA-262 syntax ((?!https://)) panicked in the JSON Schema library. Now each is
	// checked, or reported as unchecked where the schema engine cannot compile it; never a
	// spec.schema.uncompilable, since the pattern is valid.
	lob := results["lob/lob-api-public.yml"]
	if lob == nil {
		t.Fatal("lob did not lint")
	}
	for _, f := range lob.Findings {
		if strings.Contains(f.Message, "(?!") || f.Rule == RuleSchemaUnchecked || f.Rule == validator.RuleSpecPatternUnsupported {
			t.Errorf("%s:%d: a valid ECMA-262 pattern reported as %s: %s", f.File, f.Line, f.Rule, f.Message)
		}
	}
	// Schemas are found by the document's structure, through every $ref: a oneOf in a file of
	// path items (Lob's billing groups, a parameter's schema) is searched as one in the root is.
	if amb := find(lob, RuleOneOfAmbiguous, "/get/parameters/5/schema/allOf/1/oneOf"); len(amb) != 1 || !strings.HasSuffix(amb[0].File, "billing_groups/billing_groups.yml") {
		t.Errorf("lob: %d ambiguous findings on the billing groups' sort oneOf, want 1 in billing_groups.yml", len(amb))
	}
	// Lob's 21 lookahead patterns are checked: an example that breaks one would be a finding.
	// Nowhere does the OpenAPI document-schema check call an ECMA-262 pattern an invalid regex,
	// nor does lint give up on a schema.
	for root, res := range results {
		for _, f := range res.Findings {
			if strings.Contains(f.Message, "is not valid 'regex'") && validator.CheckPattern(patternOf(f.Message)) == nil || f.Rule == RuleSchemaUnchecked {
				t.Errorf("%s: %s:%d: %s: %s", root, f.File, f.Line, f.Rule, f.Message)
			}
			// DigitalOcean's operations are $refs to files of their own, inlined by the load: the
			// Checker sees them as the validator does, so their schemas are found and compile.
			if f.Rule == validator.RuleSpecSchemaUncompilable && strings.HasPrefix(root, "digitalocean/") {
				t.Errorf("%s: %s:%d: %s: %s", root, f.File, f.Line, f.Rule, f.Message)
			}
		}
	}
}

// patternOf returns the pattern a document-schema message quotes: "pattern": 'P' is not valid 'regex'.
func patternOf(msg string) string {
	_, rest, _ := strings.Cut(msg, "'")
	p, _, _ := strings.Cut(rest, "' is not valid")
	return p
}
