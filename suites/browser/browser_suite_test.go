package browser_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/browser"
	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/fakes/fcm"
	"github.com/pushspec/pushspec/fakes/pushservice"
	"github.com/pushspec/pushspec/senders"
	"github.com/pushspec/pushspec/suites/internal/harness"
	"github.com/pushspec/pushspec/webpush"
)

func TestBrowser(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Browser suite")
}

// e is the suite's one Chromium, its fake FCM, the fake push service of
// the cross-checks and the sender under test.
var e *env

type env struct {
	fake     *fcm.Server
	service  *pushservice.Server
	chromium *browser.Browser
	sender   senders.Sender
	hello    senders.Hello
	vapid    *webpush.VAPIDKey
	// client trusts both fakes, for the messages the harness builds itself.
	client *http.Client
}

var _ = BeforeSuite(func(ctx SpecContext) {
	log := slog.New(slog.NewTextHandler(GinkgoWriter,
		&slog.HandlerOptions{Level: slog.LevelDebug}))
	fake := fcm.NewUnstartedServer(func(s *fcm.Server) {
		s.Profile = checks.ProfileFCM
		s.Logger = log
	})
	Expect(fake.Start()).To(Succeed(), "starting the fake FCM")
	DeferCleanup(fake.Close)
	service := pushservice.NewUnstartedServer()
	Expect(service.StartTLS()).To(Succeed(), "starting the fake push service")
	DeferCleanup(service.Close)

	// One CA file and one client trust both fakes.
	pool := x509.NewCertPool()
	pems := append(append([]byte{}, fake.CAPEM()...), service.CAPEM()...)
	Expect(pool.AppendCertsFromPEM(pems)).To(BeTrue(), "reading the fakes' CAs")
	caFile := filepath.Join(GinkgoT().TempDir(), "ca.pem")
	Expect(os.WriteFile(caFile, pems, 0o644)).To(Succeed(), "writing the CA file")
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ForceAttemptHTTP2 = true
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	DeferCleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	sender := harness.OpenSender(senders.Env{Client: client, CAFile: caFile})
	vapid, err := webpush.GenerateVAPIDKey(nil)
	Expect(err).NotTo(HaveOccurred(), "making a VAPID key")

	chromium, err := browser.Start(ctx, fake, browser.Options{Logger: log})
	Expect(err).NotTo(HaveOccurred(), "starting Chromium")
	DeferCleanup(chromium.Close)

	e = &env{fake: fake, service: service, chromium: chromium, sender: sender,
		hello: sender.Hello(), vapid: vapid, client: client}
	fmt.Fprintf(GinkgoWriter, "%s on %s; sender under test: %s %s\n", chromium.Version(),
		chromium.Origin(), e.hello.Name, e.hello.Version)
}, NodeTimeout(3*time.Minute))

// A target is a push subscription of a new service worker scope in
// Chromium, with its endpoint rewritten to the fake FCM.
type target struct {
	sub *browser.Subscription
	// endpoint is the fake's loopback endpoint for the subscription's token.
	endpoint string
	device   uint64
}

// subscribe subscribes a new scope with the suite's VAPID key.
func subscribe(ctx context.Context) *target {
	sub, err := e.chromium.Subscribe(ctx, e.vapid.PublicKey())
	Expect(err).NotTo(HaveOccurred(), "subscribing in Chromium")
	endpoint, err := e.fake.Endpoint(sub.JSON.Endpoint)
	Expect(err).NotTo(HaveOccurred(), "mapping Chromium's endpoint to the fake FCM")
	device, err := e.fake.DeviceOf(sub.Token)
	Expect(err).NotTo(HaveOccurred(), "finding Chromium's device")
	fmt.Fprintf(GinkgoWriter, "subscribed scope %s: %s → %s\n", sub.Scope, sub.JSON.Endpoint,
		endpoint)
	return &target{sub: sub, endpoint: endpoint, device: device}
}

// subscription is what the sender gets: Chromium's keys, the fake's endpoint.
func (t *target) subscription() webpush.Subscription {
	s := t.sub.JSON
	s.Endpoint = t.endpoint
	return s
}

// next waits up to d for the next push event of the target.
func (t *target) next(ctx context.Context, d time.Duration) (browser.Push, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return t.sub.Received(ctx)
}

// stray returns a push event that arrives within grace, after the events
// a spec expected: there must be none.
func (t *target) stray(ctx context.Context) (browser.Push, bool) {
	p, err := t.next(ctx, grace)
	return p, err == nil
}

// offline holds the browser's MCS connection down: it must have logged in
// first, so that the scenario is a connection that drops.
func (t *target) offline(ctx context.Context) {
	Expect(e.fake.WaitConnected(ctx, t.device)).To(Succeed())
	Expect(e.fake.Disconnect(ctx, t.device)).To(Succeed())
	// However the spec ends, even by a failure, the browser is back online
	// for the next one. Reconnect is idempotent.
	DeferCleanup(func() { e.fake.Reconnect(t.device) })
}

func (t *target) online() {
	Expect(e.fake.Reconnect(t.device)).To(Succeed())
}

// lastMessage returns the fake's record of the last push to the target.
func (t *target) lastMessage() fcm.Message {
	msgs := e.fake.Messages(t.sub.Token)
	Expect(msgs).NotTo(BeEmpty(), "the fake FCM received no push for the token")
	return msgs[len(msgs)-1]
}
