// Package load is the load suite: pushspec's generator (package loadgen)
// against the fake push service at a sustained rate. It checks that the
// fake receives exactly the messages sent, every one decrypted and judged,
// none lost and none twice, over HTTP/1.1 and HTTP/2 with TLS; and it
// measures the fake's own capacity, with and without inspection, and
// reports it (Ginkgo report entries, and the spec's output).
//
// Its specs carry the label "load" and run Serial: a load spec would
// distort any spec running beside it, and be distorted by it. It asserts
// no speed: the capacity is a measurement for the report. make conformance
// leaves this suite out (--skip-package=suites/load) so that it never slows
// or colours a conformance run; make load-suite runs it:
//
//	make load-suite
//	go run github.com/onsi/ginkgo/v2/ginkgo -v ./suites/load
package load
