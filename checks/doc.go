// Package checks is pushspec's requirement catalogue and its inspector.
//
// The catalogue (Catalogue, Lookup) lists every rule pushspec holds a sender
// to, each with a stable ID such as "vapid.aud.origin", the RFC section it
// comes from, its level (MUST, SHOULD, MAY, policy or vendor:<name>) and the
// verdict a breach earns. The IDs are a contract: findings, spec labels and
// reports all use them.
//
// Inspect takes one push request as a push service received it, with the
// subscription's private keys, and returns a Finding for every requirement
// that applies to it: PASS, or FAIL, WARN or INFO with a detail that quotes
// what was seen and what was expected. It decrypts every payload, and when
// decryption fails it tries the derivation faults that libraries are known
// to make, so that the detail can say which step went wrong. An Inspector adds
// the rules that span messages (salt reuse, key reuse, token reuse).
// CheckIntent compares a request with what the sender was asked to send.
//
// The package is pure: no I/O, no logging, no panics on any input (see
// FuzzInspect). Every requirement has a negative control in
// controls_test.go, and TestEveryRequirementHasANegativeControl fails when
// one is missing.
//
//	go test ./checks
//	go test ./checks -run '^$' -fuzz FuzzInspect -fuzztime 60s
package checks
