package sender_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/suites/internal/harness"
)

var h *harness.Harness

func TestSender(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Sender behaviour suite")
}

var _ = BeforeSuite(func() { h = harness.New() })

var _ = ReportAfterSuite("every client and input requirement has one spec", func(r Report) {
	harness.CheckCoverage(r, "client", "input")
})
