package checks

import (
	"crypto/ecdh"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pushspec/pushspec/webpush"
)

// A control is a request (or a run of requests) that breaks one rule.
type control struct {
	fault string
	run   func(f *fixture) []Finding
}

// req is a control that inspects one request.
func req(fault string, build func(f *fixture) Request) control {
	return control{fault, func(f *fixture) []Finding { return f.inspect(build(f)) }}
}

// controls holds the negative controls: for every requirement, requests
// that break exactly that rule. TestNegativeControls runs them all, and
// TestEveryRequirementHasANegativeControl makes sure none is missing.
var controls = map[string][]control{
	"http.method": {
		req("GET", func(f *fixture) Request { r := f.valid(); r.Method = "GET"; return r }),
		req("a trailing slash on the path", func(f *fixture) Request {
			r := f.valid()
			r.Target += "/"
			return r
		}),
	},
	"http.content_length": {
		req("a Content-Length that is not the body's", func(f *fixture) Request {
			r := f.valid()
			r.ContentLength++
			return r
		}),
		{"chunked, under the wns profile", func(f *fixture) []Finding {
			r := f.valid()
			r.Chunked, r.ContentLength = true, -1
			return f.inspectAs(r, ProfileWNS)
		}},
	},
	"hdr.ttl.present": {
		req("no TTL", func(f *fixture) Request { return with(f.valid(), "TTL") }),
	},
	"hdr.ttl.syntax": {
		req("TTL -1", func(f *fixture) Request { return with(f.valid(), "TTL", "-1") }),
		req("TTL 60s", func(f *fixture) Request { return with(f.valid(), "TTL", "60s") }),
		req("two TTL fields", func(f *fixture) Request { return with(f.valid(), "TTL", "6", "6") }),
	},
	"hdr.ttl.intent": {
		{"TTL 0 when 60 was asked for", func(f *fixture) []Finding {
			r := f.request(webpush.Message{Payload: []byte("x"), TTL: 0})
			return f.intent(r, checksIntent("x", 60, "", ""))
		}},
	},
	"hdr.urgency.syntax": {
		req("Urgency urgent", func(f *fixture) Request {
			return with(f.valid(), "Urgency", "urgent")
		}),
		req("two Urgency fields", func(f *fixture) Request {
			return with(f.valid(), "Urgency", "low", "high")
		}),
	},
	"hdr.urgency.intent": {
		{"no Urgency when high was asked for", func(f *fixture) []Finding {
			return f.intent(f.valid(), checksIntent("hello", 60, "high", ""))
		}},
	},
	"hdr.topic.syntax": {
		req("a space and '!'", func(f *fixture) Request {
			return with(f.valid(), "Topic", "not valid!")
		}),
		req("33 characters", func(f *fixture) Request {
			return with(f.valid(), "Topic", strings.Repeat("a", 33))
		}),
		req("base64 padding", func(f *fixture) Request { return with(f.valid(), "Topic", "bmV3cw==") }),
		req("two Topic fields", func(f *fixture) Request {
			return with(f.valid(), "Topic", "a", "b")
		}),
	},
	"hdr.topic.intent": {
		{"the topic base64-encoded on the way", func(f *fixture) []Finding {
			r := f.request(webpush.Message{Payload: []byte("x"), TTL: 60, Topic: "bmV3cw"})
			return f.intent(r, checksIntent("x", 60, "", "news"))
		}},
	},
	"hdr.topic.b64len": {
		req("5 characters", func(f *fixture) Request { return with(f.valid(), "Topic", "abcde") }),
	},
	"hdr.content_encoding": {
		req("none", func(f *fixture) Request { return with(f.valid(), "Content-Encoding") }),
		req("gzip", func(f *fixture) Request {
			return with(f.valid(), "Content-Encoding", "gzip")
		}),
		req("aes128gcm twice", func(f *fixture) Request {
			return with(f.valid(), "Content-Encoding", "aes128gcm, aes128gcm")
		}),
	},
	"body.encrypted": {
		req("JSON in the clear", func(f *fixture) Request {
			r := withBody(f.valid(), []byte(`{"title":"hello"}`))
			return with(r, "Content-Encoding")
		}),
	},
	"body.size": {
		req("a 5000-octet body", func(f *fixture) Request {
			pt := append(make([]byte, 4900), 2)
			return f.aes128gcmRequest(f.raw(rawBody{rs: 8192, records: [][]byte{pt}}))
		}),
	},
	"ece.header.length": {
		req("20 octets", func(f *fixture) Request {
			return withBody(f.valid(), f.valid().Body[:20])
		}),
		req("header and keyid, no record", func(f *fixture) Request {
			return withBody(f.valid(), f.valid().Body[:webpush.HeaderSize+10])
		}),
	},
	"ece.header.rs": {
		req("rs 17", func(f *fixture) Request {
			return f.aes128gcmRequest(f.raw(rawBody{rs: 17, records: [][]byte{{2}}}))
		}),
		req("rs equal to the record", func(f *fixture) Request {
			return f.aes128gcmRequest(f.raw(rawBody{rs: 16 + 6, records: [][]byte{[]byte("hello\x02")}}))
		}),
	},
	"ece.header.keyid": {
		req("no keyid", func(f *fixture) Request {
			return f.aes128gcmRequest(f.raw(rawBody{keyid: []byte{}, records: [][]byte{{2}}}))
		}),
		req("a compressed point", func(f *fixture) Request {
			eph, _ := ecdh.P256().GenerateKey(rand.Reader)
			x, y := elliptic.Unmarshal(elliptic.P256(), eph.PublicKey().Bytes())
			return f.aes128gcmRequest(f.raw(rawBody{eph: eph,
				keyid: elliptic.MarshalCompressed(elliptic.P256(), x, y), records: [][]byte{{2}}}))
		}),
		req("a point off the curve", func(f *fixture) Request {
			body := f.valid().Body
			body[webpush.HeaderSize-1] ^= 1
			return f.aes128gcmRequest(body)
		}),
	},
	"ece.single_record": {
		req("two records", func(f *fixture) Request {
			return f.aes128gcmRequest(f.raw(rawBody{rs: 16 + 8,
				records: [][]byte{[]byte("first!!\x01"), []byte("last\x02")}}))
		}),
	},
	"ece.decrypt": {
		req("a flipped ciphertext bit", func(f *fixture) Request {
			r := f.valid()
			r.Body[webpush.HeaderSize+1] ^= 0x80
			return r
		}),
		req("encrypted for other keys", func(f *fixture) Request {
			other, _ := webpush.GenerateUserAgentKeys(nil)
			rc, _ := other.Subscription(f.endpoint).Recipient()
			body, _ := webpush.Encrypt(rc, []byte("hello"), nil)
			return f.aes128gcmRequest(body)
		}),
	},
	"ece.ecdh_truncated": {
		req("the secret's leading zero dropped", func(f *fixture) Request {
			eph := f.keyWithZeroSecret()
			return f.aes128gcmRequest(f.raw(rawBody{eph: eph,
				secret:  func(s []byte) []byte { return s[1:] },
				records: [][]byte{[]byte("hello\x02")}}))
		}),
	},
	"ece.record.delimiter": {
		req("0x01 in the last record", func(f *fixture) Request {
			return f.aes128gcmRequest(f.raw(rawBody{records: [][]byte{[]byte("hello\x01")}}))
		}),
		req("no delimiter", func(f *fixture) Request {
			return f.aes128gcmRequest(f.raw(rawBody{records: [][]byte{[]byte("hello\x00\x00")}}))
		}),
		req("0x02 then a non-zero octet", func(f *fixture) Request {
			return f.aes128gcmRequest(f.raw(rawBody{records: [][]byte{[]byte("hi\x02\x00\x07")}}))
		}),
	},
	"ece.salt.unique": {
		{"one key and one salt for two messages", func(f *fixture) []Finding {
			eph, _ := ecdh.P256().GenerateKey(rand.Reader)
			salt := make([]byte, 16)
			return f.stream(
				f.aes128gcmRequest(f.raw(rawBody{eph: eph, salt: salt, records: [][]byte{{2}}})),
				f.aes128gcmRequest(f.raw(rawBody{eph: eph, salt: salt, records: [][]byte{{2}}})))
		}},
	},
	"ece.keyid.fresh": {
		{"one ephemeral key for two messages", func(f *fixture) []Finding {
			eph, _ := ecdh.P256().GenerateKey(rand.Reader)
			return f.stream(
				f.aes128gcmRequest(f.raw(rawBody{eph: eph, records: [][]byte{{2}}})),
				f.aes128gcmRequest(f.raw(rawBody{eph: eph, records: [][]byte{{2}}})))
		}},
	},
	"ece.plaintext.roundtrip": {
		{"other bytes than asked for", func(f *fixture) []Finding {
			return f.intent(f.valid(), checksIntent("hellO", 60, "", ""))
		}},
	},
	"vapid.present": {
		req("no Authorization", func(f *fixture) Request { return with(f.valid(), "Authorization") }),
	},
	"vapid.scheme": {
		req("Bearer", func(f *fixture) Request {
			a := f.valid().Header.Get("Authorization")
			tok, _, _ := strings.Cut(strings.TrimPrefix(a, "vapid t="), ",")
			return with(f.valid(), "Authorization", "Bearer "+tok)
		}),
	},
	"vapid.header.syntax": {
		req("no k", func(f *fixture) Request {
			a := f.valid().Header.Get("Authorization")
			tok, _, _ := strings.Cut(a, ",")
			return with(f.valid(), "Authorization", tok)
		}),
		req("t twice", func(f *fixture) Request {
			a := f.valid().Header.Get("Authorization")
			return with(f.valid(), "Authorization", a+", t=x")
		}),
		req("garbage", func(f *fixture) Request {
			return with(f.valid(), "Authorization", "vapid ,,,")
		}),
	},
	"vapid.k.encoding": {
		req("padded k", func(f *fixture) Request {
			return f.withToken(token(f.t, f.vapid, jwtHeaderES256, f.claims(), false),
				f.vapid.PublicKeyString()+"=")
		}),
	},
	"vapid.k.point": {
		req("the private key as k", func(f *fixture) Request {
			return f.withToken(token(f.t, f.vapid, jwtHeaderES256, f.claims(), false),
				f.vapid.PrivateKeyString())
		}),
		req("a DER SubjectPublicKeyInfo as k", func(f *fixture) Request {
			spki, _ := x509.MarshalPKIXPublicKey(ecdsaKey(f.t, f.vapid).Public())
			return f.withToken(token(f.t, f.vapid, jwtHeaderES256, f.claims(), false),
				webpush.EncodeBase64(spki))
		}),
	},
	"vapid.k.matches_subscription": {
		req("another key than the subscription's", func(f *fixture) Request {
			other, _ := webpush.GenerateVAPIDKey(nil)
			return f.withToken(token(f.t, other, jwtHeaderES256, f.claims(), false),
				other.PublicKeyString())
		}),
	},
	"vapid.k.differs_from_keyid": {
		req("the VAPID key as the ephemeral key", func(f *fixture) Request {
			d, _ := webpush.DecodeBase64(f.vapid.PrivateKeyString())
			eph, _ := ecdh.P256().NewPrivateKey(d)
			return f.aes128gcmRequest(f.raw(rawBody{eph: eph, records: [][]byte{{2}}}))
		}),
	},
	"vapid.t.encoding": {
		req("two parts", func(f *fixture) Request {
			return f.withToken("eyJhbGciOiJFUzI1NiJ9.e30", f.vapid.PublicKeyString())
		}),
		req("padded parts", func(f *fixture) Request {
			tok := token(f.t, f.vapid, jwtHeaderES256, f.claims(), false)
			h, rest, _ := strings.Cut(tok, ".")
			return f.withToken(h+"=."+rest, f.vapid.PublicKeyString())
		}),
	},
	"vapid.jwt.alg": {
		req("alg HS256", func(f *fixture) Request {
			return f.withToken(token(f.t, f.vapid, map[string]any{"alg": "HS256"}, f.claims(),
				false), f.vapid.PublicKeyString())
		}),
		req("no alg", func(f *fixture) Request {
			return f.withToken(token(f.t, f.vapid, map[string]any{"typ": "JWT"}, f.claims(),
				false), f.vapid.PublicKeyString())
		}),
	},
	"vapid.jwt.sig_format": {
		req("a DER signature", func(f *fixture) Request {
			return f.withToken(token(f.t, f.vapid, jwtHeaderES256, f.claims(), true),
				f.vapid.PublicKeyString())
		}),
	},
	"vapid.jwt.signature": {
		req("claims changed after signing", func(f *fixture) Request {
			tok := token(f.t, f.vapid, jwtHeaderES256, f.claims(), false)
			parts := strings.Split(tok, ".")
			c := f.claims()
			c["sub"] = "mailto:someone-else@pushspec.dev"
			parts[1] = strings.Split(token(f.t, f.vapid, jwtHeaderES256, c, false), ".")[1]
			return f.withToken(strings.Join(parts, "."), f.vapid.PublicKeyString())
		}),
	},
	"vapid.aud.origin": {
		req("a trailing slash", func(f *fixture) Request {
			c := f.claims()
			c["aud"] = "https://127.0.0.1:8443/"
			return f.withClaims(c)
		}),
		req("the whole endpoint", func(f *fixture) Request {
			c := f.claims()
			c["aud"] = testEndpoint
			return f.withClaims(c)
		}),
		req("no port", func(f *fixture) Request {
			c := f.claims()
			c["aud"] = "https://127.0.0.1"
			return f.withClaims(c)
		}),
		req("no aud", func(f *fixture) Request {
			c := f.claims()
			delete(c, "aud")
			return f.withClaims(c)
		}),
		{"an upper-case host in the aud", func(f *fixture) []Finding {
			f.endpoint = "https://push.pushspec.dev/push/abc"
			c := f.claims()
			c["aud"] = "https://Push.PushSpec.dev"
			return f.inspect(f.withClaims(c))
		}},
	},
	"vapid.exp.present": {
		req("no exp", func(f *fixture) Request {
			c := f.claims()
			delete(c, "exp")
			return f.withClaims(c)
		}),
	},
	"vapid.exp.type": {
		req("exp as a string", func(f *fixture) Request {
			c := f.claims()
			c["exp"] = "1796299200"
			return f.withClaims(c)
		}),
	},
	"vapid.exp.max24h": {
		req("exp 25 hours ahead", func(f *fixture) Request {
			c := f.claims()
			c["exp"] = f.now.Add(25 * time.Hour).Unix()
			return f.withClaims(c)
		}),
	},
	"vapid.exp.expired": {
		req("exp a minute ago", func(f *fixture) Request {
			c := f.claims()
			c["exp"] = f.now.Add(-time.Minute).Unix()
			return f.withClaims(c)
		}),
	},
	"vapid.sub.syntax": {
		req("mailto: twice", func(f *fixture) Request {
			c := f.claims()
			c["sub"] = "mailto:mailto:ops@pushspec.dev"
			return f.withClaims(c)
		}),
		req("a bare address", func(f *fixture) Request {
			c := f.claims()
			c["sub"] = "ops@pushspec.dev"
			return f.withClaims(c)
		}),
	},
	"vapid.sub.absent": {
		req("no sub", func(f *fixture) Request {
			c := f.claims()
			delete(c, "sub")
			return f.withClaims(c)
		}),
	},
	"vapid.sub.contact": {
		req("localhost", func(f *fixture) Request {
			c := f.claims()
			c["sub"] = "mailto:root@localhost"
			return f.withClaims(c)
		}),
		req("a .test domain", func(f *fixture) Request {
			c := f.claims()
			c["sub"] = "https://pushspec.test/contact"
			return f.withClaims(c)
		}),
	},
	"vapid.jwt.reuse": {
		{"a new token for each message", func(f *fixture) []Finding {
			return f.stream(f.withClaims(f.claims()), f.withClaims(f.claims()))
		}},
	},
	"legacy.aesgcm.used": {
		req("aesgcm", func(f *fixture) Request { return f.aesgcmRequest() }),
	},
	"legacy.encryption.salt": {
		req("no Encryption", func(f *fixture) Request {
			return with(f.aesgcmRequest(), "Encryption")
		}),
		req("a 15-octet salt", func(f *fixture) Request {
			return with(f.aesgcmRequest(), "Encryption", "salt="+webpush.EncodeBase64(make([]byte, 15)))
		}),
		req("a padded salt", func(f *fixture) Request {
			r := f.aesgcmRequest()
			return with(r, "Encryption", r.Header.Get("Encryption")+"==")
		}),
	},
	"legacy.crypto_key.dh": {
		req("no dh", func(f *fixture) Request {
			return with(f.aesgcmRequest(), "Crypto-Key", "p256ecdsa="+f.vapid.PublicKeyString())
		}),
		req("two dh", func(f *fixture) Request {
			r := f.aesgcmRequest()
			return with(r, "Crypto-Key", r.Header.Get("Crypto-Key")+";dh=AAAA")
		}),
	},
	"legacy.crypto_key.parse": {
		req("',' between the parameters", func(f *fixture) Request {
			r := f.aesgcmRequest()
			return with(r, "Crypto-Key", strings.Replace(r.Header.Get("Crypto-Key"), ";", ", ", 1))
		}),
		{"a keyid, under the wns profile", func(f *fixture) []Finding {
			r := f.aesgcmRequest()
			r = with(r, "Crypto-Key", "keyid=p256dh;"+r.Header.Get("Crypto-Key"))
			return f.inspectAs(r, ProfileWNS)
		}},
	},
	"legacy.crypto_key.p256ecdsa.encoding": {
		req("padded p256ecdsa", func(f *fixture) Request {
			r := f.aesgcmRequest()
			v := replaceParam(r.Header.Get("Crypto-Key"), "p256ecdsa", f.vapid.PublicKeyString()+"=")
			return with(r, "Crypto-Key", v)
		}),
	},
	"legacy.padding": {
		req("a padding length beyond the record", func(f *fixture) Request {
			return f.aesgcmRaw([]byte{0, 50, 'h', 'i'})
		}),
		req("non-zero padding", func(f *fixture) Request {
			return f.aesgcmRaw([]byte{0, 2, 0, 9, 'h', 'i'})
		}),
	},
	"legacy.headers_with_aes128gcm": {
		req("Encryption beside aes128gcm", func(f *fixture) Request {
			return with(f.valid(), "Encryption", "salt="+webpush.EncodeBase64(make([]byte, 16)))
		}),
		req("Crypto-Key: dh beside aes128gcm", func(f *fixture) Request {
			return with(f.valid(), "Crypto-Key", "dh="+f.vapid.PublicKeyString())
		}),
	},
}

