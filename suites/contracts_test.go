package suites_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/validator"
)

// The validator is built once for the whole suite: building compiles every schema.
var v *validator.Validator

var _ = BeforeSuite(func(ctx SpecContext) {
	var err error
	v, err = validator.Default(ctx, validator.Options{})
	Expect(err).NotTo(HaveOccurred())
})

// contractEntries globs the embedded contracts into table entries while the spec tree is being
// built, so that each file is an entry of its own, named prefix and its path, labelled labels and
// by spec, operation and kind. The files are parsed inside the entries: a broken file fails its
// entry and no other.
func contractEntries(prefix string, labels ...string) []TableEntry {
	paths, err := contracts.Glob(contracts.Embedded())
	if err != nil {
		return nil // the spec "finds the contract files" reports the error
	}
	entries := make([]TableEntry, 0, len(paths))
	for _, p := range paths {
		l := labels
		if loc, err := contracts.ParsePath(p); err == nil {
			l = append(slices.Clip(labels), loc.Spec, loc.Operation, string(loc.Kind))
		}
		entries = append(entries, Entry(prefix+p, Label(l...), p))
	}
	return entries
}

var _ = Describe("Contracts", Label("offline"), func() {
	DescribeTable("the validator's verdict on each contract",
		func(ctx SpecContext, path string) {
			c, err := contracts.Load(contracts.Embedded(), path)
			Expect(err).NotTo(HaveOccurred())
			ex, err := c.Exchange()
			Expect(err).NotTo(HaveOccurred())
			if err := c.Check(v.Validate(ctx, ex)); err != nil {
				Fail(err.Error()) // the message lists every difference; a dump of the error adds nothing
			}
		},
		contractEntries("contracts/", "offline"),
	)

	It("finds the contract files", func() {
		paths, err := contracts.Glob(contracts.Embedded())
		Expect(err).NotTo(HaveOccurred())
		Expect(paths).NotTo(BeEmpty())
	})

	It("exercises every rule where it applies, and only known rules", func() {
		all := loadAll()
		ops := operationIDs()

		known := map[string]bool{}
		for _, r := range validator.Rules {
			known[r.ID] = true
		}
		for id := range scopes {
			Expect(known).To(HaveKey(id), "the scope table names %q, which is not in validator.Rules", id)
		}

		exercised := map[string]map[string][]string{} // rule → operation → contract paths
		for _, c := range all {
			for _, want := range c.Expect.Violations {
				Expect(known).To(HaveKey(want.Rule), "%s expects unknown rule %q", c.Path, want.Rule)
				if exercised[want.Rule] == nil {
					exercised[want.Rule] = map[string][]string{}
				}
				exercised[want.Rule][c.Operation] = append(exercised[want.Rule][c.Operation], c.Path)
			}
		}

		var problems []string
		for _, r := range validator.Rules {
			applies := ops
			if s, ok := scopes[r.ID]; ok {
				applies = s.ops
			}
			for _, op := range applies {
				if len(exercised[r.ID][op]) == 0 {
					problems = append(problems, fmt.Sprintf("no contract of %s expects %s", op, r.ID))
				}
			}
			for op, paths := range exercised[r.ID] {
				if !slices.Contains(applies, op) {
					problems = append(problems, fmt.Sprintf("%s expects %s, which the scope table says does not apply to %s (%s)", paths[0], r.ID, op, scopes[r.ID].why))
				}
			}
		}
		if len(problems) > 0 {
			sort.Strings(problems)
			Fail(strings.Join(problems, "\n"))
		}
	})

	It("has documented, valid and invalid contracts for every operation of the embedded specs", func() {
		have := map[string]map[contracts.Kind]int{}
		for _, c := range loadAll() {
			if have[c.Operation] == nil {
				have[c.Operation] = map[contracts.Kind]int{}
			}
			have[c.Operation][c.Kind]++
		}
		for _, op := range operationIDs() {
			for _, k := range []contracts.Kind{contracts.KindDocumented, contracts.KindValid, contracts.KindInvalid} {
				Expect(have[op][k]).To(BeNumerically(">", 0), "operation %s has no %s contract", op, k)
			}
		}
		for op := range have {
			Expect(operationIDs()).To(ContainElement(op), "contracts name operation %s, which no embedded spec defines", op)
		}
	})
})

// scope tells where a rule applies among the four operations, and why not elsewhere. Rules
// missing from scopes apply to every operation.
type scope struct {
	ops []string
	why string
}

// proxyRule says why a rule of specgate proxy's own has no contract: contracts are exchanges the
// validator checks, and these rules judge how a request was sent; the adversarial suite of
// internal/proxy (hostile_test.go) sends every shape that breaks them.
const proxyRule = "a rule of specgate proxy's own, on how a request was sent; internal/proxy's adversarial suite exercises it"

var scopes = map[string]scope{
	validator.RuleRequestSecurityMissing: {
		ops: []string{"patchUsers", "putUsers"},
		why: "only the OIG spec declares security (HTTP basic); the NERM pages declare none",
	},
	validator.RuleRequestParamMissing: {
		ops: []string{"patchUsers"},
		why: "X-Requested-By of OIG PATCH is the only required parameter that can be absent; a request without the id of /users/{id} does not reach the operation",
	},
	validator.RuleRequestParamFormat: {
		ops: []string{"patchUser"},
		why: "the id (uuid) of /users/{id} is the only parameter with a format",
	},
	validator.RuleRequestParamSchema: {
		ops: []string{"patchUsers"},
		why: "X-Requested-By (minLength 1) is the only parameter constrained beyond its format; the uuid id is a plain string otherwise",
	},
	validator.RuleRequestBodyReadOnly: {
		why: "no request schema has a readOnly property (only reply schemas do)",
	},
	validator.RuleResponseHeaderMissing: {
		why: "no response declares a required header: ResponseTime, the only one, is optional",
	},
	validator.RuleResponseHeaderSchema: {
		why: "ResponseTime, the only response header, is a string without constraints, which every header value satisfies",
	},
	validator.RuleResponseBodyWriteOnly: {
		why: "no reply schema has a writeOnly property: the writeOnly id of PATCH /users/{id} is in its request schema only",
	},
	validator.RuleRequestBodyEncoding: {
		why: proxyRule,
	},
	validator.RuleRequestPathNonCanonical: {
		why: proxyRule,
	},
	validator.RuleRequestOverride: {
		why: proxyRule,
	},
	validator.RuleRequestAmbiguous: {
		why: proxyRule,
	},
}

// loadAll loads every embedded contract; any that does not load fails the spec, its own table
// entry says why.
func loadAll() []*contracts.Contract {
	paths, err := contracts.Glob(contracts.Embedded())
	Expect(err).NotTo(HaveOccurred())
	out := make([]*contracts.Contract, 0, len(paths))
	for _, p := range paths {
		c, err := contracts.Load(contracts.Embedded(), p)
		Expect(err).NotTo(HaveOccurred())
		out = append(out, c)
	}
	return out
}

// operationIDs lists the operationIds of the embedded specs, sorted.
func operationIDs() []string {
	var ids []string
	for _, op := range v.Operations() {
		ids = append(ids, op.ID)
	}
	sort.Strings(ids)
	return ids
}
