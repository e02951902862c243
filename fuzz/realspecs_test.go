package fuzz

import (
	"bufio"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

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
	loaded, planned := 0, 0
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
		if _, err := validator.New(docs, validator.Options{}); err != nil {
			continue // a spec the validator cannot compile is the validator's to report
		}
		loaded++
		fz, err := New(docs, Options{Target: target, Seed: 5})
		if err != nil {
			t.Errorf("%s: %v", root, err)
			continue
		}
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
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if loaded < 10 || planned < 500 {
		t.Errorf("only %d real specs loaded and %d requests planned: the test checks too little", loaded, planned)
	}
}
