package lint

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
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

// stepContext is a context cancelled at its n-th Err call, and counting the calls after it: a
// test cancels lint at a point of its work rather than at a time, which a loaded machine moves
// (lint of _core.yaml takes a second with an unbounded budget, or several when the machine is
// busy).
type stepContext struct {
	context.Context
	cancel      context.CancelFunc
	left, after atomic.Int64
}

func newStepContext(n int64) *stepContext {
	ctx, cancel := context.WithCancel(context.Background())
	c := &stepContext{Context: ctx, cancel: cancel}
	c.left.Store(n)
	return c
}

func (c *stepContext) Err() error {
	switch left := c.left.Add(-1); {
	case left == 0:
		c.cancel()
	case left < 0:
		c.after.Add(1)
	}
	return c.Context.Err()
}

// Cancelling lint in the middle of the witness search returns promptly with the context's
// error: with a budget it would take hours to spend, only the context can stop it. The search
// checks the context before each candidate; the test counts lint's checks with and without the
// search (a budget of one step) and cancels halfway through the search's.
func TestLintStopsWhenCancelled(t *testing.T) {
	in, err := Files(filepath.Join(realSpecs, "opensearch/spec/namespaces/_core.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	checks := func(budget int) int64 {
		whole := newStepContext(-1)
		if _, err := Lint(whole, in, Options{OneOfBudget: budget}); err != nil {
			t.Fatal(err)
		}
		return -whole.left.Load()
	}
	opts := Options{OneOfBudget: 1 << 40}
	all, rest := checks(opts.OneOfBudget), checks(1)
	search := all - rest
	if search < 1000 {
		t.Fatalf("lint checked its context %d times with _core.yaml's witness searches and %d without: want it checked before each candidate", all, rest)
	}
	ctx := newStepContext(rest + search/2)
	done := make(chan error, 1)
	go func() {
		_, err := Lint(ctx, in, opts)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Lint returned %v, want context.Canceled", err)
		}
		// Promptly: the search stops at its next check, not after the rest of it (search/2);
		// what is left of the walk only checks the context and returns.
		if n := ctx.after.Load(); n > search/10 {
			t.Errorf("lint checked its context %d more times after it was cancelled, of %d in a whole run", n, all)
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
