// Package headers is the conformance suite of what a sender puts on the wire
// besides the payload: the request itself (RFC 9112, RFC 8030 §5) and the
// TTL, Urgency and Topic headers (RFC 8030 §5.2–§5.4), the content coding
// (RFC 8291 §4) and the body size (RFC 8030 §7.2). One spec per requirement
// of the catalogue's "http" group.
//
//	PUSHSPEC_SENDER=pushspec go run github.com/onsi/ginkgo/v2/ginkgo ./suites/headers
package headers
