package harness

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/pushspec/pushspec/fakes/pushservice"
	"github.com/pushspec/pushspec/webpush"
)

// The cases the suites put every sender through. Payloads are drawn once
// per suite process.
var (
	Empty    = Case{Name: "empty payload", TTL: 60}
	OneOctet = Case{Name: "1-octet payload", Payload: RandomPayload(1), TTL: 60}
	Text     = Case{Name: "UTF-8 text", Payload: []byte("Grüße aus pushspec 👋 ✓"), TTL: 60}
	Largest  = Case{Name: "3993-octet payload", Payload: RandomPayload(3993), TTL: 60}
	// Oversize is 4000 octets: it fits one record but not a 4096-octet body.
	Oversize = Case{Name: "4000-octet payload", Payload: RandomPayload(4000), TTL: 60,
		MayRefuse: true}
	TTL0        = Case{Name: "TTL 0", Payload: []byte("now or never"), TTL: 0}
	UrgencyVery = Case{Name: "urgency very-low", Payload: []byte("u"), TTL: 60, Urgency: "very-low"}
	UrgencyLow  = Case{Name: "urgency low", Payload: []byte("u"), TTL: 60, Urgency: "low"}
	UrgencyNorm = Case{Name: "urgency normal", Payload: []byte("u"), TTL: 60, Urgency: "normal"}
	UrgencyHigh = Case{Name: "urgency high", Payload: []byte("u"), TTL: 60, Urgency: "high"}
	Topic       = Case{Name: "topic", Payload: []byte("t"), TTL: 60, Topic: "inbox-42"}
	LongTopic   = Case{Name: "32-character topic", Payload: []byte("t"), TTL: 60,
		Topic: "abcdefghijklmnopqrstuvwxyz_-0123"}
	InvalidTopic = Case{Name: "invalid topic", Payload: []byte("t"), TTL: 60, Topic: "not valid!",
		MayRefuse: true}
	SubjectHTTPS = Case{Name: "https: subject", Payload: []byte("s"), TTL: 60,
		Subject: "https://pushspec.dev/contact"}
	RecordSize = Case{Name: "record size 512", Payload: RandomPayload(100), TTL: 60,
		RecordSize: 512}
	Stream = Case{Name: "20 messages to one subscription", Payload: []byte("again"), TTL: 60,
		Count: 20}
	// Statistical sends enough messages that some ECDH secrets start with a
	// zero octet (one in 256 does).
	// 3000 leave a chance of 8 in 100,000 that none does.
	Statistical = Case{Name: "3000 messages to one subscription", Payload: []byte("z"), TTL: 60,
		Count: 3000}

	AESGCM = Case{Name: "aesgcm", Payload: []byte("legacy payload"), TTL: 60,
		Encoding: "aesgcm"}
	WebPushScheme = Case{Name: "WebPush scheme", Payload: []byte("draft vapid"), TTL: 60,
		Scheme: "webpush"}
	AESGCMWebPush = Case{Name: "aesgcm in the WebPush scheme", Payload: []byte("all draft"),
		TTL: 60, Encoding: "aesgcm", Scheme: "webpush"}
)

// Standard is the everyday mix: payload sizes from empty to the largest,
// TTL 0, a topic, both kinds of subject.
var Standard = []Case{Empty, OneOctet, Text, Largest, TTL0, Topic, SubjectHTTPS}

// Urgencies asks for each of the four urgencies.
var Urgencies = []Case{UrgencyVery, UrgencyLow, UrgencyNorm, UrgencyHigh}

// UpperCaseHost is a case whose endpoint names the fake as "LocalHost": its
// origin, and so the aud, is "https://localhost:<port>" (RFC 6454 §6.1).
func (h *Harness) UpperCaseHost() Case {
	_, port, _ := net.SplitHostPort(h.Fake.URL()[len("https://"):])
	return Case{Name: "endpoint with an upper-case host", Payload: []byte("h"), TTL: 60,
		Host: "LocalHost:" + port}
}

// RunAll runs every case and returns the runs.
func (h *Harness) RunAll(ctx context.Context, cases ...Case) []*Run {
	runs := make([]*Run, len(cases))
	for i, c := range cases {
		runs[i] = h.Run(ctx, c)
	}
	return runs
}

// Answered is a case whose one message the fake answers with status (and
// Retry-After, when retryAfter is not empty), as a real service would.
func Answered(status int, retryAfter string) Case {
	h := http.Header{}
	body := ""
	switch {
	case status == 201 || status == 202:
		h.Set("Location", "/messages/scripted")
	case retryAfter != "":
		h.Set("Retry-After", retryAfter)
		body = `{"error": "too many requests"}`
	default:
		h.Set("Content-Type", "application/json")
		body = fmt.Sprintf(`{"error": "scripted %d"}`, status)
	}
	return Case{Name: fmt.Sprintf("the service answers %d", status), Payload: []byte("status"),
		TTL: 60, Answers: []pushservice.Answer{{Status: status, Header: h, Body: body}}}
}

// Malformed is a case whose subscription has a broken key: the sender must
// refuse it and send nothing.
func Malformed(name string, mutate func(*webpush.Subscription)) Case {
	return Case{Name: name, Payload: []byte("bad keys"), TTL: 60, MayRefuse: true,
		Mutate: mutate}
}

// BadKeys are the malformed subscriptions of input.subscription_keys.
var BadKeys = []Case{
	Malformed("p256dh of 64 octets", func(s *webpush.Subscription) {
		b, _ := webpush.DecodeBase64(s.Keys.P256DH)
		s.Keys.P256DH = webpush.EncodeBase64(b[1:])
	}),
	Malformed("p256dh off the curve", func(s *webpush.Subscription) {
		b, _ := webpush.DecodeBase64(s.Keys.P256DH)
		b[64] ^= 1
		s.Keys.P256DH = webpush.EncodeBase64(b)
	}),
	Malformed("auth of 8 octets", func(s *webpush.Subscription) {
		b, _ := webpush.DecodeBase64(s.Keys.Auth)
		s.Keys.Auth = webpush.EncodeBase64(b[:8])
	}),
	Malformed("auth of 32 octets", func(s *webpush.Subscription) {
		b, _ := webpush.DecodeBase64(s.Keys.Auth)
		s.Keys.Auth = webpush.EncodeBase64(append(b, b...))
	}),
}

// TooLarge is a payload no 4096-octet record can hold.
var TooLarge = Case{Name: "5000-octet payload", Payload: RandomPayload(5000), TTL: 60,
	MayRefuse: true}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// Reset is a case whose connection the fake drops mid-request: no answer,
// so the sender must not report success.
var Reset = Case{Name: "the connection is reset", Payload: []byte("reset"), TTL: 60,
	Faults: []pushservice.Fault{{Reset: true}}}

// GoAway is a case whose first answer (201) closes the connection (an
// HTTP/2 GOAWAY); the second message must go over a new one.
var GoAway = Case{Name: "GOAWAY after the first message", Payload: []byte("goaway"), TTL: 60,
	Count: 2, Faults: []pushservice.Fault{{GoAway: true}}}

// Delayed is a case whose answer the fake holds back for two seconds.
var Delayed = Case{Name: "the answer comes after 2 s", Payload: []byte("slow"), TTL: 60,
	Faults: []pushservice.Fault{{Delay: pushservice.Duration(2 * time.Second)}}}
