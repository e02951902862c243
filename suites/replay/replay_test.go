package replay_test

import (
	"net/http/httptest"
	"net/url"
	"os"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/internal/mock"
	"github.com/specgate/specgate/internal/replay"
	"github.com/specgate/specgate/internal/report"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

var (
	v      *validator.Validator
	target *url.URL
	auth   replay.Auth
)

var _ = BeforeSuite(func(ctx SpecContext) {
	docs, err := specs.Default(ctx)
	Expect(err).NotTo(HaveOccurred())
	v, err = validator.New(docs, validator.Options{})
	Expect(err).NotTo(HaveOccurred())
	if t := os.Getenv("SPECGATE_TARGET"); t != "" {
		target, err = url.Parse(t)
		Expect(err).NotTo(HaveOccurred(), "SPECGATE_TARGET is not a URL")
		auth = replay.Auth{User: os.Getenv("SPECGATE_USER"), Password: os.Getenv("SPECGATE_PASSWORD"), Token: os.Getenv("SPECGATE_TOKEN")}
		return
	}
	srv := httptest.NewServer(mock.New(mock.Options{}))
	DeferCleanup(srv.Close)
	auth = replay.Auth{User: "username", Password: "password"} // the mock's OIG credentials
	target, err = url.Parse(srv.URL)
	Expect(err).NotTo(HaveOccurred())
})

// caseEntries lists the cases while the tree is built, one entry per request, labelled live and
// by spec and operation.
func caseEntries() []TableEntry {
	cases, err := replay.Cases(contracts.Embedded())
	if err != nil {
		return nil // "finds requests to send" reports the error
	}
	entries := make([]TableEntry, 0, len(cases))
	for _, c := range cases {
		spec, _, _ := strings.Cut(c.Path, "/")
		entries = append(entries, Entry("contracts/"+c.Path, Label("live", spec, c.Contract.Operation), c))
	}
	return entries
}

var _ = Describe("Replay", Label("live"), func() {
	It("finds requests to send for every operation", func() {
		cases, err := replay.Cases(contracts.Embedded())
		Expect(err).NotTo(HaveOccurred())
		ops := map[string]bool{}
		for _, c := range cases {
			ops[c.Contract.Operation] = true
		}
		Expect(ops).To(HaveKey("patchUserProfiles"))
		Expect(ops).To(HaveKey("patchUser"))
		Expect(ops).To(HaveKey("patchUsers"))
		Expect(ops).To(HaveKey("putUsers"))
	})

	DescribeTable("the deployment's response to each contract's request conforms to the specs",
		func(ctx SpecContext, c replay.Case) {
			var got []report.Entry
			err := replay.Run(ctx, v, []replay.Case{c}, "contracts", replay.Options{Target: target, Auth: auth}, func(e report.Entry) error {
				got = append(got, e)
				return nil
			})
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(HaveLen(1))
			Expect(got[0].Err).NotTo(HaveOccurred())
			Expect(got[0].Result.Violations).To(BeEmpty())
			Expect(got[0].Result.Valid()).To(BeTrue(), "out of scope: %s", got[0].Result.OutOfScope)
		},
		caseEntries(),
	)
})
