package fuzz_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"unicode/utf8"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/specgate/specgate/fuzz"
	"github.com/specgate/specgate/internal/cli"
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
			res := fuzzMock(ctx, defectSeed, d)
			if want.miss != "" {
				// Asserted, not skipped: if fuzz starts finding it, the table must say so.
				Expect(failures(res)).To(BeEmpty(), "expected a miss (%s)", want.miss)
				return
			}
			var hit *fuzz.Finding
			for _, f := range failures(res) {
				if f.Rule == want.rule && strings.HasSuffix(f.Operation, "("+want.operation+")") {
					hit = &f
					break
				}
			}
			Expect(hit).NotTo(BeNil(), "no %s failure for %s in %d requests: %v", want.rule, want.operation, res.Requests, failures(res))
			Expect(want.minimal(hit.Body)).To(BeTrue(), "not minimal: %s", hit.Curl)
			Expect(hit.Curl).To(HavePrefix("curl -X "))
			Expect(hit.Curl).NotTo(ContainSubstring("cGFzc3dvcmQ"), "the password must be redacted")
			Expect(hit.Curl).NotTo(ContainSubstring("password"), "the password must be redacted")
			switch {
			case hit.Mutation == "wrong credentials":
				// Wrong only for the target: the validator cannot know a password.
				Expect(hit.RequestViolations).To(BeEmpty())
			case !hit.Positive:
				Expect(hit.RequestViolations).NotTo(BeEmpty(), "a shrunk negative must stay invalid")
			}
			GinkgoWriter.Printf("%s: %s after %d requests (seed %d): %s\n", d, want.rule, hit.FoundAt, defectSeed, hit.Curl)
		},
		defectEntries(),
	)
})

var _ = Describe("specgate fuzz on the command line", Label("mock"), func() {
	It("finds an unseen defect with the defaults, exits 1 and prints its minimal curl", func(ctx SpecContext) {
		srv := httptest.NewServer(mock.New(mock.Options{Defects: []mock.Defect{mock.DefectMultibyteName500}}))
		DeferCleanup(srv.Close)
		GinkgoT().Setenv("SPECGATE_PASSWORD", "password")
		var stdout, stderr bytes.Buffer
		// The state file a user writes (the one `make compare-specmatic` uses); no budget or
		// seed given: the defaults.
		code := cli.Run(ctx, []string{"fuzz", "--target", srv.URL, "--user", "username",
			"--state", filepath.Join("..", "..", "fuzz", "testdata", "mock-state.yaml"), "--format", "json"}, &stdout, &stderr)
		Expect(code).To(Equal(1), "stderr: %s", stderr.String())
		var doc struct {
			Findings []struct {
				Rule, Level, Operation string
				Details                []string // what was sent and got, then the minimal curl
			}
			Summary struct{ Failing int }
		}
		Expect(json.Unmarshal(stdout.Bytes(), &doc)).To(Succeed())
		Expect(doc.Summary.Failing).To(Equal(1), "only the seeded defect fails: %s", stdout.String())
		var curl string
		for _, f := range doc.Findings {
			if f.Rule == fuzz.RuleServerError && strings.HasSuffix(f.Operation, "(patchUser)") && len(f.Details) == 2 {
				curl = f.Details[1]
			}
		}
		Expect(curl).To(HavePrefix("curl -X PATCH "), "findings: %s", stdout.String())
		_, body, _ := strings.Cut(curl, "--data-raw '")
		body = strings.TrimSuffix(body, "'")
		Expect(expected[mock.DefectMultibyteName500].minimal(body)).To(BeTrue(), "not minimal: %s", curl)
	})
})

// defectSeed is the seed every defect is fuzzed with: the default options a user would give,
// none tuned per defect.
const defectSeed = 11

type seeded struct {
	rule, operation string
	// minimal checks the reproducer's body: nothing left that the defect does not need.
	minimal func(body string) bool
	// miss, when set, says why a spec-driven fuzzer cannot find the defect; the entry then
	// asserts that fuzz reports no failure.
	miss string
}

// object decodes a reproducer's JSON body; nil if it is not a JSON object.
func object(body string) map[string]any {
	var v map[string]any
	if json.Unmarshal([]byte(body), &v) != nil {
		return nil
	}
	return v
}

// user is the user object of a PATCH /users/{id} body.
func user(body string) map[string]any {
	u, _ := object(body)["user"].(map[string]any)
	return u
}

// list is the array member of a body.
func list(body, name string) []any {
	a, _ := object(body)[name].([]any)
	return a
}

// emptyUsers: an OIG body with an empty users list, all a defect of the endpoint needs.
func emptyUsers(body string) bool {
	b := object(body)
	return len(b) == 1 && b["users"] != nil && len(list(body, "users")) == 0
}

// emptyUser: a PATCH /users/{id} body updating nothing, the least the mock reads as an update.
func emptyUser(body string) bool {
	u, ok := object(body)["user"].(map[string]any)
	return len(object(body)) == 1 && ok && len(u) == 0
}

