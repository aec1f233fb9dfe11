package service_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/fakes/pushservice"
	"github.com/pushspec/pushspec/reports"
	"github.com/pushspec/pushspec/suites/internal/harness"
	"github.com/pushspec/pushspec/suites/internal/labels"
	"github.com/pushspec/pushspec/webpush"
)

// The vendor profiles of the fake: what each push service catches that the
// others let through. Each spec pushes to a fake under one profile (and
// sometimes another, for contrast) and checks the status and the body in
// that service's own shape.

var profiles = map[checks.Profile]*pushservice.Server{}

// startProfiles starts a fake under every profile; BeforeSuite calls it.
func startProfiles() {
	if os.Getenv("PUSHSPEC_SERVICE") != "" {
		return // the profiles are the fake's; an external service has its own
	}
	for _, p := range checks.Profiles {
		fake := pushservice.NewTLSServer(func(s *pushservice.Server) { s.Profile = p })
		DeferCleanup(fake.Close)
		profiles[p] = fake
	}
}

// answer is what a profile's fake answered one push.
type answer struct {
	status int
	header http.Header
	body   string
}

// A push is a valid message to a fresh subscription of a profile's fake,
// restricted to a fresh VAPID key, that the spec may change before it goes.
type push struct {
	fake *pushservice.Server
	sub  *pushservice.Subscription
	vk   *webpush.VAPIDKey
	req  *http.Request
}

func newPush(ctx context.Context, p checks.Profile, m webpush.Message) *push {
	fake := profiles[p]
	if fake == nil {
		Skip("profiles are the fake's: no profile specs against $PUSHSPEC_SERVICE")
	}
	vk, err := webpush.GenerateVAPIDKey(nil)
	Expect(err).NotTo(HaveOccurred())
	sub, err := fake.CreateSubscription(vk.PublicKey())
	Expect(err).NotTo(HaveOccurred())
	r, err := sub.JSON().Recipient()
	Expect(err).NotTo(HaveOccurred())
	sender := &webpush.Sender{VAPID: vk, Subject: "mailto:webpush-ops@pushspec.dev"}
	req, err := sender.NewRequest(ctx, r, m)
	Expect(err).NotTo(HaveOccurred())
	return &push{fake: fake, sub: sub, vk: vk, req: req}
}

// sign replaces the token with one of these claims, signed by key.
func (p *push) sign(key *webpush.VAPIDKey, claims webpush.Claims) *push {
	tok, err := key.Sign(claims)
	Expect(err).NotTo(HaveOccurred())
	p.req.Header.Set("Authorization", webpush.AuthorizationHeader(webpush.SchemeVAPID, tok,
		key.PublicKeyString()))
	return p
}

// claims are valid claims for the push's endpoint, with subject sub.
func (p *push) claims(sub string) webpush.Claims {
	return webpush.Claims{Audience: p.fake.URL(), Expiry: time.Now().Add(time.Hour), Subject: sub}
}

