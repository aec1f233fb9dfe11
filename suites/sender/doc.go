// Package sender is the conformance suite of how a sender behaves rather
// than what it puts on the wire: how it reports the push service's answers
// (the fake answers scripted statuses: 201, 202, 400, 401, 403, 404, 410,
// 413, 429 with Retry-After, 500), whether it keeps two push services'
// audiences apart, and whether it refuses malformed subscriptions and
// oversize payloads without sending anything. One spec per requirement of
// the catalogue's "client" and "input" groups.
//
//	PUSHSPEC_SENDER=node-web-push go run github.com/onsi/ginkgo/v2/ginkgo ./suites/sender
package sender
