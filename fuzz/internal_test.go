package fuzz

import (
	"context"
	"math/rand"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"testing"

	"github.com/specgate/specgate/internal/mock"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
	"gopkg.in/yaml.v3"
)

// TestCombineCoversEveryPair: every pair of values of two dimensions is in some row, every
// value of a dimension larger than the slots is used, and the rows stay far below the product.
func TestCombineCoversEveryPair(t *testing.T) {
	for _, sizes := range [][]int{{2, 2}, {3, 4, 2, 5}, {6, 6, 6, 6, 6, 6}, {2, 3, 20, 2}, {1}, {9}} {
		rows := combine(rand.New(rand.NewSource(1)), sizes)
		product := 1
		for _, n := range sizes {
			product *= n
		}
		for a := range sizes {
			used := map[int]bool{}
			for _, r := range rows {
				used[r[a]] = true
			}
			if len(used) != sizes[a] {
				t.Errorf("%v: dimension %d uses %d of its %d values", sizes, a, len(used), sizes[a])
			}
			for b := a + 1; b < len(sizes); b++ {
				if sizes[a] > slots || sizes[b] > slots {
					continue
				}
				for va := 0; va < sizes[a]; va++ {
					for vb := 0; vb < sizes[b]; vb++ {
						found := false
						for _, r := range rows {
							found = found || r[a] == va && r[b] == vb
						}
						if !found {
							t.Errorf("%v: no row has dimension %d = %d with %d = %d", sizes, a, va, b, vb)
						}
					}
				}
			}
		}
		if len(sizes) > 2 && len(rows) >= product {
			t.Errorf("%v: %d rows, the product is %d", sizes, len(rows), product)
		}
	}
}

// TestReadmeListsEveryFuzzRule keeps the README's fuzz rule table and Rules equal.
func TestReadmeListsEveryFuzzRule(t *testing.T) {
	md, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `(fuzz\\.[a-z0-9_.]+)` \\| (failure|warning) \\| (.+) \\|$")
	inReadme := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(md), -1) {
		inReadme[m[1]] = m[2] + " " + m[3]
	}
	for _, r := range Rules {
		if got, want := inReadme[r.ID], string(r.Level)+" "+r.Summary; got != want {
			t.Errorf("README.md row for %s says %q, Rules says %q", r.ID, got, want)
		}
		delete(inReadme, r.ID)
	}
	for id := range inReadme {
		t.Errorf("README.md lists rule %s, which Rules does not have", id)
	}
}

// BenchmarkGenerateAndCheck measures generation plus checking per request, without the network:
// the plan (generating every case and judging each request with the validator) and the verdict
// on the reply the mock gave to it, recorded once beforehand.
func BenchmarkGenerateAndCheck(b *testing.B) {
	srv := httptest.NewServer(mock.New(mock.Options{}))
	defer srv.Close()
	docs, err := specs.Default(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	target, _ := url.Parse(srv.URL)
	f, err := New(docs, Options{Target: target, Auth: Auth{User: "username", Password: "password"}, State: map[string][]string{
		"patchUser/id": mock.SeededNERMUsers, "patchUserProfiles/id": mock.SeededProfiles,
		"patchUsers/id": mock.SeededOIGUsers, "putUsers/id": mock.SeededOIGUsers,
	}})
	if err != nil {
		b.Fatal(err)
	}
	plan := f.plan(&Result{})
	replies := map[string]*validator.Response{}
	for _, s := range plan {
		resp, err := f.send(context.Background(), s.enc.req)
		if err != nil {
			b.Fatal(err)
		}
		replies[s.enc.key] = resp
	}
	ctx := context.Background()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		p := f.plan(&Result{})
		for _, s := range p {
			res := f.checkResponse(ctx, s.tc, replies[s.enc.key])
			verdict(s.tc, replies[s.enc.key], res)
		}
		n += len(p)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n)/1000, "us/request")
}

// TestMockStateFileNamesSeededRecords keeps the README's example state file true of the mock.
func TestMockStateFileNamesSeededRecords(t *testing.T) {
	data, err := os.ReadFile("testdata/mock-state.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var state map[string][]string
	if err := yaml.Unmarshal(data, &state); err != nil {
		t.Fatal(err)
	}
	seeded := map[string][]string{
		"patchUser/id": mock.SeededNERMUsers, "patchUserProfiles/id": mock.SeededProfiles,
		"patchUsers/id": mock.SeededOIGUsers, "putUsers/id": mock.SeededOIGUsers,
	}
	for k, vals := range state {
		known := map[string]bool{}
		for _, s := range seeded[k] {
			known[s] = true
		}
		for _, v := range vals {
			if !known[v] {
				t.Errorf("%s: %s is not seeded in the mock", k, v)
			}
		}
	}
	if len(state) != len(seeded) {
		t.Errorf("the state file has %d keys, want %d", len(state), len(seeded))
	}
}
