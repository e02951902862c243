// Package live_test holds specgate's live suite: `specgate mock` and `specgate proxy` run
// in-process on loopback ports, every contract is replayed through the proxy, and the specs
// assert the verdicts the proxy logs, the byte-for-byte pass-through of report mode, the
// answers of enforce mode, the metrics and the recording read back by `specgate validate`.
// Every spec is labelled live; nothing leaves 127.0.0.1.
//
//	go test ./suites/...
//	go tool ginkgo --label-filter=live -r
package live_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestLive(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "specgate live suite")
}
