//go:build !race

// The published specs weigh some 40 MB; under the race detector loading them takes minutes, so
// this test runs without it (make unit runs it apart, as it does specs' corpus tests).

package fuzz

import (
	"bufio"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// maxRealOps bounds the operations of a published spec the test plans.
const maxRealOps = 60

// generatable leaves out the OpenSearch, SailPoint, DigitalOcean and Lob trees: their recursive
// oneOf schemas (OpenSearch's query DSL) make generated bodies grow with the depth bound until
// judging one takes minutes. Bounding the size of generated bodies is not done yet.
func generatable(root string) bool {
	for _, p := range []string{"oai-learn/", "alertmanager/", "twilio/"} {
		if strings.HasPrefix(root, p) {
			return true
		}
	}
	return false
}

// TestRealSpecsGenerateValidRequests plans runs over every published spec in ../shared/real-specs
// that packages specs and validator load and compile (the others are theirs to report): every generated positive must
// be one the validator accepts, with either kind of credentials, and the same seed must plan the
// same requests.
func TestRealSpecsGenerateValidRequests(t *testing.T) {
	dir := "../../shared/real-specs"
	f, err := os.Open(filepath.Join(dir, "roots.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	target, _ := url.Parse("http://127.0.0.1:1")
	loaded, planned, checked, large := 0, 0, 0, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		root := strings.TrimSpace(sc.Text())
		if root == "" || !generatable(root) {
			continue
		}
		docs, err := specs.LoadFiles(context.Background(), filepath.Join(dir, root))
		if err != nil {
			continue
		}
		if _, err := validator.New(docs, validator.Options{}); err != nil {
			continue // a spec the validator cannot compile is the validator's to report
		}
		loaded++
		fz, err := New(docs, Options{Target: target, Seed: 5})
		if err != nil {
			t.Errorf("%s: %v", root, err)
			continue
		}
		if len(fz.ops) > maxRealOps {
			large++ // planning every operation of a thousand-operation API is a run's work, not a test's
			continue
		}
		start := time.Now()
		checked++
		keys := func() ([]string, *Result) {
			res := &Result{}
			plan, _ := fz.plan(res, map[string]bool{}, fz.ops, true)
			out := make([]string, len(plan))
			for i, s := range plan {
				out[i] = s.enc.key
			}
			return out, res
		}
		for i, auth := range []Auth{{Token: "t"}, {User: "u", Password: "p"}} {
			fz.opts.Auth = auth
			a, res := keys()
			planned += len(a)
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
	t.Logf("%d specs loaded, %d checked (%d with more than %d operations left out), %d requests planned", loaded, checked, large, maxRealOps, planned)
	if checked < 10 || planned < 500 {
		t.Errorf("only %d real specs checked and %d requests planned: the test checks too little", checked, planned)
	}
}
