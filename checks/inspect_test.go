package checks

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pushspec/pushspec/webpush"
)

// The positive controls: requests that break nothing, and what each
// requirement says of them.

// passing lists valid scenarios; every finding of each must be PASS except
// those named in allow.
type scenario struct {
	name  string
	run   func(f *fixture) []Finding
	allow map[string]Verdict
}

var positives = []scenario{
	{"aes128gcm, vapid, topic and urgency, as asked", func(f *fixture) []Finding {
		m := webpush.Message{Payload: []byte("hello"), TTL: 60, Urgency: "high", Topic: "news"}
		r := f.request(m)
		res := Inspect(r, f.sub(), Options{Now: f.now})
		return append(res.Findings, CheckIntent(r, res, checksIntent("hello", 60, "high",
			"news"), ProfileRFC)...)
	}, nil},
	{"two messages from one sender", func(f *fixture) []Finding {
		return f.stream(f.valid(), f.valid())
	}, nil},
	{"an ECDH secret with a leading zero, kept", func(f *fixture) []Finding {
		return f.inspect(f.aes128gcmRequest(f.raw(rawBody{eph: f.keyWithZeroSecret(),
			records: [][]byte{[]byte("hello\x02\x00\x00")}})))
	}, nil},
	{"aesgcm in the WebPush scheme", func(f *fixture) []Finding {
		return f.inspect(f.aesgcmRequest())
	}, map[string]Verdict{"legacy.aesgcm.used": Warn, "vapid.scheme": Warn}},
	{"aes128gcm in the WebPush scheme", func(f *fixture) []Finding {
		f.sender.Scheme = webpush.SchemeWebPush
		return f.inspect(f.valid())
	}, map[string]Verdict{"vapid.scheme": Warn}},
	{"an https: subject and an unrestricted subscription", func(f *fixture) []Finding {
		f.sender.Subject = "https://pushspec.dev/contact"
		return Inspect(f.valid(), Subscription{Endpoint: f.endpoint, Keys: f.ua},
			Options{Now: f.now}).Findings
	}, nil},
	{"an empty payload", func(f *fixture) []Finding {
		return f.inspect(f.request(webpush.Message{TTL: 0}))
	}, nil},
	{"a service that does it right", func(*fixture) []Finding {
		return []Finding{CheckCreated(201, "/m/1"),
			CheckReceipt(202, "/m/2", []string{`</r/1>; rel="urn:ietf:params:push:receipt"`}),
			CheckStatus("svc.ttl.missing", "no TTL", 400, 400),
			CheckStatus("svc.topic.invalid", "a bad topic", 400, 400),
			CheckStatus("svc.urgency.multiple", "two urgencies", 400, 400),
			CheckStatus("svc.gone", "a deleted subscription", 410, 404, 410),
			CheckNot413(4096, 201), CheckTTLResponse(60, "60"), CheckExpiry(Expiry{}),
			CheckTopicReplace("old", "new", []string{"new"}), CheckRetryAfter(429, "30"),
			CheckVAPIDStatus(401, 403),
			CheckEndpointEntropy([]string{"https://p.test/push/aZ3-_kdjf83JDks9dk3Qwe",
				"https://p.test/push/Qp09sdKJ3_-lsd0923kSdW"})}
	}, nil},
	{"vendor rules kept, under their profiles", func(f *fixture) []Finding {
		r := f.request(webpush.Message{Payload: []byte("x"), TTL: 0, Urgency: "low"})
		r = with(r, "X-WNS-Cache-Policy", "no-cache")
		return append(f.inspectAs(r, ProfileFCM), f.inspectAs(r, ProfileWNS)...)
	}, nil},
	{"answers reported right", func(*fixture) []Finding {
		var fs []Finding
		for _, a := range []Answer{{Status: 201, Outcome: "success"},
			{Status: 410, Outcome: "gone"}, {Status: 400, Outcome: "rejected"},
			{Status: 429, RetryAfter: 7, Outcome: "retry-after", ReportedRetryAfter: 7}} {
			fs = append(fs, CheckAnswer(a, ProfileRFC)...)
		}
		return append(fs, CheckRefusal("input.oversize", 0, "error", "too big"),
			CheckRefusal("input.subscription_keys", 0, "error", "bad key"),
			CheckMultiOrigin([]OriginSample{{"https://a.test", "https://a.test"},
				{"https://b.test", "https://b.test"}}))
	}, nil},
}

