package headers_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/suites/internal/harness"
)

var h *harness.Harness

func TestHeaders(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Headers suite")
}

var _ = BeforeSuite(func() { h = harness.New() })

var _ = ReportAfterSuite("every http requirement has one spec", func(r Report) {
	harness.CheckCoverage(r, "http")
})
