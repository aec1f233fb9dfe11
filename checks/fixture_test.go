package checks

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pushspec/pushspec/webpush"
)

// A fixture is a subscription restricted to a VAPID key, and the tools to
// build valid requests for it and break them one rule at a time.
type fixture struct {
	t        *testing.T
	ua       *webpush.UserAgentKeys
	vapid    *webpush.VAPIDKey
	endpoint string
	now      time.Time
	sender   *webpush.Sender
}

const testEndpoint = "https://127.0.0.1:8443/push/abc"

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ua, err := webpush.GenerateUserAgentKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	vk, err := webpush.GenerateVAPIDKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	return &fixture{t: t, ua: ua, vapid: vk, endpoint: testEndpoint, now: now,
		sender: &webpush.Sender{VAPID: vk, Subject: "mailto:ops@pushspec.dev",
			Now: func() time.Time { return now }}}
}

func (f *fixture) sub() Subscription {
	return Subscription{Endpoint: f.endpoint, Keys: f.ua,
		ApplicationServerKey: f.vapid.PublicKey()}
}

func (f *fixture) recipient() *webpush.Recipient {
	r, err := f.ua.Subscription(f.endpoint).Recipient()
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// request builds the request our Sender makes for m.
func (f *fixture) request(m webpush.Message) Request {
	f.t.Helper()
	req, err := f.sender.NewRequest(context.Background(), f.recipient(), m)
	if err != nil {
		f.t.Fatalf("building request: %v", err)
	}
	body, _ := io.ReadAll(req.Body)
	return Request{Method: req.Method, Target: req.URL.RequestURI(), Header: req.Header,
		Body: body, ContentLength: int64(len(body))}
}

// valid is a request that breaks nothing.
func (f *fixture) valid() Request {
	return f.request(webpush.Message{Payload: []byte("hello"), TTL: 60})
}

// withBody replaces the body and keeps Content-Length right.
func withBody(r Request, body []byte) Request {
	r.Body = body
	r.ContentLength = int64(len(body))
	return r
}

// with returns r with header k set to vs (deleted when vs is empty).
func with(r Request, k string, vs ...string) Request {
	h := r.Header.Clone()
	h.Del(k)
	for _, v := range vs {
		h.Add(k, v)
	}
	r.Header = h
	return r
}

func (f *fixture) inspect(r Request) []Finding {
	return Inspect(r, f.sub(), Options{Now: f.now}).Findings
}

func (f *fixture) inspectAs(r Request, p Profile) []Finding {
	return Inspect(r, f.sub(), Options{Now: f.now, Profile: p}).Findings
}

// aes128gcm builds a body by hand: the given header fields, and records
// sealed from records (each already holding its delimiter and padding).
type rawBody struct {
	salt    []byte
	rs      uint32
	keyid   []byte // nil: the ephemeral key's
	eph     *ecdh.PrivateKey
	secret  func([]byte) []byte // rewrites the ECDH secret
	records [][]byte
}

func (f *fixture) raw(b rawBody) []byte {
	f.t.Helper()
	if b.eph == nil {
		b.eph, _ = ecdh.P256().GenerateKey(rand.Reader)
	}
	if b.salt == nil {
		b.salt = make([]byte, 16)
		rand.Read(b.salt)
	}
	if b.rs == 0 {
		b.rs = 4096
	}
	asPublic := b.eph.PublicKey().Bytes()
	keyid := b.keyid
	if keyid == nil {
		keyid = asPublic
	}
	secret, err := b.eph.ECDH(f.ua.Private.PublicKey())
	if err != nil {
		f.t.Fatal(err)
	}
	if b.secret != nil {
		secret = b.secret(secret)
	}
	ikm := webpush.WebPushIKM(secret, f.ua.Auth, f.ua.Private.PublicKey().Bytes(), asPublic)
	cek, nonce := webpush.DeriveContentKeys(ikm, b.salt)

	body := webpush.Header{Salt: b.salt, RecordSize: b.rs, KeyID: keyid}.Append(nil)
	for i, rec := range b.records {
		body = append(body, sealRaw(cek, xorSeq(nonce, i), rec)...)
	}
	return body
}

// sealRaw encrypts one record as given, delimiter and padding included.
func sealRaw(cek, nonce, record []byte) []byte {
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	return gcm.Seal(nil, nonce, record, nil)
}

func xorSeq(nonce []byte, seq int) []byte {
	n := append([]byte(nil), nonce...)
	n[11] ^= byte(seq)
	return n
}

// aes128gcmRequest is a valid request around a hand-made body.
func (f *fixture) aes128gcmRequest(body []byte) Request {
	return withBody(f.valid(), body)
}

// token signs a JWT with key over the given header and claims, with the
// signature in R‖S form, or DER when der is set.
func token(t *testing.T, key *webpush.VAPIDKey, header, claims any, der bool) string {
	t.Helper()
	enc := func(v any) string {
		if s, ok := v.(string); ok {
			return webpush.EncodeBase64([]byte(s))
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return webpush.EncodeBase64(b)
	}
	input := enc(header) + "." + enc(claims)
	digest := sha256.Sum256([]byte(input))
	priv := ecdsaKey(t, key)
	var sig []byte
	if der {
		sig, _ = ecdsa.SignASN1(rand.Reader, priv, digest[:])
	} else {
		r, s, _ := ecdsa.Sign(rand.Reader, priv, digest[:])
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	}
	return input + "." + webpush.EncodeBase64(sig)
}

func ecdsaKey(t *testing.T, k *webpush.VAPIDKey) *ecdsa.PrivateKey {
	d, _ := webpush.DecodeBase64(k.PrivateKeyString())
	priv, err := ecdsa.ParseRawPrivateKey(ecdsaCurve, d)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

// claims are valid claims for the fixture, to be changed per control.
func (f *fixture) claims() map[string]any {
	return map[string]any{"aud": "https://127.0.0.1:8443", "exp": f.now.Add(time.Hour).Unix(),
		"sub": "mailto:ops@pushspec.dev"}
}

var jwtHeaderES256 = map[string]any{"typ": "JWT", "alg": "ES256"}

// withToken is a valid request whose Authorization carries tok and k.
func (f *fixture) withToken(tok, k string) Request {
	return with(f.valid(), "Authorization", "vapid t="+tok+", k="+k)
}

func (f *fixture) withClaims(c map[string]any) Request {
	return f.withToken(token(f.t, f.vapid, jwtHeaderES256, c, false), f.vapid.PublicKeyString())
}

// aesgcmRequest is a valid legacy aesgcm request in the WebPush scheme.
func (f *fixture) aesgcmRequest() Request {
	f.sender.Scheme = webpush.SchemeWebPush
	defer func() { f.sender.Scheme = "" }()
	return f.request(webpush.Message{Payload: []byte("legacy"), TTL: 30,
		Encoding: webpush.AESGCM})
}

func replaceParam(v, name, value string) string {
	var out []string
	for _, p := range strings.Split(v, ";") {
		if strings.HasPrefix(p, name+"=") {
			p = name + "=" + value
		}
		out = append(out, p)
	}
	return strings.Join(out, ";")
}

var ecdsaCurve = elliptic.P256()