func answer(status, retryAfter int, outcome string, reportedRetryAfter int) control {
	return control{fmt.Sprintf("%d reported as %s", status, outcome), func(*fixture) []Finding {
		return CheckAnswer(Answer{Status: status, RetryAfter: retryAfter, Outcome: outcome,
			ReportedStatus: status, ReportedRetryAfter: reportedRetryAfter}, ProfileRFC)
	}}
}

func refusal(id string, received int, outcome string) control {
	return control{fmt.Sprintf("%d sent, reported %s", received, outcome),
		func(*fixture) []Finding {
			return []Finding{CheckRefusal(id, received, outcome, "")}
		}}
}

func init() {
	controls["client.status.success"] = []control{answer(202, 0, "rejected", 0),
		answer(400, 0, "success", 0)}
	controls["client.status.gone"] = []control{answer(410, 0, "rejected", 0),
		answer(404, 0, "error", 0)}
	controls["client.status.not_gone"] = []control{answer(403, 0, "gone", 0),
		answer(500, 0, "gone", 0)}
	controls["client.retry_after"] = []control{answer(429, 120, "rejected", 0),
		answer(429, 120, "retry-after", 0)}
	controls["input.subscription_keys"] = []control{refusal("input.subscription_keys", 1,
		"success"), refusal("input.subscription_keys", 0, "success")}
	controls["input.oversize"] = []control{refusal("input.oversize", 1, "rejected")}
	one := func(fault string, f Finding) control {
		return control{fault, func(*fixture) []Finding { return []Finding{f} }}
	}
	controls["svc.created"] = []control{one("200", CheckCreated(200, "/m/1")),
		one("no Location", CheckCreated(201, ""))}
	controls["svc.receipt"] = []control{one("201", CheckReceipt(201, "/m/1", nil)),
		one("no receipt Link", CheckReceipt(202, "/m/1", []string{`</x>; rel="next"`}))}
	controls["svc.ttl.missing"] = []control{one("201",
		CheckStatus("svc.ttl.missing", "no TTL", 201, 400))}
	controls["svc.topic.invalid"] = []control{one("201",
		CheckStatus("svc.topic.invalid", "a bad topic", 201, 400))}
	controls["svc.urgency.multiple"] = []control{one("201",
		CheckStatus("svc.urgency.multiple", "two urgencies", 201, 400))}
	controls["svc.gone"] = []control{one("201",
		CheckStatus("svc.gone", "a deleted subscription", 201, 404, 410))}
	controls["svc.size.413"] = []control{one("413 for 3000 octets", CheckNot413(3000, 413))}
	controls["svc.ttl.response"] = []control{one("TTL 120 for 60",
		CheckTTLResponse(60, "120")), one("TTL -1", CheckTTLResponse(60, "-1"))}
	controls["svc.ttl.expiry"] = []control{
		one("an expired message delivered", CheckExpiry(Expiry{ExpiredDelivered: true})),
		one("TTL 0 delivered after reconnecting", CheckExpiry(Expiry{OfflineZeroDelivered: true}))}
	controls["svc.topic.replace"] = []control{
		one("both delivered", CheckTopicReplace("old", "new", []string{"old", "new"})),
		one("the older kept", CheckTopicReplace("old", "new", []string{"old"}))}
	controls["svc.rate.retry_after"] = []control{one("no Retry-After", CheckRetryAfter(429, "")),
		one("no 429", CheckRetryAfter(201, ""))}
	controls["svc.vapid.status"] = []control{one("201 without auth", CheckVAPIDStatus(201, 403)),
		one("401 for the wrong key", CheckVAPIDStatus(401, 401))}
	controls["svc.endpoint.entropy"] = []control{one("counting", CheckEndpointEntropy([]string{
		"https://p.test/push/sub-000001", "https://p.test/push/sub-000002",
		"https://p.test/push/sub-000003"})), one("hex time stamps", CheckEndpointEntropy(
		[]string{"https://p.test/push/18c2a9f1e01", "https://p.test/push/18c2a9f1e9f"}))}
	controls["vendor.fcm.urgency"] = []control{{"very-low under the fcm profile",
		func(f *fixture) []Finding {
			return f.inspectAs(with(f.valid(), "Urgency", "very-low"), ProfileFCM)
		}}}
	controls["vendor.wns.ttl0_cache"] = []control{{"TTL 0 without the header under wns",
		func(f *fixture) []Finding {
			return f.inspectAs(with(f.valid(), "TTL", "0"), ProfileWNS)
		}}}
	controls["client.multi_origin"] = []control{{"the first service's aud sent to the second",
		func(*fixture) []Finding {
			return []Finding{CheckMultiOrigin([]OriginSample{
				{"https://a.test", "https://a.test"}, {"https://b.test", "https://a.test"}})}
		}}}
}

