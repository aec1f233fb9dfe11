// Package service is the conformance suite of a push service: one spec per
// svc.* requirement of the catalogue, each a probe (package probe) that uses
// the service through its push endpoints and the control API, and a spec
// per rule of each vendor profile of the fake, showing which real-world
// faults each service catches.
//
// The service under test is pushspec's fake, started in process with
// $PUSHSPEC_PROFILE (rfc by default), or the one at $PUSHSPEC_SERVICE (its
// CA in $PUSHSPEC_SERVICE_CA, its control token in $PUSHSPEC_SERVICE_TOKEN).
//
//	go run github.com/onsi/ginkgo/v2/ginkgo ./suites/service
//	make service
package service
