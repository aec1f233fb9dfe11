package benchmarks

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pushspec/pushspec/webpush"
)

// payloadSize is the plaintext of every benchmark message: about a
// notification's JSON.
const payloadSize = 256

// sink is an in-process push service: it drains the request body and
// answers 201 with a Location, as a push service does, at almost no cost.
type sink struct{}

var sinkHeader = http.Header{"Location": {"/m/1"}}

func (sink) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusCreated, Status: "201 Created",
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: sinkHeader,
		Body: http.NoBody, Request: r}, nil
}

// fixture is one subscription and one VAPID key, in the forms both
// libraries take.
type fixture struct {
	sub       webpush.Subscription
	recipient *webpush.Recipient
	vapid     *webpush.VAPIDKey
	payload   []byte
}

func newFixture(b *testing.B) *fixture {
	b.Helper()
	ua, err := webpush.GenerateUserAgentKeys(nil)
	if err != nil {
		b.Fatal(err)
	}
	sub := ua.Subscription("https://push.example.net/push/bench")
	r, err := sub.Recipient()
	if err != nil {
		b.Fatal(err)
	}
	vk, err := webpush.GenerateVAPIDKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	return &fixture{sub: sub, recipient: r, vapid: vk, payload: make([]byte, payloadSize)}
}

// measure runs op in b.Loop and reports the process's CPU time per op and
// its inverse, messages per CPU-second, besides time and allocations.
func measure(b *testing.B, op func() error) {
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - start
	perOp := float64(cpu.Nanoseconds()) / float64(b.N)
	b.ReportMetric(perOp, "cpu-ns/op")
	b.ReportMetric(1e9/perOp, "msgs/cpu-s")
}

// cpuTime is the user and system time of the whole process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFloor measures each step of the cryptography a message needs,
// with Go's crypto packages used plainly: the sum is the floor no sender in
// Go goes below.
func BenchmarkFloor(b *testing.B) {
	f := newFixture(b)
	curve := ecdh.P256()
	eph, _ := curve.GenerateKey(rand.Reader)
	secret, _ := eph.ECDH(f.recipient.P256DH)
	asPublic := eph.PublicKey().Bytes()
	salt := make([]byte, 16)
	info := append(append([]byte("WebPush: info\x00"), f.recipient.P256DHBytes...), asPublic...)
	cek, nonce := make([]byte, 16), make([]byte, 12)
	record := append(make([]byte, 0, payloadSize+1+16), f.payload...)
	record = append(record, 2)

	b.Run("step=keygen", func(b *testing.B) {
		measure(b, func() error { _, err := curve.GenerateKey(rand.Reader); return err })
	})
	b.Run("step=ecdh", func(b *testing.B) {
		measure(b, func() error { _, err := eph.ECDH(f.recipient.P256DH); return err })
	})
	b.Run("step=hkdf", func(b *testing.B) {
		measure(b, func() error {
			prkKey, err := hkdf.Extract(sha256.New, secret, f.recipient.Auth)
			if err != nil {
				return err
			}
			ikm, err := hkdf.Expand(sha256.New, prkKey, string(info), 32)
			if err != nil {
				return err
			}
			prk, err := hkdf.Extract(sha256.New, ikm, salt)
			if err != nil {
				return err
			}
			if _, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16); err != nil {
				return err
			}
			_, err = hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
			return err
		})
	})
	b.Run("step=aesgcm", func(b *testing.B) {
		out := make([]byte, 0, len(record)+16)
		measure(b, func() error {
			block, err := aes.NewCipher(cek)
			if err != nil {
				return err
			}
			gcm, err := cipher.NewGCM(block)
			if err != nil {
				return err
			}
			gcm.Seal(out[:0], nonce, record, nil)
			return nil
		})
	})
}

// BenchmarkEncrypt is aes128gcm encryption of one message. webpush-go
// encrypts only inside SendNotification, so it has no row of its own here.
func BenchmarkEncrypt(b *testing.B) {
	f := newFixture(b)
	b.Run("sender=pushspec", func(b *testing.B) {
		measure(b, func() error { _, err := webpush.Encrypt(f.recipient, f.payload, nil); return err })
	})
}

// BenchmarkSign is signing one VAPID token (ES256 JWT). webpush-go signs
// only inside SendNotification, once per message.
func BenchmarkSign(b *testing.B) {
	f := newFixture(b)
	c := webpush.Claims{Audience: f.recipient.Audience, Expiry: time.Now().Add(time.Hour),
		Subject: "mailto:ops@pushspec.dev"}
	b.Run("sender=pushspec", func(b *testing.B) {
		measure(b, func() error { _, err := f.vapid.Sign(c); return err })
	})
}

// BenchmarkToken is the Authorization header of a message to an audience
// that has a token already: what signing costs on the hot path.
func BenchmarkToken(b *testing.B) {
	f := newFixture(b)
	s := &webpush.Sender{VAPID: f.vapid, Subject: "mailto:ops@pushspec.dev"}
	b.Run("sender=pushspec", func(b *testing.B) {
		measure(b, func() error { _, err := s.Authorization(f.recipient.Audience); return err })
	})
}

// BenchmarkPrepare is a message ready to send: encrypted, with its headers
// and a cached token, but no HTTP. webpush-go has no such step.
func BenchmarkPrepare(b *testing.B) {
	f := newFixture(b)
	s := &webpush.Sender{VAPID: f.vapid, Subject: "mailto:ops@pushspec.dev"}
	m := webpush.Message{Payload: f.payload, TTL: 60}
	b.Run("sender=pushspec", func(b *testing.B) {
		measure(b, func() error { _, err := s.Prepare(f.recipient, m); return err })
	})
}

// BenchmarkSend is one whole message: encrypt, sign (or reuse the token),
// build the request and send it to an in-process push service through an
// http.Client, each library called as its README shows.
func BenchmarkSend(b *testing.B) {
	f := newFixture(b)
	client := &http.Client{Transport: sink{}}
	ctx := context.Background()

	b.Run("sender=pushspec", func(b *testing.B) {
		s := &webpush.Sender{Client: client, VAPID: f.vapid, Subject: "mailto:ops@pushspec.dev"}
		m := webpush.Message{Payload: f.payload, TTL: 60}
		measure(b, func() error {
			resp, err := s.SendTo(ctx, f.recipient, m)
			if err == nil && !resp.Accepted() {
				b.Fatalf("status %d", resp.StatusCode)
			}
			return err
		})
	})
	b.Run("sender=webpush-go", func(b *testing.B) {
		sub := &webpushgo.Subscription{Endpoint: f.sub.Endpoint,
			Keys: webpushgo.Keys{Auth: f.sub.Keys.Auth, P256dh: f.sub.Keys.P256DH}}
		opts := &webpushgo.Options{HTTPClient: client, Subscriber: "mailto:ops@pushspec.dev",
			VAPIDPublicKey: f.vapid.PublicKeyString(), VAPIDPrivateKey: f.vapid.PrivateKeyString(),
			TTL: 60}
		measure(b, func() error {
			resp, err := webpushgo.SendNotificationWithContext(ctx, f.payload, sub, opts)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				b.Fatalf("status %d", resp.StatusCode)
			}
			return nil
		})
	})
}
