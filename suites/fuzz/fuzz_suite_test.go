// Package fuzz_test runs specgate's generated contract tests (package fuzz) against `specgate
// mock` on the loopback interface: once as the mock is, where nothing may fail, and once with
// each of the mock's test-only defects seeded alone, where fuzz must find the defect within
// 2,000 requests and report a minimal reproducer.
package fuzz_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestFuzz(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "specgate fuzz")
}
