// Package reports turns the Ginkgo JSON report of a conformance run into
// what people read: conformance.md, a row per requirement with its level,
// verdict and detail, and the exit status that CI acts on (non-zero when a
// MUST is broken, as h2spec does).
//
// The suites record each requirement's verdict as a Ginkgo report entry
// (Entry, named EntryName); Load reads them back, so a report can be
// rendered again later from report.json alone:
//
//	go run ./cmd/pushspec report reports/out/pushspec
//	go test ./reports
package reports
