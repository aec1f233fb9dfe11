package webpush

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"sync"
	"testing"
	"time"
)

func TestHMACMatchesCryptoHMAC(t *testing.T) {
	for _, keyLen := range []int{0, 1, 16, 32, 63, 64, 65, 100} {
		for _, msgLen := range []int{0, 1, 55, 56, 64, 145, 300} {
			key, msg := make([]byte, keyLen), make([]byte, msgLen)
			rand.Read(key)
			rand.Read(msg)
			m := hmac.New(sha256.New, key)
			m.Write(msg)
			want := m.Sum(nil)
			got, _ := hmacInto(nil, key, msg[:msgLen/2], msg[msgLen/2:])
			if !bytes.Equal(got[:], want) {
				t.Errorf("key %d, message %d octets: got %x, want %x", keyLen, msgLen, got, want)
			}
		}
	}
}

func TestSealRecordsRoundTrip(t *testing.T) {
	cek, nonce := make([]byte, 16), make([]byte, 12)
	rand.Read(cek)
	rand.Read(nonce)
	for _, tc := range []struct{ size, rs, padding int }{
		{0, 18, 0}, {1, 18, 0}, {2, 18, 0}, {100, 25, 3}, {7, 24, 0}, {14, 24, 0},
		{4000, 4096, 10}, {5000, 4096, 0},
	} {
		pt := make([]byte, tc.size)
		rand.Read(pt)
		prefix := []byte("prefix")
		body, err := SealRecords(bytes.Clone(prefix), cek, nonce, tc.rs, pt, tc.padding)
		if err != nil {
			t.Fatalf("%+v: SealRecords: %v", tc, err)
		}
		if !bytes.HasPrefix(body, prefix) {
			t.Fatalf("%+v: dst was not kept", tc)
		}
		got, err := OpenRecords(cek, nonce, body[len(prefix):], uint32(tc.rs))
		if err != nil || !bytes.Equal(got, pt) {
			t.Errorf("%+v: OpenRecords = %d octets, %v", tc, len(got), err)
		}
	}
}

func TestSignVerifyManyTokens(t *testing.T) {
	// About one signature in 128 has an r or s with a leading zero octet,
	// which the DER conversion must keep in place.
	k, err := GenerateVAPIDKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	c := Claims{Audience: "https://push.example.net", Expiry: now.Add(time.Hour)}
	for i := range 400 {
		tok, err := k.Sign(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := VerifyToken(tok, k.PublicKey(), c.Audience, now); err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
	}
}

func TestDERToRS(t *testing.T) {
	for name, tc := range map[string]struct {
		der []byte
		ok  bool
	}{
		"short":    {[]byte{0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07}, true},
		"negative": {[]byte{0x30, 0x06, 0x02, 0x01, 0x85, 0x02, 0x01, 0x07}, false},
		"trailing": {[]byte{0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07, 0}, false},
		"one int":  {[]byte{0x30, 0x03, 0x02, 0x01, 0x05}, false},
		"33 octets": {append([]byte{0x30, 0x26, 0x02, 0x21, 0x01}, append(make([]byte, 32),
			0x02, 0x01, 0x07)...), false},
	} {
		var sig [64]byte
		if got := derToRS(sig[:], tc.der); got != tc.ok {
			t.Errorf("%s: derToRS = %v, want %v", name, got, tc.ok)
		}
		if tc.ok && (sig[31] != 5 || sig[63] != 7) {
			t.Errorf("%s: sig %x", name, sig)
		}
	}
}

func TestTokenCacheConcurrent(t *testing.T) {
	k, _ := GenerateVAPIDKey(nil)
	var mu sync.Mutex
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	s := &Sender{VAPID: k, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }}

	auds := []string{"https://a.example", "https://b.example", "https://c.example"}
	first := map[string]string{}
	for _, a := range auds {
		v, err := s.authorization(a)
		if err != nil {
			t.Fatal(err)
		}
		first[a] = v
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				a := auds[(g+i)%len(auds)]
				if v, err := s.authorization(a); err != nil || v != first[a] {
					t.Errorf("%s: a new token within its lifetime (%v)", a, err)
					return
				}
			}
		})
	}
	wg.Wait()

	// Another key for the same audience gets its own token: the cache is
	// keyed by (key, audience), so a Sender whose key changes never sends a
	// token signed by the old one.
	k2, _ := GenerateVAPIDKey(nil)
	s.VAPID = k2
	if v, _ := s.authorization(auds[0]); v == first[auds[0]] {
		t.Error("a token was shared between two VAPID keys")
	}
	s.VAPID = k

	mu.Lock()
	now = now.Add(DefaultTokenLifetime/2 + time.Second)
	mu.Unlock()
	if v, _ := s.authorization(auds[0]); v == first[auds[0]] {
		t.Error("the token was not refreshed at half its lifetime")
	}
}

