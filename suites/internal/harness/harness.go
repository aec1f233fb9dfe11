package harness

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/fakes/pushservice"
	"github.com/pushspec/pushspec/reports"
	"github.com/pushspec/pushspec/senders"
	"github.com/pushspec/pushspec/webpush"
)

// SenderEnv names the environment variable that picks the sender under test.
const SenderEnv = "PUSHSPEC_SENDER"

// DefaultSubject is the VAPID contact the harness asks senders to sign with.
const DefaultSubject = "mailto:webpush-ops@pushspec.dev"

// sendTimeout bounds every single send.
const sendTimeout = 30 * time.Second

// A Harness is one sender under test and the fake push service it sends to.
type Harness struct {
	Sender senders.Sender
	Hello  senders.Hello
	Fake   *pushservice.Server
	// Fake2 is a second push service on another origin, for the cases that
	// interleave two; it shares Fake's CA.
	Fake2   *pushservice.Server
	VAPID   *webpush.VAPIDKey
	Profile checks.Profile

	mu   sync.Mutex
	runs map[string]*runOnce
}

type runOnce struct {
	once sync.Once
	run  *Run
}

// SenderName is the sender under test: $PUSHSPEC_SENDER, or "pushspec".
func SenderName() string {
	if name := os.Getenv(SenderEnv); name != "" {
		return name
	}
	return "pushspec"
}

// OpenSender opens the sender under test with env and registers its Close
// with Ginkgo. It fails the suite when the sender cannot be opened.
// A sender that cannot start becomes one whose every request fails with
// the reason, so that every spec reports it.
func OpenSender(env senders.Env) senders.Sender {
	env.Stderr = ginkgo.GinkgoWriter
	sender, err := senders.Open(SenderName(), env)
	if err != nil {
		fmt.Fprintf(ginkgo.GinkgoWriter, "the sender did not start: %v\n", err)
		return senders.Failed(SenderName(), err)
	}
	ginkgo.DeferCleanup(sender.Close)
	return sender
}

// New starts a TLS fake push service (HTTP/2) and opens the sender under
// test, and registers their cleanup with Ginkgo. Call it in BeforeSuite.
func New() *Harness {
	fake := pushservice.NewUnstartedServer(func(s *pushservice.Server) {
		s.KeepMessages = 10000
	})
	if err := fake.StartTLS(); err != nil {
		ginkgo.Fail("starting the fake push service: " + err.Error())
	}
	ginkgo.DeferCleanup(fake.Close)
	fake2 := pushservice.NewUnstartedServer(pushservice.WithCAOf(fake))
	if err := fake2.StartTLS(); err != nil {
		ginkgo.Fail("starting the second fake push service: " + err.Error())
	}
	ginkgo.DeferCleanup(fake2.Close)

	caFile, err := fake.WriteCA(ginkgo.GinkgoT().TempDir())
	if err != nil {
		ginkgo.Fail(err.Error())
	}
	sender := OpenSender(senders.Env{Client: fake.Client(), CAFile: caFile})

	vk, err := webpush.GenerateVAPIDKey(nil)
	if err != nil {
		ginkgo.Fail(err.Error())
	}
	h := &Harness{Sender: sender, Hello: sender.Hello(), Fake: fake, Fake2: fake2, VAPID: vk,
		Profile: checks.ProfileRFC, runs: map[string]*runOnce{}}
	ginkgo.AddReportEntry(reports.SenderEntryName, reports.SenderInfo{
		Name: h.Hello.Name, Version: h.Hello.Version, Encodings: h.Hello.Encodings,
		VAPIDSchemes: h.Hello.VAPIDSchemes, Profile: string(h.Profile),
	}, ginkgo.ReportEntryVisibilityNever)
	fmt.Fprintf(ginkgo.GinkgoWriter, "sender under test: %s %s\n", h.Hello.Name, h.Hello.Version)
	return h
}

// A Case is what a sender is asked to do: one message, or Count messages to
// one subscription.
type Case struct {
	// Name identifies the case in reports and memoises its run.
	Name    string
	Payload []byte
	TTL     int
	Urgency string
	Topic   string
	// Encoding and Scheme, if set, are asked for explicitly; the sender
	// must declare support for them.
	Encoding   string
	Scheme     string
	RecordSize int
	// Subject is the VAPID sub; empty means DefaultSubject.
	Subject string
	// Count is the number of messages to one subscription; 0 means 1.
	Count int
	// MayRefuse marks a request that breaks a rule: a sender that refuses
	// it and sends nothing is right.
	MayRefuse bool
	// Host, if set, is the host:port of the endpoint handed to the sender,
	// another name for the fake (see pushservice.SubscriptionOptions).
	Host string
	// Answers, if set, are what the fake answers the case's messages, one
	// each, instead of judging them (see pushservice.Answer).
	Answers []pushservice.Answer
	// Mutate, if set, changes the subscription handed to the sender: a
	// broken key, for instance.
	Mutate func(*webpush.Subscription)
	// Faults, if set, are injected for the case's subscription before its
	// messages go (see pushservice.Fault).
	Faults []pushservice.Fault
}

func (c Case) count() int { return max(c.Count, 1) }

