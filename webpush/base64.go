package webpush

import (
	"encoding/base64"
	"strings"
)

// b64 is the encoding of every value pushspec writes: base64url without
// padding (RFC 7515 §2, RFC 8291 §3.2).
var b64 = base64.RawURLEncoding

// EncodeBase64 encodes b as unpadded base64url, the form Web Push uses for
// keys, salts, tokens and subscription secrets.
func EncodeBase64(b []byte) string { return b64.EncodeToString(b) }

// DecodeBase64 decodes s leniently: base64url or standard alphabet, with or
// without padding. Browsers hand out unpadded base64url, but subscriptions
// stored by other software arrive in every flavour, and a sender should
// accept them all. Package checks holds the wire to the strict form.
func DecodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "+/") {
		return base64.RawStdEncoding.DecodeString(s)
	}
	return b64.DecodeString(s)
}

// IsStrictBase64URL reports whether s is non-empty unpadded base64url whose
// decoding encodes back to s (no stray bits in the last character).
func IsStrictBase64URL(s string) bool {
	if s == "" {
		return false
	}
	b, err := b64.Strict().DecodeString(s)
	return err == nil && len(b) > 0
}
