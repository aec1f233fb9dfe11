package checks

import (
	"crypto/ecdh"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushspec/pushspec/webpush"
)

// FuzzInspect feeds Inspect arbitrary methods, targets, headers and bodies:
// it must never panic, and every finding must name a catalogued requirement
// with a verdict and a detail.
//
//	go test ./checks -run '^$' -fuzz FuzzInspect -fuzztime 60s
func FuzzInspect(f *testing.F) {
	ua := fuzzUA(f)
	vk, err := webpush.NewVAPIDKey(make32(7))
	if err != nil {
		f.Fatal(err)
	}
	// Seeds made for these keys decrypt, so the fuzzer starts deep inside.
	fx := newFixture(&testing.T{})
	fx.ua, fx.vapid, fx.sender.VAPID = ua, vk, vk
	seed := func(r Request) {
		f.Add(r.Method, r.Target, headerText(r.Header), r.Body)
	}
	seed(fx.valid())
	seed(fx.request(webpush.Message{Payload: []byte("x"), TTL: 0, Urgency: "low", Topic: "t1"}))
	seed(fx.aesgcmRequest())
	seed(with(fx.valid(), "Authorization", "vapid t=a.b.c, k=BBBB"))
	seed(with(fx.valid(), "Authorization", "WebPush e30.e30.AAAA"))
	seed(withBody(fx.valid(), []byte{0: 0, 20: 0xff}))
	f.Add("GET", "/", "TTL: x\nTopic: a=\nContent-Encoding: aesgcm\nEncryption: salt=\n"+
		"Crypto-Key: dh=\"\", p256ecdsa=;;", []byte("plain"))

	sub := Subscription{Endpoint: testEndpoint, Keys: ua, ApplicationServerKey: vk.PublicKey()}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte) {
		h := http.Header{}
		for _, line := range strings.Split(headers, "\n") {
			k, v, ok := strings.Cut(line, ":")
			if ok {
				h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
		r := Request{Method: method, Target: target, Header: h, Body: body,
			ContentLength: int64(len(body))}

		var in Inspector
		for i := 0; i < 2; i++ {
			res := in.Inspect(r, sub, now)
			fs := append(res.Findings, CheckIntent(r, res, Intent{Payload: body}, ProfileApple)...)
			for _, x := range fs {
				if _, ok := Lookup(x.Requirement); !ok || x.Detail == "" ||
					x.Verdict.rank() > Fail.rank() {
					t.Fatalf("bad finding %+v", x)
				}
			}
			Status(fs, true)
		}
	})
}

func headerText(h http.Header) string {
	var sb strings.Builder
	for k, vs := range h {
		for _, v := range vs {
			sb.WriteString(k + ": " + v + "\n")
		}
	}
	return sb.String()
}

func make32(b byte) []byte {
	d := make([]byte, 32)
	d[31] = b
	return d
}

func fuzzUA(f *testing.F) *webpush.UserAgentKeys {
	priv, err := ecdh.P256().NewPrivateKey(make32(9))
	if err != nil {
		f.Fatal(err)
	}
	return &webpush.UserAgentKeys{Private: priv, Auth: make([]byte, 16)}
}
