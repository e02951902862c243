// Package clients_test is the suite of the vendors' own clients: the requests SailPoint's
// generated Go SDK (the NERM package of sailpoint-oss/golang-sdk) sends and the cURL examples
// of Oracle's OIG pages, sent as those clients send them through `specgate proxy` (enforce
// mode, recording) to `specgate mock`, both run in-process as the commands a user types, on
// loopback ports. Every spec is labelled clients and live.
//
//	go tool ginkgo --label-filter=clients -r ./suites
package clients_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestClients(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "specgate vendor clients")
}
