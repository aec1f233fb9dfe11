package vapid_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/suites/internal/harness"
)

var h *harness.Harness

func TestVAPID(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "VAPID suite")
}

var _ = BeforeSuite(func() { h = harness.New() })

var _ = ReportAfterSuite("every vapid requirement has one spec", func(r Report) {
	harness.CheckCoverage(r, "vapid")
})
