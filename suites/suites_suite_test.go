// Package suites_test holds specgate's Ginkgo suites: they exercise the toolkit as its users
// do, from the outside, with the data in contracts/. Run them with `go test ./suites/...` or
// `go tool ginkgo -r`; every spec is labelled offline, since none reaches the network.
package suites_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestSuites(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "specgate suites")
}
