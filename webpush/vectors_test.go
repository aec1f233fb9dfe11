package webpush

import (
	"bytes"
	"crypto/ecdh"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The known-answer tests: every value comes from the RFCs' examples, copied
// into testdata/ from the project's shared vectors.

func ecdhKey(d []byte) (*ecdh.PrivateKey, error) { return ecdh.P256().NewPrivateKey(d) }

// loadVector decodes testdata/name into a map of base64url strings (and
// whatever else the file holds, read by the caller through v).
func loadVector(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("reading vector: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %s: %v", name, err)
	}
}

// b64s decodes strict unpadded base64url or fails the test.
func b64s(t *testing.T, s string) []byte {
	t.Helper()
	b, err := b64.Strict().DecodeString(s)
	if err != nil {
		t.Fatalf("decoding %q: %v", s, err)
	}
	return b
}

func wantBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s:\n got %s\nwant %s", what, EncodeBase64(got), EncodeBase64(want))
	}
}

type rfc8291Vector struct {
	Plaintext, ASPublic, ASPrivate, UAPublic, UAPrivate, Salt, AuthSecret string
	RS                                                                    int
	ECDHSecret, PRKKey, KeyInfo, IKM, PRK, CEKInfo, CEK                   string
	NonceInfo, Nonce, Header, PaddedPlaintext, Ciphertext, Body           string
	BodyOctets                                                            int
}

func (v *rfc8291Vector) UnmarshalJSON(b []byte) error {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	str := func(k string) string { s, _ := m[k].(string); return s }
	num := func(k string) int { f, _ := m[k].(float64); return int(f) }
	*v = rfc8291Vector{
		Plaintext: str("plaintext"), ASPublic: str("as_public"), ASPrivate: str("as_private"),
		UAPublic: str("ua_public"), UAPrivate: str("ua_private"), Salt: str("salt"),
		AuthSecret: str("auth_secret"), RS: num("rs"), ECDHSecret: str("ecdh_secret"),
		PRKKey: str("prk_key"), KeyInfo: str("key_info"), IKM: str("ikm"), PRK: str("prk"),
		CEKInfo: str("cek_info"), CEK: str("cek"), NonceInfo: str("nonce_info"),
		Nonce: str("nonce"), Header: str("header"), PaddedPlaintext: str("padded_plaintext"),
		Ciphertext: str("ciphertext"), Body: str("body"), BodyOctets: num("body_octets"),
	}
	return nil
}

