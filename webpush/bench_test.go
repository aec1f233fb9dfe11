package webpush

import (
	"context"
	"testing"
)

// The comparison with other senders and with the crypto floor is in package
// benchmarks (make bench); these measure the steps of the hot path alone.

func BenchmarkEncrypt(b *testing.B) {
	_, r := newUA(b)
	pt := make([]byte, 256)
	dst := make([]byte, 0, MaxBodySize)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AppendEncrypt(dst[:0], r, pt, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	k, err := GenerateVAPIDKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	c := Claims{Audience: "https://push.example.net", Subject: "mailto:ops@pushspec.dev"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Sign(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewRequest(b *testing.B) {
	_, r := newUA(b)
	k, _ := GenerateVAPIDKey(nil)
	s := &Sender{VAPID: k, Subject: "mailto:ops@pushspec.dev"}
	m := Message{Payload: make([]byte, 256), TTL: 60}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.NewRequest(ctx, r, m); err != nil {
			b.Fatal(err)
		}
	}
}
