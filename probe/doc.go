// Package probe holds a push service to RFC 8030: every svc.* requirement of
// the catalogue has a probe that uses the service through its push endpoints
// and pushspec's control API, and returns the requirement's finding
// (checks.CheckCreated and its kin give the verdicts).
//
// The control API is fakes/pushservice's: subscriptions with their keys, the
// user agent's connection (connect, disconnect, stream), a rate limit, the
// clock. pushspec's own fake is the service under test by default; any
// service that speaks the control API (or a shim in front of a real one)
// can be probed the same way.
//
// Every probe has a negative control in probe_test.go: the fake with one
// Misbehave option set makes exactly that probe fail.
//
//	go test ./probe
package probe