func TestPositiveControls(t *testing.T) {
	passed := map[string]bool{}
	for _, s := range positives {
		t.Run(s.name, func(t *testing.T) {
			for _, got := range s.run(newFixture(t)) {
				if got.Verdict == Pass {
					passed[got.Requirement] = true
					continue
				}
				if s.allow[got.Requirement] != got.Verdict {
					t.Errorf("%s %s: %s", got.Requirement, got.Verdict, got.Detail)
				}
			}
		})
	}
	for _, r := range Catalogue() {
		if !passed[r.ID] && r.ID != "legacy.aesgcm.used" {
			t.Errorf("%s: no valid scenario gives it PASS", r.ID)
		}
	}
}

func TestInspectRecordsFacts(t *testing.T) {
	f := newFixture(t)
	res := Inspect(f.valid(), f.sub(), Options{Now: f.now})
	if !res.Decrypted || string(res.Payload) != "hello" || res.Encoding != "aes128gcm" {
		t.Errorf("payload %q decrypted %v encoding %q", res.Payload, res.Decrypted, res.Encoding)
	}
	if len(res.Salt) != 16 || len(res.KeyID) != 65 || res.Token == "" ||
		res.Audience != "https://127.0.0.1:8443" {
		t.Errorf("facts: salt %d keyid %d token %q aud %q", len(res.Salt), len(res.KeyID),
			res.Token, res.Audience)
	}

	// Without the keys nothing is decrypted and nothing about it is said.
	res = Inspect(f.valid(), Subscription{Endpoint: f.endpoint}, Options{Now: f.now})
	if _, ok := res.Verdict("ece.decrypt"); ok || res.Decrypted {
		t.Error("judged decryption without the keys")
	}
}

func TestStatus(t *testing.T) {
	f := newFixture(t)
	tampered := f.valid()
	tampered.Body[len(tampered.Body)-1] ^= 1
	for _, tc := range []struct {
		name   string
		req    Request
		reject bool
		want   int
		ids    []string
	}{
		{"valid", f.valid(), false, 201, nil},
		{"GET", func() Request { r := f.valid(); r.Method = "GET"; return r }(), false, 405,
			[]string{"http.method"}},
		{"no TTL", with(f.valid(), "TTL"), false, 400, []string{"hdr.ttl.present"}},
		{"no TTL nor Authorization", with(with(f.valid(), "TTL"), "Authorization"), false, 400,
			[]string{"hdr.ttl.present"}},
		{"no Authorization", with(f.valid(), "Authorization"), false, 401,
			[]string{"vapid.present"}},
		{"expired token", func() Request {
			c := f.claims()
			c["exp"] = f.now.Unix() - 1
			return f.withClaims(c)
		}(), false, 403, []string{"vapid.exp.expired"}},
		{"5000-octet body", f.aes128gcmRequest(f.raw(rawBody{rs: 8192,
			records: [][]byte{append(make([]byte, 4900), 2)}})), false, 413, []string{"body.size"}},
		{"a tampered record, accepted as real services do", tampered, false, 201, nil},
		{"a tampered record, rejected on request", tampered, true, 400, []string{"ece.decrypt"}},
		{"a bad subject is a warning, not a refusal", func() Request {
			c := f.claims()
			c["sub"] = "mailto:mailto:x@pushspec.dev"
			return f.withClaims(c)
		}(), false, 201, nil},
	} {
		got, why := Status(f.inspect(tc.req), tc.reject)
		var ids []string
		for _, w := range why {
			ids = append(ids, w.Requirement)
		}
		if got != tc.want || strings.Join(ids, ",") != strings.Join(tc.ids, ",") {
			t.Errorf("%s: Status = %d %v, want %d %v", tc.name, got, ids, tc.want, tc.ids)
		}
	}
}

