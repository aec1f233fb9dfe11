package load_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/fakes/pushservice"
	"github.com/pushspec/pushspec/loadgen"
	"github.com/pushspec/pushspec/suites/internal/labels"
	"github.com/pushspec/pushspec/webpush"
)

// ledger is what the fake received: each sequence number with how often
// it came, and any message it did not accept or could not judge clean.
type ledger struct {
	mu     sync.Mutex
	count  map[uint64]int
	faults []string
}

func (l *ledger) onMessage(m pushservice.Message) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, f := range m.Findings {
		if f.Verdict == checks.Fail || f.Verdict == checks.Warn {
			l.faults = append(l.faults, fmt.Sprintf("%s %s: %s", f.Requirement, f.Verdict,
				f.Detail))
		}
	}
	seq, ok := loadgen.PayloadSeq(m.Payload)
	if !ok || m.Status != http.StatusCreated {
		l.faults = append(l.faults, fmt.Sprintf("status %d, payload %d octets decrypted",
			m.Status, len(m.Payload)))
		return
	}
	l.count[seq]++
}

// lostAndTwice returns the sequence numbers below n never received, and
// those received more than once.
func (l *ledger) lostAndTwice(n uint64) (lost, twice []uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for seq := range n {
		switch l.count[seq] {
		case 0:
			lost = append(lost, seq)
		case 1:
		default:
			twice = append(twice, seq)
		}
	}
	for seq := range l.count {
		if seq >= n {
			twice = append(twice, seq) // never sent
		}
	}
	slices.Sort(twice)
	return lost, twice
}

// startFake starts a fake push service over TLS or not, with subscriptions
// restricted to a new VAPID key, and returns it with a Sender of that key.
func startFake(useTLS bool, n int, configure func(*pushservice.Server)) (*pushservice.Server,
	[]webpush.Subscription, *webpush.Sender) {
	fake := pushservice.NewUnstartedServer(func(s *pushservice.Server) {
		s.KeepMessages = 1
		s.Logger = nil
		configure(s)
	})
	start := fake.Start
	if useTLS {
		start = fake.StartTLS
	}
	Expect(start()).To(Succeed())
	DeferCleanup(fake.Close)

	vk, err := webpush.GenerateVAPIDKey(nil)
	Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	subs, err := loadgen.Subscribe(ctx, fake.Client(), fake.URL(), n, vk.PublicKey(), "")
	Expect(err).NotTo(HaveOccurred())
	return fake, subs, &webpush.Sender{VAPID: vk, Subject: "mailto:load@pushspec.dev"}
}

func tlsConfig(fake *pushservice.Server) *http.Transport {
	return fake.Client().Transport.(*http.Transport)
}

var _ = Describe("RFC 8030 §5 push at a sustained rate", Label(labels.Load), Serial, func() {
	DescribeTable("the push service receives exactly the messages sent, none lost, none twice",
		func(ctx SpecContext, mode loadgen.Mode, useTLS, http2 bool) {
			const requests = 1200
			l := &ledger{count: map[uint64]int{}}
			fake, subs, sender := startFake(useTLS, 20, func(s *pushservice.Server) {
				s.OnMessage = l.onMessage
			})
			pool, err := loadgen.NewPool(subs)
			Expect(err).NotTo(HaveOccurred())
			a := &loadgen.Attack{Pool: pool, Sender: sender, Mode: mode, HTTP2: http2,
				Message:  webpush.Message{TTL: 60, Urgency: webpush.UrgencyNormal},
				Pacer:    vegeta.Rate{Freq: 400, Per: time.Second},
				Requests: requests, Duration: time.Minute}
			if useTLS {
				a.TLSConfig = tlsConfig(fake).TLSClientConfig
			}

			results := 0
			run, err := a.Run(ctx, func(r *vegeta.Result) error {
				results++
				return nil
			})
			Expect(err).NotTo(HaveOccurred())
			GinkgoWriter.Printf("%s: %d requests, %v, %d encrypted, process CPU %s "+
				"(generator and fake together)\n",
				run.Name, run.Requests, run.Outcomes, run.Encrypted, run.CPU)

			Expect(run.Requests).To(BeEquivalentTo(requests))
			Expect(results).To(Equal(requests), "vegeta's results")
			Expect(run.Outcomes).To(HaveKeyWithValue(loadgen.Accepted, uint64(requests)),
				"every request answered 201")
			l.mu.Lock()
			Expect(l.faults).To(BeEmpty(), "every message decrypted and judged clean")
			l.mu.Unlock()
			lost, twice := l.lostAndTwice(requests)
			Expect(lost).To(BeEmpty(), "messages sent that the fake never received")
			Expect(twice).To(BeEmpty(), "messages the fake received twice, or never sent")
		},
		Entry("inline, HTTP/1.1", loadgen.Inline, false, false, SpecTimeout(2*time.Minute)),
		Entry("pre-encrypted, HTTP/2 over TLS", loadgen.PreEncrypted, true, true,
			SpecTimeout(2*time.Minute)),
	)
})

var _ = Describe("The fake push service's capacity", Label(labels.Load), Serial, func() {
	It("is measured with and without inspection, and reported", func(ctx SpecContext) {
		// The constant mode sends bodies encrypted beforehand, so that the
		// generator costs little beside the fake; every body is still
		// valid, and the inspecting fake decrypts and verifies each one.
		var lines []string
		for _, skip := range []bool{false, true} {
			fake, subs, sender := startFake(false, 20, func(s *pushservice.Server) {
				s.SkipInspection = skip
			})
			pool, err := loadgen.NewPool(subs)
			Expect(err).NotTo(HaveOccurred())
			a := &loadgen.Attack{Pool: pool, Sender: sender, Mode: loadgen.Constant,
				Message: webpush.Message{TTL: 60}, Pacer: vegeta.ConstantPacer{},
				MaxWorkers: 32, Duration: 3 * time.Second}
			rep := loadgen.NewReport("capacity")
			run, err := a.Run(ctx, func(r *vegeta.Result) error {
				rep.Add(r)
				return nil
			})
			Expect(err).NotTo(HaveOccurred())
			rep.Close()
			s := rep.Summary()
			Expect(s.Outcomes).To(HaveKeyWithValue(loadgen.Accepted, run.Requests))

			what := "inspecting every message (ECDH, decrypt, VAPID verify)"
			if skip {
				what = "without inspection (SkipInspection: HTTP alone)"
			}
			line := fmt.Sprintf("%s: %.0f messages/s accepted, p50 %.2fms, p99 %.2fms "+
				"(%d requests in 3s, 32 workers, generator in the same process)", what,
				s.Throughput, s.Latency.P50, s.Latency.P99, s.Requests)
			lines = append(lines, line)
			AddReportEntry("fake capacity, "+what, line)
			fake.Close()
		}
		GinkgoWriter.Println("The fake push service's capacity on this machine:")
		for _, l := range lines {
			GinkgoWriter.Println("  " + l)
		}
	}, SpecTimeout(2*time.Minute))
})
