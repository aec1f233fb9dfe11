// Package encryption is the conformance suite of payload encryption: the
// aes128gcm content coding (RFC 8188, RFC 8291), decrypted by the fake with
// the subscription's keys, and the legacy aesgcm coding of the drafts for
// senders that declare it. One spec per requirement of the catalogue's "ece"
// and "legacy" groups.
//
//	PUSHSPEC_SENDER=pushspec go run github.com/onsi/ginkgo/v2/ginkgo ./suites/encryption
package encryption
