package webpush

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func newUA(t testing.TB) (*UserAgentKeys, *Recipient) {
	t.Helper()
	ua, err := GenerateUserAgentKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ua.Subscription("https://push.example.net/push/abc").Recipient()
	if err != nil {
		t.Fatal(err)
	}
	return ua, r
}

func TestRoundTrip(t *testing.T) {
	ua, r := newUA(t)
	for _, tc := range []struct {
		size, padding, rs int
	}{
		{0, 0, 0}, {1, 0, 0}, {100, 50, 0}, {MaxPayloadSize, 0, 0}, {10, 0, 28}, {0, 3, 21},
	} {
		pt := make([]byte, tc.size)
		rand.Read(pt)
		o := &EncryptOptions{Padding: tc.padding, RecordSize: tc.rs}

		body, err := Encrypt(r, pt, o)
		if err != nil {
			t.Fatalf("%+v: Encrypt: %v", tc, err)
		}
		if want := HeaderSize + tc.size + 1 + tc.padding + TagSize; len(body) != want {
			t.Errorf("%+v: body is %d octets, want %d", tc, len(body), want)
		}
		got, err := Decrypt(ua, body)
		if err != nil || !bytes.Equal(got, pt) {
			t.Errorf("%+v: Decrypt = %d octets, %v; want the %d sent", tc, len(got), err, len(pt))
		}

		msg, err := EncryptAESGCM(r, pt, o)
		if tc.rs != 0 {
			continue // small record sizes are an aes128gcm matter
		}
		if err != nil {
			t.Fatalf("%+v: EncryptAESGCM: %v", tc, err)
		}
		got, err = DecryptAESGCM(ua, msg.Body, msg.Salt, msg.DH, 0)
		if err != nil || !bytes.Equal(got, pt) {
			t.Errorf("%+v: DecryptAESGCM = %d octets, %v", tc, len(got), err)
		}
	}
}

func TestEncryptIsFresh(t *testing.T) {
	_, r := newUA(t)
	a, _ := Encrypt(r, []byte("x"), nil)
	b, _ := Encrypt(r, []byte("x"), nil)
	if bytes.Equal(a[:SaltSize], b[:SaltSize]) {
		t.Error("two messages share a salt")
	}
	if bytes.Equal(a[21:HeaderSize], b[21:HeaderSize]) {
		t.Error("two messages share an ephemeral key")
	}
}

func TestEncryptRefusesOversize(t *testing.T) {
	_, r := newUA(t)
	for _, tc := range []struct {
		size, padding, rs int
	}{
		{MaxPayloadSize + 1, 0, 0}, {4000, 0, 0}, {MaxPayloadSize, 1, 0}, {2, 0, 19}, {0, 0, 17},
	} {
		_, err := Encrypt(r, make([]byte, tc.size), &EncryptOptions{Padding: tc.padding,
			RecordSize: tc.rs})
		var fe *FieldError
		if !errors.As(err, &fe) || !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%+v: err %v, want a *FieldError", tc, err)
		}
	}
	_, err := EncryptAESGCM(r, make([]byte, MaxAESGCMPayloadSize+1), nil)
	if !errors.Is(err, ErrInvalidInput) {
		t.Errorf("aesgcm oversize: err %v", err)
	}
}

func TestDecryptErrors(t *testing.T) {
	ua, r := newUA(t)
	body, err := Encrypt(r, []byte("hello"), nil)
	if err != nil {
		t.Fatal(err)
	}
	corrupt := bytes.Clone(body)
	corrupt[len(corrupt)-1] ^= 1
	badKeyID := bytes.Clone(body)
	badKeyID[HeaderSize-1] ^= 1
	smallRS := bytes.Clone(body)
	smallRS[19] = 5
	smallRS[18], smallRS[17], smallRS[16] = 0, 0, 0
	other, _ := GenerateUserAgentKeys(nil)

	for name, tc := range map[string]struct {
		ua   *UserAgentKeys
		body []byte
		want error
	}{
		"short":        {ua, body[:10], ErrHeader},
		"idlen beyond": {ua, body[:40], ErrHeader},
		"rs 5":         {ua, smallRS, ErrRecordSize},
		"bad keyid":    {ua, badKeyID, ErrKeyID},
		"corrupt tag":  {ua, corrupt, ErrAuthentication},
		"other keys":   {other, body, ErrAuthentication},
		"no record":    {ua, body[:HeaderSize+5], ErrTruncated},
	} {
		if _, err := Decrypt(tc.ua, tc.body); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", name, err, tc.want)
		}
	}
}