func checksIntent(payload string, ttl int, urgency, topic string) Intent {
	return Intent{Payload: []byte(payload), TTL: ttl, Urgency: urgency, Topic: topic}
}

// intent inspects r and checks it against want.
func (f *fixture) intent(r Request, want Intent) []Finding {
	res := Inspect(r, f.sub(), Options{Now: f.now})
	return CheckIntent(r, res, want, ProfileRFC)
}

// stream inspects requests in order with one Inspector and returns the
// findings of the last.
func (f *fixture) stream(reqs ...Request) []Finding {
	var i Inspector
	var res Result
	for _, r := range reqs {
		res = i.Inspect(r, f.sub(), f.now)
	}
	return res.Findings
}

// keyWithZeroSecret finds an ephemeral key whose ECDH secret with the
// subscription starts with a zero octet: one in 256 does.
func (f *fixture) keyWithZeroSecret() *ecdh.PrivateKey {
	for i := 0; i < 1<<16; i++ {
		eph, _ := ecdh.P256().GenerateKey(rand.Reader)
		s, _ := eph.ECDH(f.ua.Private.PublicKey())
		if s[0] == 0 {
			return eph
		}
	}
	f.t.Fatal("no ECDH secret with a leading zero in 65536 keys")
	return nil
}

// aesgcmRaw is a valid aesgcm request whose one record holds plain, padding
// length included.
func (f *fixture) aesgcmRaw(plain []byte) Request {
	r := f.aesgcmRequest()
	eph, _ := ecdh.P256().GenerateKey(rand.Reader)
	salt := make([]byte, 16)
	rand.Read(salt)
	secret, _ := eph.ECDH(f.ua.Private.PublicKey())
	cek, nonce := webpush.AESGCMKeys(secret, f.ua.Auth, salt, f.ua.Private.PublicKey().Bytes(),
		eph.PublicKey().Bytes())
	r = with(r, "Encryption", "salt="+webpush.EncodeBase64(salt))
	r = with(r, "Crypto-Key", "dh="+webpush.EncodeBase64(eph.PublicKey().Bytes())+
		";p256ecdsa="+f.vapid.PublicKeyString())
	return withBody(r, sealRaw(cek, nonce, plain))
}

func TestEveryRequirementHasANegativeControl(t *testing.T) {
	for _, r := range Catalogue() {
		if len(controls[r.ID]) == 0 {
			t.Errorf("%s has no negative control", r.ID)
		}
	}
	for id := range controls {
		if _, ok := Lookup(id); !ok {
			t.Errorf("a control for %s, which is not in the catalogue", id)
		}
	}
}

func TestNegativeControls(t *testing.T) {
	for _, r := range Catalogue() {
		for _, c := range controls[r.ID] {
			t.Run(r.ID+"/"+c.fault, func(t *testing.T) {
				f := newFixture(t)
				got, ok := Worst(c.run(f), r.ID)
				switch {
				case !ok:
					t.Errorf("no finding for %s", r.ID)
				case got.Verdict == Pass:
					t.Errorf("%s passed: %s", r.ID, got.Detail)
				case got.Detail == "":
					t.Errorf("%s %s without a detail", r.ID, got.Verdict)
				default:
					t.Logf("%s %s: %s", r.ID, got.Verdict, got.Detail)
				}
			})
		}
	}
}
