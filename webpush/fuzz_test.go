package webpush

import (
	"bytes"
	"crypto/ecdh"
	"encoding/json"
	"testing"
	"time"
)

// The parsers of untrusted input each have a fuzz target:
//
//	go test ./webpush -run '^$' -fuzz FuzzDecrypt -fuzztime 30s

func fuzzKeys(f *testing.F) (*UserAgentKeys, *Recipient) {
	d := make([]byte, 32)
	d[31] = 5
	priv, err := ecdh.P256().NewPrivateKey(d)
	if err != nil {
		f.Fatal(err)
	}
	ua := &UserAgentKeys{Private: priv, Auth: bytes.Repeat([]byte{7}, 16)}
	r, err := ua.Subscription("https://push.example.net/p").Recipient()
	if err != nil {
		f.Fatal(err)
	}
	return ua, r
}

// FuzzDecrypt: Decrypt and DecryptAESGCM never panic, and what decrypts
// re-encrypts to the same plaintext.
func FuzzDecrypt(f *testing.F) {
	ua, r := fuzzKeys(f)
	for _, pt := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("ab"), 300)} {
		body, _ := Encrypt(r, pt, &EncryptOptions{Padding: len(pt) % 7})
		f.Add(body, []byte{}, []byte{})
		msg, _ := EncryptAESGCM(r, pt, nil)
		f.Add(msg.Body, msg.Salt, msg.DH)
	}
	f.Add([]byte{0, 1, 2}, []byte{1}, []byte{4})

	f.Fuzz(func(t *testing.T, body, salt, dh []byte) {
		if pt, err := Decrypt(ua, body); err == nil {
			again, err := Encrypt(r, pt, nil)
			if err == nil {
				if back, err := Decrypt(ua, again); err != nil || !bytes.Equal(back, pt) {
					t.Fatalf("round trip of %d octets failed: %v", len(pt), err)
				}
			}
		}
		DecryptAESGCM(ua, body, salt, dh, 0)
		DecryptAESGCM(ua, body, salt, dh, len(salt)+3)
	})
}

// FuzzParseToken: ParseToken and VerifyToken never panic on any token.
func FuzzParseToken(f *testing.F) {
	k, err := NewVAPIDKey(bytes.Repeat([]byte{3}, 32))
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	tok, _ := k.Sign(Claims{Audience: "https://push.example.net", Expiry: now.Add(time.Hour),
		Subject: "mailto:a@b.c"})
	f.Add(tok)
	f.Add("eyJhbGciOiJFUzI1NiJ9.e30.")
	f.Add("a.b.c.d")
	f.Fuzz(func(t *testing.T, token string) {
		ParseToken(token)
		c, err := VerifyToken(token, k.PublicKey(), "https://push.example.net", now)
		if err == nil && c.Audience != "https://push.example.net" {
			t.Fatalf("verified a token for %q", c.Audience)
		}
	})
}

// FuzzRecipient: a subscription in JSON either parses into a Recipient with
// a 65-octet key and a 16-octet secret, or is refused with a FieldError.
func FuzzRecipient(f *testing.F) {
	_, r := fuzzKeys(f)
	good, _ := json.Marshal(Subscription{Endpoint: "https://push.example.net/p",
		Keys: SubscriptionKeys{P256DH: EncodeBase64(r.P256DHBytes), Auth: EncodeBase64(r.Auth)}})
	f.Add(good)
	f.Add([]byte(`{"endpoint":"http://x","keys":{"p256dh":"==","auth":"+/"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Subscription
		if json.Unmarshal(data, &s) != nil {
			return
		}
		rc, err := s.Recipient()
		if err != nil {
			if _, ok := err.(*FieldError); !ok {
				t.Fatalf("error %v is not a *FieldError", err)
			}
			return
		}
		if len(rc.P256DHBytes) != 65 || len(rc.Auth) != 16 || rc.Audience == "" {
			t.Fatalf("accepted %+v", rc)
		}
	})
}
