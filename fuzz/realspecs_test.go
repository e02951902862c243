//go:build !race

// The published specs weigh some 40 MB; under the race detector loading them takes minutes, so
// this test runs without it (make unit runs it apart, as it does specs' corpus tests).

package fuzz

import (
	"bufio"
	"context"
	"math/rand"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/specgate/specgate/internal/jsonptr"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// maxRealOps bounds the operations of a published spec the test plans: of a larger spec it plans
// that many spread evenly over its paths, since planning every operation of a thousand-operation
// API is a run's work, not a test's. Of the specs outside strict, it plans maxLooseOps.
const (
	maxRealOps  = 60
	maxLooseOps = 12
)

// strict names the trees whose every generated positive the validator must accept. The others
// (OpenSearch's query DSL, SailPoint, DigitalOcean, Lob, Redocly's starter) use what generation
// does not model yet (oneOf branches that overlap, required members behind allOf in recursive
// unions, patterns): their positives the validator rejects are counted and dropped, and the test
// logs how many.
func strict(root string) bool {
	for _, p := range []string{"oai-learn/", "alertmanager/", "twilio/"} {
		if strings.HasPrefix(root, p) {
			return true
		}
	}
	return false
}

// TestRealSpecsGenerateValidRequests plans runs over every published spec in ../shared/real-specs
// that packages specs and validator load and compile (the others are theirs to report). Of the
// strict trees, every generated positive must be one the validator accepts, with either kind of
// credentials, and the same seed must plan the same requests; every tree's generation must end
// within its budget (OpenSearch's recursive unions took minutes per body before generation was
// bounded), and together they must plan requests the validator accepts, with at most one
// rejected positive for four planned requests. It logs the slowest tree's planning time.
func TestRealSpecsGenerateValidRequests(t *testing.T) {
	dir := "../../shared/real-specs"
	f, err := os.Open(filepath.Join(dir, "roots.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	target, _ := url.Parse("http://127.0.0.1:1")
	loaded, planned, checked, large, rejected, loose := 0, 0, 0, 0, 0, 0
	forms, formNegatives := 0, 0 // requests with form or multipart bodies
	var slowest time.Duration
	slowRoot := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		root := strings.TrimSpace(sc.Text())
		if root == "" {
			continue
		}
		docs, err := specs.LoadFiles(context.Background(), filepath.Join(dir, root))
		if err != nil {
			continue
		}
		fz, err := New(docs, Options{Target: target, Seed: 5})
		if err != nil {
			// A spec the validator cannot compile is the validator's to report; compiling it
			// again only when fuzz refused it keeps the test to one compilation per spec.
			if _, verr := validator.New(docs, validator.Options{}); verr == nil {
				t.Errorf("%s: %v", root, err)
			}
			continue
		}
		loaded++
		limit := maxRealOps
		if !strict(root) {
			limit = maxLooseOps
		}
		if n := len(fz.ops); n > limit {
			large++
			var kept []*operation
			for i := 0; i < limit; i++ {
				kept = append(kept, fz.ops[i*n/limit])
			}
			fz.ops = kept
		}
		start := time.Now()
		checked++
		keys := func() ([]string, *Result) {
			res := &Result{}
			plan, _ := fz.plan(context.Background(), res, map[string]bool{}, fz.ops, true)
			out := make([]string, len(plan))
			for i, s := range plan {
				out[i] = s.enc.key
				if s.tc.hasBody && bodyKind(s.tc.media) != "json" {
					if s.tc.positive {
						forms++
					} else {
						formNegatives++
					}
				}
			}
			return out, res
		}
		for i, auth := range []Auth{{Token: "t"}, {User: "u", Password: "p"}} {
			fz.opts.Auth = auth
			a, res := keys()
			if i == 0 {
				if took := time.Since(start); took > slowest {
					slowest, slowRoot = took, root
				}
			}
			planned += len(a)
			if !strict(root) {
				rejected += res.GeneratorRejects
				loose += len(a)
				t.Logf("%s: %d requests planned, %d generated positives rejected", root, len(a), res.GeneratorRejects)
				break
			}
			if res.GeneratorRejects != 0 {
				t.Errorf("%s: the validator rejected %d generated positives", root, res.GeneratorRejects)
			}
			if i > 0 {
				continue
			}
			if b, _ := keys(); strings.Join(a, "\x00") != strings.Join(b, "\x00") {
				t.Errorf("%s: seed 5 planned different requests twice", root)
			}
		}
		t.Logf("%s: %d operations planned in %v", root, len(fz.ops), time.Since(start).Round(time.Millisecond))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d specs loaded, %d checked (%d planned on %d or %d of their operations), %d requests planned, %d positives of the loose trees rejected; slowest first plan: %s, %v",
		loaded, checked, large, maxRealOps, maxLooseOps, planned, rejected, slowRoot, slowest.Round(time.Millisecond))
	// Twilio's bodies are forms: the validator judged each as a form, and accepted every positive.
	t.Logf("%d positives and %d negatives with form or multipart bodies", forms, formNegatives)
	if forms < 100 || formNegatives < 100 {
		t.Errorf("%d positives and %d negatives with form bodies planned: the test checks too little", forms, formNegatives)
	}
	if loose < 1000 || rejected*4 > loose {
		t.Errorf("the trees outside strict planned %d requests and got %d positives rejected", loose, rejected)
	}
	if checked < 10 || planned < 500 {
		t.Errorf("only %d real specs checked and %d requests planned: the test checks too little", checked, planned)
	}
}

// TestRealSpecsPatternStrings: for every string schema of the published Lob, Twilio and
// SailPoint v3 specs whose only constraints are a pattern and lengths, the strings generated
// from an RE2 pattern are all accepted by the validator (its Checker, on the files as written),
// and the negative made for it is rejected. An ECMA-only pattern gives no strings (its examples
// are used instead).
func TestRealSpecsPatternStrings(t *testing.T) {
	dir := "../../shared/real-specs"
	rnd := rand.New(rand.NewSource(1))
	schemas, made, ecma, negatives := 0, 0, 0, 0
	for _, root := range []string{"lob/lob-api-public.yml", "twilio/spec/json/twilio_api_v2010.json", "sailpoint-isc/idn/sailpoint-api.v3.yaml"} {
		src, roots, err := specs.OSFiles(filepath.Join(dir, root))
		if err != nil {
			t.Fatal(err)
		}
		files, _, err := specs.Reach(src, roots[0])
		if err != nil {
			t.Fatal(err)
		}
		checker, err := validator.NewChecker(src, roots[0])
		if err != nil {
			t.Fatalf("%s: %v", root, err)
		}
		seen := map[string]bool{}
		for _, f := range files {
			walkPatterns(f.Value, "", func(ptr string, m map[string]any) {
				p := m["pattern"].(string)
				lo, hi := intKey(m, "minLength", 0), intKey(m, "maxLength", -1)
				if seen[p] {
					return
				}
				seen[p] = true
				sch, err := checker.Compile("", src, f.Path, ptr)
				if err != nil {
					return // a schema the checker cannot compile is the validator's to report
				}
				schemas++
				samples, ok := patternSamples(rnd, p, lo, hi)
				if !ok {
					ecma++
					return
				}
				for _, s := range samples {
					made++
					if !sch.Accepts(s) {
						t.Errorf("%s#%s: pattern %q: the validator rejects the generated %q", f.Name, ptr, p, s)
					}
				}
				sample := ""
				if len(samples) > 0 {
					sample = samples[0]
				}
				if v, ok := patternViolation(p, sample, lo, hi); ok {
					negatives++
					if sch.Accepts(v) {
						t.Errorf("%s#%s: pattern %q: the validator accepts the negative %q", f.Name, ptr, p, v)
					}
				}
			})
		}
	}
	t.Logf("%d patterns: %d strings generated, %d negatives, %d ECMA-only", schemas, made, negatives, ecma)
	if schemas < 50 || made < schemas*2 || negatives < schemas/2 {
		t.Errorf("%d patterns, %d strings, %d negatives: the test checks too little", schemas, made, negatives)
	}
}

// walkPatterns calls fn for every schema in v whose keywords are only a string pattern, lengths
// and annotations.
func walkPatterns(v any, ptr string, fn func(ptr string, m map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		if p, ok := x["pattern"].(string); ok && p != "" {
			only := true
			for k := range x {
				switch k {
				case "type", "pattern", "minLength", "maxLength", "description", "example", "examples", "title", "x-twilio":
				default:
					only = false
				}
			}
			if t, ok := x["type"]; only && (!ok || t == "string") {
				fn(ptr, x)
			}
		}
		for k, e := range x {
			walkPatterns(e, jsonptr.Join(ptr, k), fn)
		}
	case []any:
		for i, e := range x {
			walkPatterns(e, ptr+"/"+itoa(i), fn)
		}
	}
}

func intKey(m map[string]any, k string, def int) int {
	switch n := m[k].(type) {
	case int:
		return n
	case float64:
		return int(n)
	}
	return def
}