// body replaces the body with a valid aes128gcm message of size octets, in
// one record (rs = size), which webpush.Sender would refuse to make.
func (p *push) body(size int) *push {
	r, err := p.sub.JSON().Recipient()
	Expect(err).NotTo(HaveOccurred())
	eph, err := ecdh.P256().GenerateKey(rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	secret, err := eph.ECDH(r.P256DH)
	Expect(err).NotTo(HaveOccurred())
	salt := make([]byte, 16)
	rand.Read(salt)
	asPublic := eph.PublicKey().Bytes()
	cek, nonce := webpush.DeriveContentKeys(webpush.WebPushIKM(secret, r.Auth, r.P256DHBytes,
		asPublic), salt)
	h := webpush.Header{Salt: salt, RecordSize: uint32(size), KeyID: asPublic}.Append(nil)
	b, err := webpush.SealRecords(h, cek, nonce, size, make([]byte, size-len(h)-17), 0)
	Expect(err).NotTo(HaveOccurred())
	Expect(b).To(HaveLen(size))
	p.req.Body, p.req.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	p.req.GetBody = nil
	return p
}

func (p *push) send() answer {
	resp, err := p.fake.Client().Do(p.req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func jsonField(a answer, field string) any {
	var m map[string]any
	Expect(json.Unmarshal([]byte(a.body), &m)).To(Succeed(), "body %s", a.body)
	return m[field]
}

var valid = webpush.Message{Payload: []byte("profile"), TTL: 60}

// record gives a vendor requirement the verdict the spec observed.
func record(id string, pass bool, detail string) {
	v := checks.Pass
	if !pass {
		v = checks.Fail
	}
	harness.Record(id, []reports.Scenario{{Name: "the fake under its profile", Verdict: v,
		Detail: detail}})
}

var _ = Describe("FCM profile", Label("vendor:fcm"), func() {
	It("answers a key other than the subscribe-time one with 403 and a plain-text reason",
		func(ctx SpecContext) {
			p := newPush(ctx, checks.ProfileFCM, valid)
			other, _ := webpush.GenerateVAPIDKey(nil)
			a := p.sign(other, p.claims("mailto:webpush-ops@pushspec.dev")).send()
			Expect(a.status).To(Equal(403))
			Expect(a.header.Get("Content-Type")).To(HavePrefix("text/plain"))
			Expect(a.body).To(ContainSubstring("vapid.k.matches_subscription"))
		})

	It("answers a push without VAPID with 403 as well", func(ctx SpecContext) {
		p := newPush(ctx, checks.ProfileFCM, valid)
		p.req.Header.Del("Authorization")
		Expect(p.send().status).To(Equal(403))
	})

	It("refuses Urgency: very-low, which the RFC allows", labels.For("vendor.fcm.urgency"),
		func(ctx SpecContext) {
			low := webpush.Message{Payload: []byte("x"), TTL: 60, Urgency: "very-low"}
			fcm := newPush(ctx, checks.ProfileFCM, low).send()
			rfc := newPush(ctx, checks.ProfileRFC, low).send()
			record("vendor.fcm.urgency", fcm.status == 400 && rfc.status == 201,
				"Urgency: very-low gets "+http.StatusText(fcm.status)+" under fcm, "+
					http.StatusText(rfc.status)+" under rfc")
		})

	It("answers 410 for an unsubscribed endpoint", func(ctx SpecContext) {
		p := newPush(ctx, checks.ProfileFCM, valid)
		Expect(p.fake.DeleteSubscription(p.sub.ID)).To(Succeed())
		Expect(p.send().status).To(Equal(410))
	})
})

var _ = Describe("Mozilla profile", Label("vendor:mozilla"), func() {
	It("answers any VAPID fault with 401 and errno 109", func(ctx SpecContext) {
		p := newPush(ctx, checks.ProfileMozilla, valid)
		c := p.claims("mailto:webpush-ops@pushspec.dev")
		c.Expiry = time.Now().Add(-time.Minute)
		a := p.sign(p.vk, c).send()
		Expect(a.status).To(Equal(401))
		Expect(jsonField(a, "errno")).To(BeEquivalentTo(109))
	})

	It("answers a missing TTL with errno 111 and an invalid topic with errno 113",
		func(ctx SpecContext) {
			p := newPush(ctx, checks.ProfileMozilla, valid)
			p.req.Header.Del("TTL")
			a := p.send()
			Expect(a.status).To(Equal(400))
			Expect(jsonField(a, "errno")).To(BeEquivalentTo(111))

			p = newPush(ctx, checks.ProfileMozilla, valid)
			p.req.Header.Set("Topic", "not valid!")
			Expect(jsonField(p.send(), "errno")).To(BeEquivalentTo(113))
		})

	It("takes bodies up to 5630 octets and refuses more with 413 and errno 104",
		func(ctx SpecContext) {
			Expect(newPush(ctx, checks.ProfileMozilla, valid).body(5000).send().status).
				To(Equal(201))
			a := newPush(ctx, checks.ProfileMozilla, valid).body(5700).send()
			Expect(a.status).To(Equal(413))
			Expect(jsonField(a, "errno")).To(BeEquivalentTo(104))
			Expect(newPush(ctx, checks.ProfileRFC, valid).body(5000).send().status).
				To(Equal(413), "the rfc profile keeps to 4096")
		})

	It("clamps the TTL to 30 days and says so", func(ctx SpecContext) {
		a := newPush(ctx, checks.ProfileMozilla,
			webpush.Message{Payload: []byte("x"), TTL: 60 * 24 * 3600}).send()
		Expect(a.status).To(Equal(201))
		Expect(a.header.Get("TTL")).To(Equal("2592000"))
	})

	It("ignores Urgency: a low message reaches a user agent that wants only high ones",
		func(ctx SpecContext) {
			for p, want := range map[checks.Profile]int{checks.ProfileMozilla: 1,
				checks.ProfileRFC: 0} {
				q := newPush(ctx, p, webpush.Message{Payload: []byte("x"), TTL: 60,
					Urgency: "low"})
				Expect(q.fake.SetConnected(q.sub.ID, true, "high")).To(Succeed())
				Expect(q.send().status).To(Equal(201))
				got, err := q.fake.Read(q.sub.ID, 0, 0)
				Expect(err).NotTo(HaveOccurred())
				Expect(got).To(HaveLen(want), "profile %s", p)
			}
		})

	It("refuses Encryption beside aes128gcm, which the rfc profile only warns about",
		func(ctx SpecContext) {
			salt := "salt=" + webpush.EncodeBase64(make([]byte, 16))
			moz := newPush(ctx, checks.ProfileMozilla, valid)
			moz.req.Header.Set("Encryption", salt)
			Expect(moz.send().status).To(Equal(400))
			rfc := newPush(ctx, checks.ProfileRFC, valid)
			rfc.req.Header.Set("Encryption", salt)
			Expect(rfc.send().status).To(Equal(201))
		})
})

var _ = Describe("Apple profile", Label("vendor:apple"), func() {
	It("refuses sub mailto:mailto:, which Mozilla accepts", func(ctx SpecContext) {
		p := newPush(ctx, checks.ProfileApple, valid)
		a := p.sign(p.vk, p.claims("mailto:mailto:webpush-ops@pushspec.dev")).send()
		Expect(a.status).To(Equal(403))
		Expect(jsonField(a, "reason")).To(Equal("BadJwtToken"))
		m := newPush(ctx, checks.ProfileMozilla, valid)
		Expect(m.sign(m.vk, m.claims("mailto:mailto:webpush-ops@pushspec.dev")).send().status).
			To(Equal(201))
	})

	It("refuses a token without sub, or with a contact at localhost", func(ctx SpecContext) {
		for _, sub := range []string{"", "mailto:admin@localhost"} {
			p := newPush(ctx, checks.ProfileApple, valid)
			a := p.sign(p.vk, p.claims(sub)).send()
			Expect(a.status).To(Equal(403), "sub %q", sub)
			Expect(jsonField(a, "reason")).To(Equal("BadJwtToken"))
		}
	})

	It("refuses a topic whose length no base64 has", func(ctx SpecContext) {
		p := newPush(ctx, checks.ProfileApple, webpush.Message{Payload: []byte("x"), TTL: 60,
			Topic: "abcde"})
		a := p.send()
		Expect(a.status).To(Equal(400))
		Expect(jsonField(a, "reason")).To(Equal("BadWebPushTopic"))
	})

	It("answers another key than the subscription's with VapidPkHashMismatch",
		func(ctx SpecContext) {
			p := newPush(ctx, checks.ProfileApple, valid)
			other, _ := webpush.GenerateVAPIDKey(nil)
			a := p.sign(other, p.claims("mailto:webpush-ops@pushspec.dev")).send()
			Expect(a.status).To(Equal(403))
			Expect(jsonField(a, "reason")).To(Equal("VapidPkHashMismatch"))
		})

	It("refuses more than 4096 octets with PayloadTooLarge", func(ctx SpecContext) {
		a := newPush(ctx, checks.ProfileApple, valid).body(4200).send()
		Expect(a.status).To(Equal(413))
		Expect(jsonField(a, "reason")).To(Equal("PayloadTooLarge"))
	})
})

var _ = Describe("WNS profile", Label("vendor:wns"), func() {
	It("answers 411 to a body without Content-Length", func(ctx SpecContext) {
		p := newPush(ctx, checks.ProfileWNS, valid)
		b, _ := io.ReadAll(p.req.Body)
		p.req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b))) // length unknown
		p.req.ContentLength, p.req.GetBody = -1, nil
		a := p.send()
		Expect(a.status).To(Equal(411))
		Expect(a.header.Get("X-WNS-Error-Description")).To(ContainSubstring(
			"http.content_length"))
	})

	It("refuses TTL 0 without X-WNS-Cache-Policy: no-cache",
		labels.For("vendor.wns.ttl0_cache"), func(ctx SpecContext) {
			zero := webpush.Message{Payload: []byte("x"), TTL: 0}
			without := newPush(ctx, checks.ProfileWNS, zero).send()
			with := newPush(ctx, checks.ProfileWNS, zero)
			with.req.Header.Set("X-WNS-Cache-Policy", "no-cache")
			withStatus := with.send().status
			record("vendor.wns.ttl0_cache", without.status == 400 && withStatus == 201,
				"TTL 0 gets "+http.StatusText(without.status)+" without the header and "+
					http.StatusText(withStatus)+" with it")
		})

	It("refuses a Crypto-Key in any form but the canonical one", func(ctx SpecContext) {
		legacy := webpush.Message{Payload: []byte("x"), TTL: 60, Encoding: webpush.AESGCM}
		p := newPush(ctx, checks.ProfileWNS, legacy)
		p.req.Header.Set("Crypto-Key", strings.Replace(p.req.Header.Get("Crypto-Key"), "dh=",
			"keyid=p256dh;dh=", 1))
		a := p.send()
		Expect(a.status).To(Equal(400))
		Expect(a.header.Get("X-WNS-Error-Description")).To(ContainSubstring(
			"legacy.crypto_key.parse"))
	})

	It("throttles with 406 and Retry-After", func(ctx SpecContext) {
		p := newPush(ctx, checks.ProfileWNS, valid)
		Expect(p.fake.SetRateLimit(p.sub.ID, 0, 0)).To(Succeed())
		Expect(p.fake.Inject(pushservice.Fault{})).NotTo(Succeed())
		Expect(p.fake.SetRateLimit(p.sub.ID, 1, time.Minute)).To(Succeed())
		Expect(p.send().status).To(Equal(201))
		q := newPush(ctx, checks.ProfileWNS, valid)
		q.sub = p.sub
		r, _ := p.sub.JSON().Recipient()
		q.req, _ = (&webpush.Sender{VAPID: p.vk}).NewRequest(ctx, r, valid)
		a := q.send()
		Expect(a.status).To(Equal(406))
		Expect(a.header.Get("Retry-After")).NotTo(BeEmpty())
		Expect(a.header.Get("X-WNS-Status")).To(Equal("dropped"))
	})
})
