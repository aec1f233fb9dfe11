package service_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/fakes/pushservice"
	"github.com/pushspec/pushspec/probe"
	"github.com/pushspec/pushspec/reports"
	"github.com/pushspec/pushspec/suites/internal/harness"
)

var svc *probe.Service

func TestService(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Push service suite")
}

var _ = BeforeSuite(func() {
	info := reports.SenderInfo{Kind: "service", Profile: os.Getenv("PUSHSPEC_PROFILE")}
	if info.Profile == "" {
		info.Profile = string(checks.ProfileRFC)
	}
	if url := os.Getenv("PUSHSPEC_SERVICE"); url != "" {
		client := &http.Client{Timeout: 30 * time.Second}
		if ca := os.Getenv("PUSHSPEC_SERVICE_CA"); ca != "" {
			pem, err := os.ReadFile(ca)
			Expect(err).NotTo(HaveOccurred(), "reading $PUSHSPEC_SERVICE_CA")
			pool := x509.NewCertPool()
			Expect(pool.AppendCertsFromPEM(pem)).To(BeTrue(), "no certificate in %s", ca)
			client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool},
				ForceAttemptHTTP2: true}
		}
		svc = &probe.Service{URL: url, Client: client, Token: os.Getenv("PUSHSPEC_SERVICE_TOKEN")}
		info.Name, info.Version = url, "(external)"
	} else {
		fake := pushservice.NewTLSServer(func(s *pushservice.Server) {
			s.Profile = checks.Profile(info.Profile)
		})
		DeferCleanup(fake.Close)
		svc = &probe.Service{URL: fake.URL(), Client: fake.Client()}
		info.Name, info.Version = "pushspec fake push service", "devel"
	}
	AddReportEntry(reports.SenderEntryName, info, ReportEntryVisibilityNever)
	startProfiles()
})

var _ = ReportAfterSuite("every svc and vendor requirement has one spec", func(r Report) {
	harness.CheckCoverage(r, "svc", "vendor")
})