// expected says, for every defect the mock can seed, the failure fuzz must report.
var expected = map[mock.Defect]seeded{
	mock.DefectLongName500: {rule: fuzz.RuleServerError, operation: "patchUser", minimal: func(b string) bool {
		u := user(b)
		name, _ := u["name"].(string)
		return len(u) == 1 && len(name) == 65
	}},
	mock.DefectAcceptsForbiddenStatus: {rule: fuzz.RuleNegativeAccepted, operation: "patchUser", minimal: func(b string) bool {
		u := user(b)
		return len(u) == 1 && u["status"] != nil
	}},
	mock.DefectJobStatusString: {rule: fuzz.RuleResponseInvalid, operation: "patchUserProfiles", minimal: func(b string) bool {
		return len(list(b, "user_profiles")) == mock.DefaultJobThreshold+1
	}},
	mock.DefectNoCredentials:      {rule: fuzz.RuleNegativeAccepted, operation: "putUsers", minimal: emptyUsers},
	mock.DefectUndocumentedStatus: {rule: fuzz.RuleStatusUndocumented, operation: "putUsers", minimal: emptyUsers},

	mock.DefectEmptyName500: {rule: fuzz.RuleServerError, operation: "patchUser", minimal: func(b string) bool {
		u := user(b)
		return len(u) == 1 && u["name"] == ""
	}},
	mock.DefectMultibyteName500: {rule: fuzz.RuleServerError, operation: "patchUser", minimal: func(b string) bool {
		u := user(b)
		name, _ := u["name"].(string)
		return len(u) == 1 && utf8.RuneCountInString(name) == 1 && len(name) > 1
	}},
	mock.DefectAdminTrue500: {rule: fuzz.RuleServerError, operation: "patchUser", minimal: func(b string) bool {
		u := user(b)
		return len(u) == 1 && u["admin"] == true
	}},
	mock.DefectEmptyBatch500: {rule: fuzz.RuleServerError, operation: "patchUserProfiles", minimal: func(b string) bool {
		return len(object(b)) == 1 && list(b, "user_profiles") != nil && len(list(b, "user_profiles")) == 0
	}},
	mock.DefectContributor500: {rule: fuzz.RuleServerError, operation: "patchUserProfiles", minimal: func(b string) bool {
		items := list(b, "user_profiles")
		if len(items) != 1 {
			return false
		}
		it, _ := items[0].(map[string]any)
		// Besides the value, only what names the relationship: its id, or the three ids of
		// its key (the mock refuses an item that names none).
		return it["relationship_type"] == "contributor" && (len(it) == 2 && it["id"] != nil || len(it) == 4 && it["id"] == nil)
	}},
	mock.DefectLargePutBatch500: {rule: fuzz.RuleServerError, operation: "putUsers", minimal: func(b string) bool {
		users := list(b, "users")
		for _, u := range users {
			if o, _ := u.(map[string]any); len(o) != 1 {
				return false // each user is its id alone
			}
		}
		return len(users) == 11
	}},
	mock.DefectApostropheTitle500: {rule: fuzz.RuleServerError, operation: "patchUser", minimal: func(b string) bool {
		u := user(b)
		return len(u) == 1 && u["title"] == "'"
	}},
	mock.DefectAcceptsStringAdmin: {rule: fuzz.RuleNegativeAccepted, operation: "patchUser", minimal: func(b string) bool {
		u := user(b)
		_, isString := u["admin"].(string)
		return len(u) == 1 && isString
	}},
	mock.DefectAcceptsTextPlain: {rule: fuzz.RuleNegativeAccepted, operation: "patchUser", minimal: emptyUser},
	mock.DefectMalformedJSON200: {rule: fuzz.RuleNegativeAccepted, operation: "patchUserProfiles", minimal: func(b string) bool {
		return b == "{"
	}},
	mock.DefectEmptyRequestedBy: {rule: fuzz.RuleNegativeAccepted, operation: "patchUsers", minimal: emptyUsers},
	mock.DefectUID36:            {rule: fuzz.RuleResponseInvalid, operation: "patchUser", minimal: emptyUser},
	mock.DefectJobWithoutJobStatus: {rule: fuzz.RuleResponseInvalid, operation: "patchUserProfiles", minimal: func(b string) bool {
		return len(list(b, "user_profiles")) == mock.DefaultJobThreshold+1
	}},
	mock.DefectNoItemsReplyBothKeys: {rule: fuzz.RuleResponseInvalid, operation: "patchUserProfiles", minimal: func(b string) bool {
		return object(b) != nil && len(object(b)) == 0
	}},
	mock.DefectRecordErrorsString: {rule: fuzz.RuleResponseInvalid, operation: "patchUserProfiles", minimal: func(b string) bool {
		return len(object(b)) == 1 && len(list(b, "user_profiles")) <= 1
	}},
	mock.DefectOIGTextPlainReply: {rule: fuzz.RuleResponseInvalid, operation: "patchUsers", minimal: emptyUsers},
	mock.DefectAnyPassword:       {rule: fuzz.RuleNegativeAccepted, operation: "putUsers", minimal: emptyUsers},
	mock.DefectBearerAccepted:    {rule: fuzz.RuleNegativeAccepted, operation: "putUsers", minimal: emptyUsers},
	mock.DefectUnknownID500:      {rule: fuzz.RuleServerError, operation: "patchUser", minimal: emptyUser},
	mock.DefectForgetsUpdatedUser: {miss: "the spec documents the 400 a forgotten record gets: every reply is a documented, valid one, " +
		"and nothing in the spec says an update keeps the record"},
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