func TestProfilesChangeVendorVerdicts(t *testing.T) {
	f := newFixture(t)
	r := with(f.valid(), "Topic", "abcde")
	for p, want := range map[Profile]Verdict{ProfileRFC: Warn, ProfileApple: Fail} {
		got, _ := Worst(f.inspectAs(r, p), "hdr.topic.b64len")
		if got.Verdict != want {
			t.Errorf("%s: hdr.topic.b64len %s, want %s", p, got.Verdict, want)
		}
	}
}

func TestCatalogue(t *testing.T) {
	groups := map[string]int{}
	for _, r := range Catalogue() {
		groups[r.Group()]++
		if r.Text == "" || len(r.Refs) == 0 || r.Level == "" || r.Broken == "" {
			t.Errorf("%s is incomplete: %+v", r.ID, r)
		}
		if r.Level == Must && r.Broken != Fail {
			t.Errorf("%s is a MUST but a breach is %s", r.ID, r.Broken)
		}
		for _, ref := range r.Refs {
			if strings.HasPrefix(ref.Doc, "RFC") && !strings.HasPrefix(ref.URL(),
				"https://www.rfc-editor.org/rfc/rfc") {
				t.Errorf("%s: bad link %q", r.ID, ref.URL())
			}
		}
	}
	if len(groups) != 8 {
		t.Errorf("groups %v, want http, ece, vapid, legacy, client, input, svc, vendor", groups)
	}
	if got := (Ref{Doc: "RFC 8030", Section: "5.2"}).URL(); got !=
		"https://www.rfc-editor.org/rfc/rfc8030#section-5.2" {
		t.Errorf("URL %s", got)
	}
}

func TestParseParams(t *testing.T) {
	for in, want := range map[string]string{
		"t=a.b.c, k=XYZ":             "t=a.b.c|k=XYZ",
		"t=a.b.c,k=XYZ":              "t=a.b.c|k=XYZ",
		`t="a.b.c" , k = XYZ`:        "t=a.b.c|k=XYZ",
		"dh=AB;p256ecdsa=CD":         "dh=AB;p256ecdsa=CD",
		"keyid=p256dh; dh=AB==, x=1": "keyid=p256dh;dh=AB==|x=1",
		"":                           "",
	} {
		entries, err := parseParams(in)
		if err != nil {
			t.Errorf("parseParams(%q): %v", in, err)
			continue
		}
		var es []string
		for _, e := range entries {
			var ps []string
			for _, p := range e {
				ps = append(ps, p.name+"="+p.value)
			}
			es = append(es, strings.Join(ps, ";"))
		}
		if got := strings.Join(es, "|"); got != want {
			t.Errorf("parseParams(%q) = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{",", "t", "t=\"open", "t=a k=b", "=x"} {
		if _, err := parseParams(bad); err == nil {
			t.Errorf("parseParams(%q) accepted it", bad)
		}
	}
}

func TestRequestFrom(t *testing.T) {
	r, _ := http.NewRequest("POST", "https://127.0.0.1:8443/push/abc?x=1", nil)
	r.TransferEncoding = []string{"chunked"}
	r.ContentLength = -1
	got := RequestFrom(r, []byte("x"))
	if got.Target != "/push/abc?x=1" || !got.Chunked || got.ContentLength != -1 {
		t.Errorf("%+v", got)
	}
}

func TestSignatureCacheAgreesWithVerification(t *testing.T) {
	f := newFixture(t)
	var c SignatureCache
	good := f.valid()
	parts := strings.Split(token(t, f.vapid, jwtHeaderES256, f.claims(), false), ".")
	other := f.claims()
	other["sub"] = "mailto:someone-else@pushspec.dev"
	parts[1] = strings.Split(token(t, f.vapid, jwtHeaderES256, other, false), ".")[1]
	bad := f.withToken(strings.Join(parts, "."), f.vapid.PublicKeyString())
	for i := 0; i < 2; i++ { // the second round is answered from the cache
		for name, tc := range map[string]struct {
			r    Request
			want Verdict
		}{"good": {good, Pass}, "bad": {bad, Fail}} {
			res := Inspect(tc.r, f.sub(), Options{Now: f.now, Signatures: &c})
			if got, _ := res.Verdict("vapid.jwt.signature"); got != tc.want {
				t.Errorf("round %d, %s token: %s, want %s", i, name, got, tc.want)
			}
		}
	}
}
