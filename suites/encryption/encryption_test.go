package encryption_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/pushspec/pushspec/suites/internal/harness"
	"github.com/pushspec/pushspec/suites/internal/labels"
)

const timeout = SpecTimeout(2 * time.Minute)

// everyday is the standard mix plus a small record size.
var everyday = append([]harness.Case{harness.RecordSize}, harness.Standard...)

var _ = Describe("RFC 8188 §2.1 the aes128gcm header", func() {
	It("sends a whole header, keyid and record", labels.For("ece.header.length"),
		func(ctx SpecContext) {
			h.Judge("ece.header.length", h.RunAll(ctx, everyday...)...)
		}, timeout)

	It("sets rs above the record's length", labels.For("ece.header.rs"),
		func(ctx SpecContext) {
			h.Judge("ece.header.rs", h.RunAll(ctx, everyday...)...)
		}, timeout)

	It("puts its ephemeral public key in the keyid", labels.For("ece.header.keyid"),
		func(ctx SpecContext) {
			h.Judge("ece.header.keyid", h.RunAll(ctx, everyday...)...)
		}, timeout)
})

var _ = Describe("RFC 8291 §4 one record", func() {
	It("encrypts every message as a single record", labels.For("ece.single_record"),
		func(ctx SpecContext) {
			h.Judge("ece.single_record", h.RunAll(ctx, everyday...)...)
		}, timeout)
})

var _ = Describe("RFC 8291 §3 key derivation", func() {
	It("encrypts so that the subscription's keys decrypt", labels.For("ece.decrypt"),
		func(ctx SpecContext) {
			runs := h.RunAll(ctx, append(everyday, harness.AESGCM)...)
			h.Judge("ece.decrypt", runs...)
		}, timeout)

	It("keeps a leading zero octet of the ECDH secret", labels.For("ece.ecdh_truncated",
		labels.Slow), func(ctx SpecContext) {
		h.JudgeExercised("ece.ecdh_truncated", "no ECDH secret started with a zero octet "+
			"(one in 256 does), so this run could not tell", h.Run(ctx, harness.Statistical))
	}, SpecTimeout(5*time.Minute))

	It("ends the record with delimiter 0x02 and zero padding",
		labels.For("ece.record.delimiter"), func(ctx SpecContext) {
			h.Judge("ece.record.delimiter", h.RunAll(ctx, everyday...)...)
		}, timeout)

	It("delivers exactly the bytes it was asked to send", labels.For("ece.plaintext.roundtrip"),
		func(ctx SpecContext) {
			runs := h.RunAll(ctx, append(everyday, harness.AESGCM)...)
			h.Judge("ece.plaintext.roundtrip", runs...)
		}, timeout)
})

var _ = Describe("RFC 8291 §3.1 fresh keying material", func() {
	It("never reuses a salt with the same key", labels.For("ece.salt.unique"),
		func(ctx SpecContext) {
			h.Judge("ece.salt.unique", h.Run(ctx, harness.Stream))
		}, timeout)

	It("makes a new ephemeral key for every message", labels.For("ece.keyid.fresh"),
		func(ctx SpecContext) {
			h.Judge("ece.keyid.fresh", h.Run(ctx, harness.Stream))
		}, timeout)
})

var _ = Describe("legacy aesgcm (draft-ietf-webpush-encryption-04)", func() {
	It("sends aes128gcm unless asked for aesgcm", labels.For("legacy.aesgcm.used"),
		func(ctx SpecContext) {
			h.JudgeDefaultEncoding(h.RunAll(ctx, harness.Standard...)...)
		}, timeout)

	It("carries one 16-octet salt in Encryption", labels.For("legacy.encryption.salt"),
		func(ctx SpecContext) {
			runs := h.RunAll(ctx, harness.AESGCM, harness.AESGCMWebPush)
			h.Judge("legacy.encryption.salt", runs...)
		}, timeout)

	It("carries its ECDH key in Crypto-Key: dh", labels.For("legacy.crypto_key.dh"),
		func(ctx SpecContext) {
			runs := h.RunAll(ctx, harness.AESGCM, harness.AESGCMWebPush)
			h.Judge("legacy.crypto_key.dh", runs...)
		}, timeout)

	It("writes Crypto-Key in the canonical form", labels.For("legacy.crypto_key.parse"),
		func(ctx SpecContext) {
			runs := h.RunAll(ctx, harness.AESGCM, harness.AESGCMWebPush, harness.WebPushScheme)
			h.Judge("legacy.crypto_key.parse", runs...)
		}, timeout)

	It("encodes p256ecdsa as unpadded base64url",
		labels.For("legacy.crypto_key.p256ecdsa.encoding"), func(ctx SpecContext) {
			runs := h.RunAll(ctx, harness.WebPushScheme, harness.AESGCMWebPush, harness.AESGCM)
			h.Judge("legacy.crypto_key.p256ecdsa.encoding", runs...)
		}, timeout)

	It("pads aesgcm plaintext with a 2-octet length and zeros", labels.For("legacy.padding"),
		func(ctx SpecContext) {
			h.Judge("legacy.padding", h.RunAll(ctx, harness.AESGCM, harness.AESGCMWebPush)...)
		}, timeout)

	It("sends no draft headers with aes128gcm", labels.For("legacy.headers_with_aes128gcm"),
		func(ctx SpecContext) {
			runs := h.RunAll(ctx, append(harness.Standard, harness.WebPushScheme)...)
			h.Judge("legacy.headers_with_aes128gcm", runs...)
		}, timeout)
})
