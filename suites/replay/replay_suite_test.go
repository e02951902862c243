// Package replay_test replays the request of every contract against a deployment and checks each
// response against the specs, as `specgate replay` does. Its specs are labelled live: they run
// against the deployment at SPECGATE_TARGET when it is set (credentials from SPECGATE_USER and
// SPECGATE_PASSWORD, or SPECGATE_TOKEN), and otherwise against `specgate mock` served in-process
// on the loopback interface, so that the suite also runs offline and in CI.
package replay_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestReplay(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "specgate replay")
}
