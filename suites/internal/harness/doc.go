// Package harness runs a sender under test against the fake push service
// for the conformance suites, and turns what the fake found into one verdict
// per requirement, recorded as a Ginkgo report entry.
//
// The sender is the one named by $PUSHSPEC_SENDER ("pushspec" by default,
// see senders.Names). A suite calls New in its BeforeSuite, declares one
// spec per requirement, and in each calls Judge on the runs of the cases
// that bear on it. Runs are memoised by case name, so a case that many specs
// need is sent once per suite.
package harness