func TestOpenRecordsDelimiters(t *testing.T) {
	cek, nonce := make([]byte, 16), make([]byte, 12)
	gcm, _ := newGCM(cek)
	seal := func(p []byte) []byte { return gcm.Seal(nil, nonce, p, nil) }

	for name, tc := range map[string]struct {
		plain []byte
		want  error
	}{
		"0x02 then zeros": {[]byte("hi\x02\x00\x00"), nil},
		"0x01 last":       {[]byte("hi\x01"), ErrTruncated},
		"no delimiter":    {[]byte("hi\x00\x00"), ErrDelimiter},
		"0x03":            {[]byte("hi\x03"), ErrDelimiter},
		"all zero":        {[]byte{0, 0, 0}, ErrDelimiter},
	} {
		_, err := OpenRecords(cek, nonce, seal(tc.plain), 4096)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", name, err, tc.want)
		}
	}
}

func TestRecipientValidation(t *testing.T) {
	ua, _ := newUA(t)
	good := ua.Subscription("https://push.example.net/p/1")
	for name, tc := range map[string]struct {
		mutate func(*Subscription)
		field  string
	}{
		"p256dh 64 octets": {func(s *Subscription) {
			b, _ := DecodeBase64(s.Keys.P256DH)
			s.Keys.P256DH = EncodeBase64(b[1:])
		}, "subscription.keys.p256dh"},
		"p256dh off curve": {func(s *Subscription) {
			b, _ := DecodeBase64(s.Keys.P256DH)
			b[64] ^= 1
			s.Keys.P256DH = EncodeBase64(b)
		}, "subscription.keys.p256dh"},
		"auth 8 octets":   {func(s *Subscription) { s.Keys.Auth = EncodeBase64(make([]byte, 8)) }, "subscription.keys.auth"},
		"auth not base64": {func(s *Subscription) { s.Keys.Auth = "!!" }, "subscription.keys.auth"},
		"relative":        {func(s *Subscription) { s.Endpoint = "/push/1" }, "subscription.endpoint"},
		"ftp":             {func(s *Subscription) { s.Endpoint = "ftp://x/y" }, "subscription.endpoint"},
	} {
		s := good
		tc.mutate(&s)
		_, err := s.Recipient()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: err %v, want a FieldError on %s", name, err, tc.field)
		}
	}

	// Padded and standard-alphabet keys, as stored by other software, work.
	s := good
	b, _ := DecodeBase64(s.Keys.P256DH)
	s.Keys.P256DH = strings.NewReplacer("-", "+", "_", "/").Replace(EncodeBase64(b)) + "="
	if _, err := s.Recipient(); err != nil {
		t.Errorf("standard base64 with padding: %v", err)
	}
}

func TestOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://push.example.net/p/1":        "https://push.example.net",
		"https://Push.Example.NET:443/p":      "https://push.example.net",
		"https://push.example.net:8443/p?q":   "https://push.example.net:8443",
		"http://127.0.0.1:80/":                "http://127.0.0.1",
		"http://127.0.0.1:9000/push/x":        "http://127.0.0.1:9000",
		"HTTPS://[::1]:8443/x":                "https://[::1]:8443",
		"https://fcm.googleapis.com/fcm/send": "https://fcm.googleapis.com",
	} {
		u, _ := url.Parse(in)
		if got := Origin(u); got != want {
			t.Errorf("Origin(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestCheckSubject(t *testing.T) {
	for sub, ok := range map[string]bool{
		"mailto:push@example.com":         true,
		"mailto:webpush-ops@pushspec.dev": true,
		"MAILTO:a.b+c@d-e.f":              true,
		"mailto:%22q%20x%22@example.com":  true,
		"mailto:a@example.com?subject=hi": true,
		"https://pushspec.dev/contact":    true,
		"mailto:mailto:push@example.com":  false,
		"push@example.com":                false,
		"mailto:":                         false,
		"mailto:a@b.com,c@d.com":          false,
		"mailto: push@example.com":        false,
		"mailto:<push@example.com>":       false,
		"mailto:push@":                    false,
		"https:contact":                   false,
		"http://pushspec.dev":             false,
		"mailto:push@exa mple.com":        false,
		"https://pushspec.dev/a b":        false,
	} {
		if err := CheckSubject(sub); (err == nil) != ok {
			t.Errorf("CheckSubject(%q) = %v, want ok=%v", sub, err, ok)
		}
	}
}

func TestValidTopicAndUrgency(t *testing.T) {
	for topic, ok := range map[string]bool{
		"a": true, "news-1_A": true, strings.Repeat("x", 32): true,
		"": false, strings.Repeat("x", 33): false, "a=": false, "a b": false, "a+b": false,
		"é": false,
	} {
		if ValidTopic(topic) != ok {
			t.Errorf("ValidTopic(%q) != %v", topic, ok)
		}
	}
	for u, ok := range map[Urgency]bool{
		"very-low": true, "low": true, "normal": true, "high": true, "HIGH": true,
		"urgent": false, "": false, "very low": false,
	} {
		if u.Valid() != ok {
			t.Errorf("Urgency(%q).Valid() != %v", u, ok)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"120":                           2 * time.Minute,
		"Thu, 03 Dec 2026 12:00:30 GMT": 30 * time.Second,
		"Thu, 03 Dec 2026 11:00:00 GMT": 0,
		"soon":                          0,
		"-5":                            0,
	} {
		if got := ParseRetryAfter(v, now); got != want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

// captured is one request an httptest server saw.
type captured struct {
	header http.Header
	body   []byte
	path   string
}

func TestSenderSends(t *testing.T) {
	reqs := make(chan captured, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		reqs <- captured{r.Header.Clone(), b, r.URL.Path}
		w.Header().Set("Location", "/m/1")
		w.WriteHeader(201)
	}))
	defer srv.Close()

	ua, err := GenerateUserAgentKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	vk, err := GenerateVAPIDKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	s := &Sender{Client: srv.Client(), VAPID: vk, Subject: "mailto:ops@pushspec.dev",
		Now: func() time.Time { return now }}
	sub := ua.Subscription(srv.URL + "/push/abc")

	resp, err := s.Send(context.Background(), sub, Message{Payload: []byte("hi"), TTL: 60,
		Urgency: UrgencyHigh, Topic: "news"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 201 || resp.Location != "/m/1" || !resp.Accepted() || resp.Gone() {
		t.Errorf("response %+v", resp)
	}
	c := <-reqs
	for k, want := range map[string]string{
		"Ttl": "60", "Urgency": "high", "Topic": "news", "Content-Encoding": "aes128gcm",
	} {
		if got := c.header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if c.path != "/push/abc" {
		t.Errorf("path %q", c.path)
	}
	pt, err := Decrypt(ua, c.body)
	if err != nil || string(pt) != "hi" {
		t.Errorf("decrypt: %q, %v", pt, err)
	}

	auth := c.header.Get("Authorization")
	tok, k, ok := strings.Cut(strings.TrimPrefix(auth, "vapid t="), ", k=")
	if !ok || k != vk.PublicKeyString() {
		t.Fatalf("Authorization %q", auth)
	}
	claims, err := VerifyToken(tok, vk.PublicKey(), Origin(mustURL(srv.URL)), now)
	if err != nil {
		t.Fatal(err)
	}
	if claims.Subject != "mailto:ops@pushspec.dev" || !claims.Expiry.Equal(now.Add(12*time.Hour)) {
		t.Errorf("claims %+v", claims)
	}

	// A second message reuses the token; past half its life, a new one.
	s.Send(context.Background(), sub, Message{TTL: 0})
	if got := (<-reqs).header.Get("Authorization"); got != auth {
		t.Error("the token was not reused for the same audience")
	}
	now = now.Add(6*time.Hour + time.Second)
	s.Send(context.Background(), sub, Message{TTL: 0})
	if got := (<-reqs).header.Get("Authorization"); got == auth {
		t.Error("the token was reused past half its lifetime")
	}

	// Legacy: aesgcm with the WebPush scheme.
	s2 := &Sender{Client: srv.Client(), VAPID: vk, Scheme: SchemeWebPush}
	if _, err := s2.Send(context.Background(), sub, Message{Payload: []byte("old"), TTL: 5,
		Encoding: AESGCM}); err != nil {
		t.Fatal(err)
	}
	c = <-reqs
	if !strings.HasPrefix(c.header.Get("Authorization"), "WebPush ") ||
		!strings.HasPrefix(c.header.Get("Encryption"), "salt=") {
		t.Errorf("legacy headers %v", c.header)
	}
	dh, p256, _ := strings.Cut(c.header.Get("Crypto-Key"), ";p256ecdsa=")
	if p256 != vk.PublicKeyString() {
		t.Errorf("Crypto-Key %q", c.header.Get("Crypto-Key"))
	}
	salt, _ := DecodeBase64(strings.TrimPrefix(c.header.Get("Encryption"), "salt="))
	dhKey, _ := DecodeBase64(strings.TrimPrefix(dh, "dh="))
	if pt, err := DecryptAESGCM(ua, c.body, salt, dhKey, 0); err != nil || string(pt) != "old" {
		t.Errorf("aesgcm decrypt: %q, %v", pt, err)
	}
}

func TestSenderRefusesBadInput(t *testing.T) {
	ua, _ := newUA(t)
	vk, _ := GenerateVAPIDKey(nil)
	sub := ua.Subscription("http://127.0.0.1:1/push/x") // nothing listens
	for name, tc := range map[string]struct {
		s     *Sender
		m     Message
		field string
	}{
		"negative ttl": {&Sender{}, Message{TTL: -1}, "ttl"},
		"urgency":      {&Sender{}, Message{Urgency: "urgent"}, "urgency"},
		"topic":        {&Sender{}, Message{Topic: "not valid!"}, "topic"},
		"long topic":   {&Sender{}, Message{Topic: strings.Repeat("a", 33)}, "topic"},
		"encoding":     {&Sender{}, Message{Encoding: "gzip"}, "encoding"},
		"oversize":     {&Sender{}, Message{Payload: make([]byte, 4000)}, "payload"},
		"subject":      {&Sender{VAPID: vk, Subject: "mailto:mailto:a@b.c"}, Message{}, "vapid subject"},
		"bare address": {&Sender{VAPID: vk, Subject: "a@b.c"}, Message{}, "vapid subject"},
		"token 2 days": {&Sender{VAPID: vk, TokenLifetime: 48 * time.Hour}, Message{}, "token lifetime"},
	} {
		_, err := tc.s.Send(context.Background(), sub, tc.m)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: err %v, want a FieldError on %s", name, err, tc.field)
		}
	}
}

func TestVAPIDKeyRoundTrip(t *testing.T) {
	k, err := GenerateVAPIDKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := ParseVAPIDKey(k.PrivateKeyString())
	if err != nil {
		t.Fatal(err)
	}
	if k2.PublicKeyString() != k.PublicKeyString() || len(k.PublicKey()) != 65 {
		t.Error("the public key did not survive export and import")
	}
	if _, err := ParseVAPIDKey(EncodeBase64(make([]byte, 31))); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("31-octet key: %v", err)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestSenderPadsAnEmptyPayload(t *testing.T) {
	ua, r := newUA(t)
	req, err := (&Sender{}).NewRequest(context.Background(), r, Message{TTL: 1})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	if len(body) != HeaderSize+18 {
		t.Errorf("an empty payload made a %d-octet body, want %d (one octet of padding)",
			len(body), HeaderSize+18)
	}
	if pt, err := Decrypt(ua, body); err != nil || len(pt) != 0 {
		t.Errorf("Decrypt: %q, %v", pt, err)
	}
}
