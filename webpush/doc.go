// Package webpush is the Web Push protocol in Go, in both directions.
//
// It encrypts and decrypts push message payloads with the aes128gcm content
// coding (RFC 8188, RFC 8291) and the legacy aesgcm coding of
// draft-ietf-webpush-encryption-04 that libraries still send; it signs and
// verifies VAPID tokens (RFC 8292), in the "vapid" scheme and in the draft
// "WebPush" scheme with Crypto-Key: p256ecdsa; and Sender, the reference
// application server, turns a Subscription and a Message into an RFC 8030
// request and reports the push service's answer.
//
// The same code serves the senders under test (Sender is pushspec's own) and
// the fakes that inspect them (Decrypt, DecryptAESGCM, VerifyToken), so every
// step that can fail returns an error that names the step and wraps one of
// the sentinel errors below; package checks turns those into findings.
//
// Input that breaks a rule of the protocol is refused before anything is sent,
// with a *FieldError that names the field, the rule and the RFC section.
//
// Sender is the hot path of pushspec's load generator, and sits at the
// floor of Go's cryptography: per message one ephemeral key, one ECDH, five
// HMAC-SHA-256 over a reused buffer (no crypto/hmac state to allocate) and
// one AES-GCM seal in place in the body; the VAPID token is signed once per
// (key, audience) and read without a lock until half its lifetime is left.
// Prepare gives the headers and body without an http.Request, for callers
// with their own HTTP client. make bench compares it with webpush-go and the
// floor (package benchmarks).
//
// Run its tests, including the RFC known-answer tests in testdata/:
//
//	go test ./webpush
//	go test -run '^$' -bench . -benchmem ./webpush
package webpush