// Asked says what the sender is asked to send, for reports.
func (c Case) Asked() string {
	parts := []string{fmt.Sprintf("%d-octet payload", len(c.Payload)),
		fmt.Sprintf("TTL %d", c.TTL)}
	if c.Count > 1 {
		parts[0] = fmt.Sprintf("%d × %s", c.Count, parts[0])
	}
	for _, kv := range [][2]string{{"urgency", c.Urgency}, {"topic", c.Topic},
		{"encoding", c.Encoding}, {"scheme", c.Scheme}} {
		if kv[1] != "" {
			parts = append(parts, fmt.Sprintf("%s %q", kv[0], kv[1]))
		}
	}
	if c.RecordSize != 0 {
		parts = append(parts, fmt.Sprintf("record size %d", c.RecordSize))
	}
	parts = append(parts, fmt.Sprintf("sub %q", c.subject()))
	if c.Host != "" {
		parts = append(parts, "endpoint host "+c.Host)
	}
	return strings.Join(parts, ", ")
}

func (c Case) subject() string {
	if c.Subject == "" {
		return DefaultSubject
	}
	return c.Subject
}

// A Run is what happened when a sender was put through a Case.
type Run struct {
	Case Case
	// Unsupported, if set, says which declared capability the case needs
	// and the sender lacks; nothing was sent.
	Unsupported string
	Results     []senders.Result
	// Messages are what reached the fake, oldest first.
	Messages []pushservice.Message
	// Intents are, per message, the findings of comparing it with the case.
	Intents [][]checks.Finding
}

// Findings returns every finding of message i: the fake's and the intent's.
func (r *Run) Findings(i int) []checks.Finding {
	return append(append([]checks.Finding(nil), r.Messages[i].Findings...), r.Intents[i]...)
}

// unsupported says which capability of c the sender lacks, or "".
func (h *Harness) unsupported(c Case) string {
	hello := h.Hello
	switch {
	case c.Encoding != "" && !senders.Supports(hello.Encodings, c.Encoding):
		return "the sender does not send " + c.Encoding
	case c.Scheme != "" && !senders.Supports(hello.VAPIDSchemes, c.Scheme):
		return "the sender does not sign with the " + c.Scheme + " scheme"
	case c.Urgency != "" && !hello.Urgency:
		return "the sender does not set Urgency"
	case c.Topic != "" && !hello.Topic:
		return "the sender does not set Topic"
	case c.RecordSize != 0 && !hello.RecordSize:
		return "the sender does not let its caller set the record size"
	}
	return ""
}

// Run puts the sender through c once per suite and returns what happened.
func (h *Harness) Run(ctx context.Context, c Case) *Run {
	h.mu.Lock()
	o := h.runs[c.Name]
	if o == nil {
		o = &runOnce{}
		h.runs[c.Name] = o
	}
	h.mu.Unlock()
	o.once.Do(func() { o.run = h.run(ctx, c) })
	if o.run == nil {
		ginkgo.Fail("case " + c.Name + " did not complete in an earlier spec")
	}
	return o.run
}

func (h *Harness) run(ctx context.Context, c Case) *Run {
	r := &Run{Case: c}
	if r.Unsupported = h.unsupported(c); r.Unsupported != "" {
		return r
	}
	sub, err := h.Fake.NewSubscription(pushservice.SubscriptionOptions{
		ApplicationServerKey: h.VAPID.PublicKey(), Host: c.Host})
	if err != nil {
		ginkgo.Fail("creating a subscription: " + err.Error())
	}
	if len(c.Answers) > 0 {
		if err := h.Fake.Script(sub.ID, c.Answers...); err != nil {
			ginkgo.Fail(err.Error())
		}
	}
	for _, f := range c.Faults {
		f.Subscription = sub.ID
		if err := h.Fake.Inject(f); err != nil {
			ginkgo.Fail(err.Error())
		}
	}
	handed := sub.JSON()
	if c.Mutate != nil {
		c.Mutate(&handed)
	}
	req := senders.Request{
		Subscription: handed,
		Payload:      c.Payload,
		VAPID: &senders.VAPID{PublicKey: h.VAPID.PublicKeyString(),
			PrivateKey: h.VAPID.PrivateKeyString(), Subject: c.subject()},
		TTL: c.TTL, Urgency: c.Urgency, Topic: c.Topic, Encoding: c.Encoding,
		Scheme: c.Scheme, RecordSize: c.RecordSize,
	}
	for i := 0; i < c.count(); i++ {
		req.ID = fmt.Sprintf("%s-%d", c.Name, i)
		sctx, cancel := context.WithTimeout(ctx, sendTimeout)
		r.Results = append(r.Results, h.Sender.Send(sctx, req))
		cancel()
		if ctx.Err() != nil {
			ginkgo.Fail(fmt.Sprintf("case %s: %v after %d messages", c.Name, ctx.Err(), i))
		}
	}

	if r.Messages, err = h.Fake.Messages(sub.ID); err != nil {
		ginkgo.Fail(err.Error())
	}
	want := checks.Intent{Payload: c.Payload, TTL: c.TTL, Urgency: c.Urgency, Topic: c.Topic}
	for _, m := range r.Messages {
		r.Intents = append(r.Intents, checks.CheckIntent(m.Request, m.Result, want, h.Profile))
	}
	return r
}

// RandomPayload returns n random octets.
func RandomPayload(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// describe summarises what the sender reported for a run.
func describeResults(rs []senders.Result) (status int, outcome, errText string) {
	if len(rs) == 0 {
		return 0, "", ""
	}
	first := rs[0]
	return first.Status, string(first.Outcome), strings.TrimSpace(first.Error)
}
