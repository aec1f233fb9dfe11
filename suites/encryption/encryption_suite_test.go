package encryption_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/suites/internal/harness"
)

var h *harness.Harness

func TestEncryption(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Encryption suite")
}

var _ = BeforeSuite(func() { h = harness.New() })

var _ = ReportAfterSuite("every ece and legacy requirement has one spec", func(r Report) {
	harness.CheckCoverage(r, "ece", "legacy")
})