// floorAllocs counts the allocations the crypto packages make for one
// message: key generation, ECDH, AES and GCM. No caller can avoid them.
func floorAllocs(t *testing.T, r *Recipient) float64 {
	return testing.AllocsPerRun(200, func() {
		k, _ := ecdh.P256().GenerateKey(rand.Reader)
		k.ECDH(r.P256DH)
		b, _ := aes.NewCipher(make([]byte, 16))
		cipher.NewGCM(b)
	})
}

// TestAllocsPerMessage holds webpush's own allocations per message, beyond
// those of crypto/ecdh, crypto/aes and crypto/cipher, to at most 15.
func TestAllocsPerMessage(t *testing.T) {
	_, r := newUA(t)
	k, _ := GenerateVAPIDKey(nil)
	s := &Sender{VAPID: k, Subject: "mailto:ops@pushspec.dev"}
	m := Message{Payload: make([]byte, 256), TTL: 3600, Urgency: UrgencyHigh, Topic: "t"}
	ctx := context.Background()
	if _, err := s.NewRequest(ctx, r, m); err != nil { // sign the token once
		t.Fatal(err)
	}

	floor := floorAllocs(t, r)
	for name, f := range map[string]func(){
		"Encrypt":    func() { Encrypt(r, m.Payload, nil) },
		"Prepare":    func() { s.Prepare(r, m) },
		"NewRequest": func() { s.NewRequest(ctx, r, m) },
	} {
		total := testing.AllocsPerRun(200, f)
		own := total - floor
		t.Logf("%s: %.0f allocations per message, %.0f in crypto/*, %.0f in webpush",
			name, total, floor, own)
		if own > 15 {
			t.Errorf("%s: %.0f allocations of webpush's own per message, want at most 15",
				name, own)
		}
	}
}

func TestPushRequestBody(t *testing.T) {
	_, r := newUA(t)
	p, err := (&Sender{}).Prepare(r, Message{Payload: []byte("hi"), TTL: 5})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := p.Request(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if req.Context() != ctx || req.URL.String() != r.Endpoint || req.Host != "push.example.net" {
		t.Errorf("request %v %s %s", req.Context(), req.URL, req.Host)
	}
	for i := range 2 {
		b, _ := io.ReadAll(req.Body)
		if !bytes.Equal(b, p.Body) || req.ContentLength != int64(len(p.Body)) {
			t.Errorf("read %d: %d octets, want %d", i, len(b), len(p.Body))
		}
		if req.Body, err = req.GetBody(); err != nil {
			t.Fatal(err)
		}
	}
	// Without a Recipient, the endpoint is parsed.
	if req, err = p.Request(context.Background(), nil); err != nil || req.URL.Path != "/push/abc" {
		t.Errorf("parsed: %v, %v", req, err)
	}
	if _, err := (Push{Endpoint: "http://[::1"}).Request(ctx, nil); err == nil {
		t.Error("a bad endpoint built a request")
	}
}
