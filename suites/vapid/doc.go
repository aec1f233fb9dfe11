// Package vapid is the conformance suite of VAPID (RFC 8292): the
// Authorization header, the key k, and the ES256 JWT with its aud, exp and
// sub claims, as the fake push service verifies them. One spec per
// requirement of the catalogue's "vapid" group.
//
//	PUSHSPEC_SENDER=pushspec go run github.com/onsi/ginkgo/v2/ginkgo ./suites/vapid
package vapid
