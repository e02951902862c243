package fuzz_test

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/specgate/specgate/fuzz"
	"github.com/specgate/specgate/internal/mock"
	"github.com/specgate/specgate/specs"
)

var docs []*specs.Document

var _ = BeforeSuite(func(ctx SpecContext) {
	var err error
	docs, err = specs.Default(ctx)
	Expect(err).NotTo(HaveOccurred())
})

// state is what a user's --state file would say of the mock: its seeded identifiers.
var state = map[string][]string{
	"patchUser/id":         mock.SeededNERMUsers,
	"patchUserProfiles/id": mock.SeededProfiles,
	"patchUsers/id":        mock.SeededOIGUsers,
	"putUsers/id":          mock.SeededOIGUsers,
}

// fuzzMock serves a fresh mock with defects on loopback and fuzzes it with a 2,000-request budget.
func fuzzMock(ctx SpecContext, seed int64, defects ...mock.Defect) *fuzz.Result {
	srv := httptest.NewServer(mock.New(mock.Options{Defects: defects}))
	DeferCleanup(srv.Close)
	target, err := url.Parse(srv.URL)
	Expect(err).NotTo(HaveOccurred())
	f, err := fuzz.New(docs, fuzz.Options{
		Target: target, Auth: fuzz.Auth{User: "username", Password: "password"},
		State: state, Seed: seed, MaxRequests: 2000, Concurrency: 2,
	})
	Expect(err).NotTo(HaveOccurred())
	res, err := f.Run(ctx)
	Expect(err).NotTo(HaveOccurred())
	Expect(res.Requests).To(BeNumerically("<=", 2000))
	return res
}

func failures(res *fuzz.Result) []fuzz.Finding {
	var out []fuzz.Finding
	for _, f := range res.Findings {
		if f.Level == fuzz.LevelFailure {
			out = append(out, f)
		}
	}
	return out
}

var _ = Describe("fuzz against the mock", Label("mock"), func() {
	DescribeTable("the conforming mock fails nothing",
		func(ctx SpecContext, seed int64) {
			res := fuzzMock(ctx, seed)
			Expect(failures(res)).To(BeEmpty())
			Expect(res.GeneratorRejects).To(BeZero(), "every generated positive must be valid")
			for _, o := range res.Coverage.Operations {
				n, _ := o.Response("200")
				Expect(n).To(BeNumerically(">", 0), "%s never succeeded: state must make updates hit records", o.ID)
			}
			// Generation takes every oneOf branch, and the mock's replies every response branch.
			tot := res.Coverage.Totals
			Expect(tot.Operations.Percent).To(BeEquivalentTo(100))
			Expect(tot.Branches.Covered).To(Equal(6), "branches %+v", tot.Branches)
			Expect(tot.Parameters.Covered).To(Equal(tot.Parameters.Total))
		},
		Entry("seed 1", int64(1)),
		Entry("seed 42", int64(42)),
	)

	DescribeTable("finds each seeded defect with a minimal reproducer",
		func(ctx SpecContext, d mock.Defect) {
			want, ok := expected[d]
			Expect(ok).To(BeTrue(), "the suite has no expectation for defect %s", d)
			res := fuzzMock(ctx, 11, d)
			var hit *fuzz.Finding
			for _, f := range failures(res) {
				if f.Rule == want.rule && strings.HasSuffix(f.Operation, "("+want.operation+")") {
					hit = &f
					break
				}
			}
			Expect(hit).NotTo(BeNil(), "no %s failure for %s in %d requests", want.rule, want.operation, res.Requests)
			var body map[string]any
			Expect(json.Unmarshal([]byte(hit.Body), &body)).To(Succeed())
			Expect(want.minimal(body)).To(BeTrue(), "not minimal: %s", hit.Curl)
			Expect(hit.Curl).To(HavePrefix("curl -X "))
			Expect(hit.Curl).NotTo(ContainSubstring("cGFzc3dvcmQ"), "the password must be redacted")
			Expect(hit.Curl).NotTo(ContainSubstring("password"), "the password must be redacted")
			if !hit.Positive {
				Expect(hit.RequestViolations).NotTo(BeEmpty(), "a shrunk negative must stay invalid")
			}
		},
		defectEntries(),
	)
})

type seeded struct {
	rule, operation string
	// minimal checks the reproducer's body: nothing left that the defect does not need.
	minimal func(body map[string]any) bool
}

// expected says, for every defect the mock can seed, the failure fuzz must report.
var expected = map[mock.Defect]seeded{
	mock.DefectLongName500: {fuzz.RuleServerError, "patchUser", func(b map[string]any) bool {
		u, _ := b["user"].(map[string]any)
		name, _ := u["name"].(string)
		return len(u) == 1 && len(name) == 65
	}},
	mock.DefectAcceptsForbiddenStatus: {fuzz.RuleNegativeAccepted, "patchUser", func(b map[string]any) bool {
		u, _ := b["user"].(map[string]any)
		return len(u) == 1 && u["status"] != nil
	}},
	mock.DefectJobStatusString: {fuzz.RuleResponseInvalid, "patchUserProfiles", func(b map[string]any) bool {
		items, _ := b["user_profiles"].([]any)
		return len(items) == mock.DefaultJobThreshold+1
	}},
	mock.DefectNoCredentials: {fuzz.RuleNegativeAccepted, "putUsers", func(b map[string]any) bool {
		users, _ := b["users"].([]any)
		return len(users) == 0
	}},
	mock.DefectUndocumentedStatus: {fuzz.RuleStatusUndocumented, "putUsers", func(b map[string]any) bool {
		users, _ := b["users"].([]any)
		return len(users) == 0
	}},
}

// defectEntries makes one entry per defect the mock can seed, while the tree is built, so that a
// new defect without an expectation fails its own entry.
func defectEntries() []TableEntry {
	out := make([]TableEntry, 0, len(mock.Defects))
	for _, d := range mock.Defects {
		out = append(out, Entry(string(d), Label(string(d)), d))
	}
	return out
}