func TestRFC8291AppendixA(t *testing.T) {
	var v rfc8291Vector
	loadVector(t, "rfc8291.json", &v)

	ua, err := ecdhKey(b64s(t, v.UAPrivate))
	if err != nil {
		t.Fatal(err)
	}
	as, err := ecdhKey(b64s(t, v.ASPrivate))
	if err != nil {
		t.Fatal(err)
	}
	wantBytes(t, "ua_public", ua.PublicKey().Bytes(), b64s(t, v.UAPublic))
	wantBytes(t, "as_public", as.PublicKey().Bytes(), b64s(t, v.ASPublic))

	auth := b64s(t, v.AuthSecret)
	salt := b64s(t, v.Salt)
	uaPub, asPub := b64s(t, v.UAPublic), b64s(t, v.ASPublic)

	// Every intermediate value of RFC 8291 Appendix A.
	secret, err := as.ECDH(ua.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	wantBytes(t, "ecdh_secret", secret, b64s(t, v.ECDHSecret))
	prkKey := hmacSHA256(auth, secret)
	wantBytes(t, "prk_key", prkKey, b64s(t, v.PRKKey))
	wantBytes(t, "key_info", keyInfo(uaPub, asPub), b64s(t, v.KeyInfo))
	ikm := WebPushIKM(secret, auth, uaPub, asPub)
	wantBytes(t, "ikm", ikm, b64s(t, v.IKM))
	prk := hmacSHA256(salt, ikm)
	wantBytes(t, "prk", prk, b64s(t, v.PRK))
	wantBytes(t, "cek_info", []byte(cekInfo[:len(cekInfo)-1]), b64s(t, v.CEKInfo))
	wantBytes(t, "nonce_info", []byte(nonceInfo[:len(nonceInfo)-1]), b64s(t, v.NonceInfo))
	cek, nonce := DeriveContentKeys(ikm, salt)
	wantBytes(t, "cek", cek, b64s(t, v.CEK))
	wantBytes(t, "nonce", nonce, b64s(t, v.Nonce))

	// The whole body, byte for byte, with the key and salt injected.
	rcpt, err := Subscription{
		Endpoint: "https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV",
		Keys:     SubscriptionKeys{P256DH: v.UAPublic, Auth: v.AuthSecret},
	}.Recipient()
	if err != nil {
		t.Fatal(err)
	}
	body, err := Encrypt(rcpt, b64s(t, v.Plaintext),
		&EncryptOptions{RecordSize: v.RS, Salt: salt, Ephemeral: as})
	if err != nil {
		t.Fatal(err)
	}
	wantBytes(t, "body", body, b64s(t, v.Body))
	if len(body) != v.BodyOctets {
		t.Errorf("body is %d octets, want %d", len(body), v.BodyOctets)
	}
	header := b64s(t, v.Header)
	wantBytes(t, "header", body[:len(header)], header)
	wantBytes(t, "ciphertext", body[len(header):], b64s(t, v.Ciphertext))

	// And back: the user agent decrypts it.
	got, err := Decrypt(&UserAgentKeys{Private: ua, Auth: auth}, body)
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	wantBytes(t, "plaintext", got, b64s(t, v.Plaintext))
	wantBytes(t, "padded_plaintext", append(got, 2), b64s(t, v.PaddedPlaintext))
}

func TestRFC8188(t *testing.T) {
	var v struct {
		Single struct {
			PlaintextUTF8                               string `json:"plaintext_utf8"`
			IKM, Salt, PRK, CEK, Nonce, PaddedPlaintext string
			Body                                        string
			BodyOctets                                  int `json:"body_octets"`
			RS                                          int
		} `json:"single_record"`
		Multiple struct {
			PlaintextUTF8 string `json:"plaintext_utf8"`
			IKM           string
			RS            int
			KeyIDUTF8     string `json:"keyid_utf8"`
			Body          string
			BodyOctets    int `json:"body_octets"`
		} `json:"multiple_records"`
	}
	loadVector(t, "rfc8188.json", &v)

	t.Run("§3.1 single record", func(t *testing.T) {
		s := v.Single
		body := b64s(t, s.Body)
		if len(body) != s.BodyOctets {
			t.Fatalf("body is %d octets, want %d", len(body), s.BodyOctets)
		}
		h, records, err := ParseHeader(body)
		if err != nil {
			t.Fatal(err)
		}
		if h.RecordSize != uint32(s.RS) || len(h.KeyID) != 0 {
			t.Errorf("header: rs %d keyid %q, want rs %d and no keyid", h.RecordSize, h.KeyID, s.RS)
		}
		wantBytes(t, "salt", h.Salt, b64s(t, s.Salt))
		prk := hmacSHA256(h.Salt, b64s(t, s.IKM))
		wantBytes(t, "prk", prk, b64s(t, s.PRK))
		cek, nonce := DeriveContentKeys(b64s(t, s.IKM), h.Salt)
		wantBytes(t, "cek", cek, b64s(t, s.CEK))
		wantBytes(t, "nonce", nonce, b64s(t, s.Nonce))

		got, err := OpenRecords(cek, nonce, records, h.RecordSize)
		if err != nil {
			t.Fatalf("OpenRecords: %v", err)
		}
		if string(got) != s.PlaintextUTF8 {
			t.Errorf("plaintext %q, want %q", got, s.PlaintextUTF8)
		}

		sealed, err := SealRecords(h.Append(nil), cek, nonce, s.RS, got, 0)
		if err != nil {
			t.Fatal(err)
		}
		wantBytes(t, "re-encrypted body", sealed, body)
	})

	t.Run("§3.2 multiple records", func(t *testing.T) {
		m := v.Multiple
		body := b64s(t, m.Body)
		if len(body) != m.BodyOctets {
			t.Fatalf("body is %d octets, want %d", len(body), m.BodyOctets)
		}
		h, records, err := ParseHeader(body)
		if err != nil {
			t.Fatal(err)
		}
		if h.RecordSize != uint32(m.RS) || string(h.KeyID) != m.KeyIDUTF8 {
			t.Errorf("header: rs %d keyid %q, want %d %q", h.RecordSize, h.KeyID, m.RS, m.KeyIDUTF8)
		}
		cek, nonce := DeriveContentKeys(b64s(t, m.IKM), h.Salt)
		got, err := OpenRecords(cek, nonce, records, h.RecordSize)
		if err != nil {
			t.Fatalf("OpenRecords: %v", err)
		}
		if string(got) != m.PlaintextUTF8 {
			t.Errorf("plaintext %q, want %q", got, m.PlaintextUTF8)
		}

		// Dropping the last record must not pass for the whole message.
		_, err = OpenRecords(cek, nonce, records[:m.RS], h.RecordSize)
		if !errors.Is(err, ErrTruncated) {
			t.Errorf("first record alone: err %v, want ErrTruncated", err)
		}
	})
}

func TestRFC8292Token(t *testing.T) {
	var v struct {
		Endpoint, T, K string
		JWTClaims      struct {
			Aud string
			Exp int64
			Sub string
		} `json:"jwt_claims"`
		JWK struct{ X, Y string }
	}
	loadVector(t, "rfc8292.json", &v)

	k := b64s(t, v.K)
	wantBytes(t, "k = 0x04 ‖ jwk.x ‖ jwk.y", k,
		append(append([]byte{4}, b64s(t, v.JWK.X)...), b64s(t, v.JWK.Y)...))

	exp := time.Unix(v.JWTClaims.Exp, 0)
	c, err := VerifyToken(v.T, k, "https://push.example.net", exp.Add(-time.Hour))
	if err != nil {
		t.Fatalf("VerifyToken an hour before exp: %v", err)
	}
	want := Claims{Audience: v.JWTClaims.Aud, Expiry: exp, Subject: v.JWTClaims.Sub}
	if c != want {
		t.Errorf("claims %+v, want %+v", c, want)
	}

	for name, tc := range map[string]struct {
		aud string
		now time.Time
	}{
		"at exp":         {"https://push.example.net", exp},
		"25h before exp": {"https://push.example.net", exp.Add(-25 * time.Hour)},
		"other origin":   {"https://push.example.net:8443", exp.Add(-time.Hour)},
	} {
		if _, err := VerifyToken(v.T, k, tc.aud, tc.now); !errors.Is(err, ErrTokenClaims) {
			t.Errorf("%s: err %v, want ErrTokenClaims", name, err)
		}
	}

	flipped := []byte(v.T)
	flipped[len(flipped)-5] ^= 1
	if _, err := VerifyToken(string(flipped), k, "https://push.example.net",
		exp.Add(-time.Hour)); err == nil {
		t.Error("a token with a changed signature verified")
	}
}

func TestAESGCMDraft04(t *testing.T) {
	var v struct {
		Plaintext, ASPublic, ASPrivate, UAPublic, UAPrivate, Salt string
		AuthSecret, ECDHSecret, IKM, CEKContext, CEK              string
		NonceContext, Nonce, PaddedPlaintext, Body                string
	}
	b, err := os.ReadFile(filepath.Join("testdata", "aesgcm-draft04.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	s := func(k string) string { x, _ := m[k].(string); return x }
	v.Plaintext, v.ASPublic, v.ASPrivate = s("plaintext"), s("as_public"), s("as_private")
	v.UAPublic, v.UAPrivate, v.Salt = s("ua_public"), s("ua_private"), s("salt")
	v.AuthSecret, v.ECDHSecret, v.IKM = s("auth_secret"), s("ecdh_secret"), s("ikm")
	v.CEKContext, v.CEK, v.NonceContext = s("cek_context"), s("cek"), s("nonce_context")
	v.Nonce, v.PaddedPlaintext, v.Body = s("nonce"), s("padded_plaintext"), s("body")
	hdrs, _ := m["request_headers"].(map[string]any)

	ua, err := ecdhKey(b64s(t, v.UAPrivate))
	if err != nil {
		t.Fatal(err)
	}
	as, err := ecdhKey(b64s(t, v.ASPrivate))
	if err != nil {
		t.Fatal(err)
	}
	auth, salt := b64s(t, v.AuthSecret), b64s(t, v.Salt)
	uaPub, asPub := b64s(t, v.UAPublic), b64s(t, v.ASPublic)

	secret, err := as.ECDH(ua.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	wantBytes(t, "ecdh_secret", secret, b64s(t, v.ECDHSecret))
	wantBytes(t, "ikm", aesgcmIKM(secret, auth), b64s(t, v.IKM))
	ctx := aesgcmContext(uaPub, asPub)
	wantBytes(t, "cek_context", append([]byte(aesgcmCEKInfo), ctx...), b64s(t, v.CEKContext))
	wantBytes(t, "nonce_context", append([]byte(aesgcmNonceInfo), ctx...),
		b64s(t, v.NonceContext))
	cek, nonce := AESGCMKeys(secret, auth, salt, uaPub, asPub)
	wantBytes(t, "cek", cek, b64s(t, v.CEK))
	wantBytes(t, "nonce", nonce, b64s(t, v.Nonce))

	rcpt, err := Subscription{Endpoint: "https://push.example.net/x",
		Keys: SubscriptionKeys{P256DH: v.UAPublic, Auth: v.AuthSecret}}.Recipient()
	if err != nil {
		t.Fatal(err)
	}
	msg, err := EncryptAESGCM(rcpt, b64s(t, v.Plaintext), &EncryptOptions{Salt: salt, Ephemeral: as})
	if err != nil {
		t.Fatal(err)
	}
	wantBytes(t, "body", msg.Body, b64s(t, v.Body))
	if got, want := msg.EncryptionHeader(), hdrs["Encryption"]; got != want {
		t.Errorf("Encryption: %q, want %q", got, want)
	}
	if got, want := msg.CryptoKeyHeader(), hdrs["Crypto-Key"]; got != want {
		t.Errorf("Crypto-Key: %q, want %q", got, want)
	}

	got, err := DecryptAESGCM(&UserAgentKeys{Private: ua, Auth: auth}, b64s(t, v.Body), salt,
		asPub, 0)
	if err != nil {
		t.Fatalf("DecryptAESGCM: %v", err)
	}
	wantBytes(t, "plaintext", got, b64s(t, v.Plaintext))
}
