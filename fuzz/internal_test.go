package fuzz

import (
	"context"
	"math/rand"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/specgate/specgate/internal/coverage"
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

// BenchmarkGenerateAndCheck measures generation plus checking per request, without the network:
// the plan (generating every case and judging each request with the validator), the verdict
// on the reply the mock gave to it, recorded once beforehand, and counting the exchange in the
// run's coverage.
func BenchmarkGenerateAndCheck(b *testing.B) {
	f := mockFuzzer(b)
	plan, _ := f.plan(&Result{}, map[string]bool{}, f.ops, false)
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
		p, _ := f.plan(&Result{}, map[string]bool{}, f.ops, false)
		cov := coverage.New(f.model)
		for _, s := range p {
			s.resp = replies[s.enc.key]
			res := f.checkResponse(ctx, s.tc, s.resp)
			verdict(s.tc, s.resp, res)
			cov.Add(validator.Exchange{Request: s.enc.req, Response: s.resp}, exchangeResult(s, res))
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

// TestCaptureKeepsRecordsTogether: captured values are kept per record (an object's id), the
// latest reply winning, in the order records were first seen, so that the i-th values of several
// names come from one record; failed replies are not read.
func TestCaptureKeepsRecordsTogether(t *testing.T) {
	op := &operation{id: "patchThings"}
	f := &Fuzzer{state: map[string][]string{}, ops: []*operation{op}}
	r := &runner{f: f, res: &Result{}, unbound: map[string][]string{"patchThings": {"owner_id", "group_id"}}, captured: map[string]*capture{}}
	reply := func(status int, body string) {
		r.capture(&sent{tc: &testCase{op: op}, resp: &validator.Response{Status: status, Body: []byte(body)}})
	}
	reply(200, `{"things":[{"id":"t1","owner_id":"o1","group_id":"g1"},{"id":"t2","owner_id":"o2","group_id":"g2"}]}`)
	reply(200, `{"things":[{"id":"t1","owner_id":"o1b","group_id":"g1b"}]}`)
	reply(400, `{"things":[{"id":"t3","owner_id":"bad","group_id":"bad"}]}`)
	got := r.bindCaptured()
	if len(got) != 1 || got[0] != op {
		t.Fatalf("bindCaptured returned %v", got)
	}
	if o, g := f.state["patchThings/owner_id"], f.state["patchThings/group_id"]; strings.Join(o, ",") != "o1b,o2" || strings.Join(g, ",") != "g1b,g2" {
		t.Errorf("owner_id %v, group_id %v; want [o1b o2] and [g1b g2]", o, g)
	}
}

// TestEveryDocumentedMediaType: positives are sent as each documented JSON media type, each
// with values from its own schema; negatives break the schema of the media type they are sent as.
func TestEveryDocumentedMediaType(t *testing.T) {
	docs, err := specs.LoadFiles(context.Background(), "testdata/two-media.yaml")
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse("http://127.0.0.1:1")
	f, err := New(docs, Options{Target: target})
	if err != nil {
		t.Fatal(err)
	}
	res := &Result{}
	plan, _ := f.plan(res, map[string]bool{}, f.ops, true)
	media := map[string]int{}
	negatives := 0
	for _, s := range plan {
		if s.tc.positive {
			media[s.tc.media]++
		} else {
			negatives++
		}
	}
	if media["application/json"] == 0 || media["application/merge-patch+json"] == 0 {
		t.Errorf("positives by media type: %v", media)
	}
	if res.GeneratorRejects != 0 || res.NegativeDropped != 0 || negatives == 0 {
		t.Errorf("%d rejects, %d negatives dropped, %d sent", res.GeneratorRejects, res.NegativeDropped, negatives)
	}
}
