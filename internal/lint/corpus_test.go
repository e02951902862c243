package lint

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/specgate/specgate/validator"
)

// realSpecs is the folder of published specs the tests read (CI has ../shared beside the
// repository); never copied into the tree.
const realSpecs = "../../../shared/real-specs"

// corpusBudget is the witness-search budget the corpus tests lint with: the default, what users
// get.
const corpusBudget = DefaultOneOfBudget

// corpusRoots reads roots.txt.
func corpusRoots(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(realSpecs, "roots.txt"))
	if err != nil {
		t.Fatalf("the published specs are read from %s (../shared beside the repository): %v", realSpecs, err)
	}
	var roots []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			roots = append(roots, l)
		}
	}
	if len(roots) < 70 {
		t.Fatalf("roots.txt lists %d documents, want the 78 of the development set", len(roots))
	}
	return roots
}

// lintRoots lints published documents in one Lint call with the corpus budget, turning a
// panic into an error.
func lintRoots(ctx context.Context, roots ...string) (res *Result, in Input, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	paths := make([]string, len(roots))
	for i, r := range roots {
		paths[i] = filepath.Join(realSpecs, r)
	}
	in, err = Files(paths...)
	if err != nil {
		return nil, in, err
	}
	res, err = Lint(ctx, in, Options{OneOfBudget: corpusBudget})
	return res, in, err
}

// Every published document of the development set lints without a panic and without an error
// other than the one reading its root file gives (a file the YAML parser refuses). The
// documents of one folder are linted together, as a user lints a tree, so that the schema
// files they share (OpenSearch's namespaces share its schemas) are checked once. The time each takes is bounded by the witness-search
// budget, not by a timer here: before the budget two OpenSearch namespaces took 224 s and more
// than 300 s, and ignored SIGTERM.
func TestLintPublishedSpecs(t *testing.T) {
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
		if f.Rule == RuleSchemaInvalid && strings.Contains(f.File, "/components/parameters/") {
			t.Errorf("false %s on a Parameter file: %s: %s", f.Rule, f.File, f.Message)
		}
	}

	// Nowhere in the corpus is a Parameter, Header or RequestBody file (SailPoint's
	// parameters/*.yaml too, whose files are indented) compiled as a schema.
	for root, res := range results {
		for _, f := range res.Findings {
			if f.Rule == RuleSchemaInvalid && (strings.Contains(f.Message, "'/required' does not validate") || strings.Contains(f.Message, "'/examples' does not validate")) {
				t.Errorf("%s: %s:%d: a non-schema root compiled as a schema: %s", root, f.File, f.Line, f.Message)
			}
		}
	}

	// Lob's patterns in ECMA-262 syntax ((?!https://)) panicked in jsonschema/v5. Now each is
	// checked, or reported as unchecked where the schema engine cannot compile it; never a
	// lint.schema.invalid, since the pattern is valid.
	lob := results["lob/lob-api-public.yml"]
	if lob == nil {
		t.Fatal("lob did not lint")
	}
	for _, f := range lob.Findings {
		if strings.Contains(f.Message, "(?!") || f.Rule == RuleSchemaUnchecked || f.Rule == validator.RuleSpecPatternUnsupported {
			t.Errorf("%s:%d: a valid ECMA-262 pattern reported as %s: %s", f.File, f.Line, f.Rule, f.Message)
		}
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
			if f.Rule == RuleSchemaInvalid && strings.HasPrefix(root, "digitalocean/") {
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

// The witness search is deterministic: the same budget gives the same findings, run after run,
// and a budget too small to decide anything reports the oneOf undecided rather than clean.
func TestOneOfBudgetIsDeterministic(t *testing.T) {
	in := func() Input {
		in, err := Files(filepath.Join(realSpecs, "opensearch/spec/namespaces/search_pipeline.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	oneOfs := func(budget int) (text string, ambiguous, undecided int) {
		res, err := Lint(context.Background(), in(), Options{OneOfBudget: budget})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, f := range res.Findings {
			if strings.HasPrefix(f.Rule, "lint.oneof.") {
				fmt.Fprintf(&b, "%s %s#%s %v\n", f.Rule, f.File, f.Pointer, f.Witness)
			}
		}
		return b.String(), len(find(res, RuleOneOfAmbiguous, "")), len(find(res, RuleOneOfUndecided, ""))
	}
	first, a, u := oneOfs(corpusBudget)
	second, _, _ := oneOfs(corpusBudget)
	if first != second || first == "" {
		t.Errorf("two runs with the same budget differ (or found nothing):\n%s\n---\n%s", first, second)
	}
	_, a10, u10 := oneOfs(10)
	if u10 <= u || a10 >= a {
		t.Errorf("a budget of 10 steps gives %d ambiguous and %d undecided, %d gives %d and %d: want fewer decided with less",
			a10, u10, corpusBudget, a, u)
	}
}

// A oneOf the budget does not suffice for is reported undecided, with how many of its pairs
// were not decided, and nothing else is claimed about it.
func TestOneOfUndecided(t *testing.T) {
	in, err := Files(filepath.Join(realSpecs, "opensearch/spec/namespaces/asynchronous_search.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Lint(context.Background(), in, Options{OneOfBudget: 5000})
	if err != nil {
		t.Fatal(err)
	}
	const agg = "/components/schemas/AggregationContainer/allOf/1/oneOf"
	u := find(res, RuleOneOfUndecided, agg)
	if len(u) != 1 || u[0].Level != "warning" || !strings.Contains(u[0].Message, "of the 2080 pairs") || !strings.HasSuffix(u[0].File, "_common.aggregations.yaml") {
		t.Fatalf("AggregationContainer with a budget of 5000: undecided findings %v", u)
	}
	if n := len(find(res, RuleOneOfAmbiguous, agg)); n >= maxAmbiguousPairs {
		t.Errorf("%d ambiguous pairs reported within a budget too small to finish", n)
	}
}

// Cancelling lint in the middle of the witness search returns promptly with the context's
// error: with a budget it would take hours to spend, only the context can stop it.
func TestLintStopsWhenCancelled(t *testing.T) {
	in, err := Files(filepath.Join(realSpecs, "opensearch/spec/namespaces/_core.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := Lint(ctx, in, Options{OneOfBudget: 1 << 40})
		done <- err
	}()
	time.Sleep(500 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Lint returned %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Lint did not return a minute after its context was cancelled")
	}
}

// A file that is no OpenAPI document is an error naming it, not a clean lint.
func TestNotAnOpenAPIDocument(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"empty.yaml": "", "foo.json": `{"foo": 1}`, "list.yaml": "- a\n", "version.yaml": "openapi: {x: 1}\n"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		in, err := Files(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Lint(context.Background(), in, Options{})
		if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "no OpenAPI document") {
			t.Errorf("%s: error %v, want one naming the file as no OpenAPI document", name, err)
		}
	}
}
