// Package benchmarks measures the encrypt-sign-send hot path of Web Push
// senders side by side in one run, against the cost of the cryptography
// every sender must do.
//
// Each message needs a fresh ephemeral P-256 key, one ECDH, the HKDF steps
// of RFC 8291 §3.4 and RFC 8188 §2.2, and one AES-128-GCM seal: the floor,
// measured here step by step with Go's crypto packages
// (BenchmarkFloor/step=…). A VAPID token may be reused for its audience
// until near its expiry (RFC 8292 §2), so signing is off the hot path for a
// sender that caches it. The senders are measured on the same steps where
// their API exposes them (BenchmarkEncrypt, BenchmarkSign, BenchmarkToken)
// and on a whole send to an in-process push service that answers 201 and
// costs next to nothing (BenchmarkSend/sender=…).
//
// Besides time and allocations per message, every benchmark reports the
// process's CPU time per message (cpu-ns/op, from getrusage, so garbage
// collection on other threads counts) and its inverse, messages per
// CPU-second (msgs/cpu-s). On a shared machine CPU time moves less than
// wall time, and ratios within one run are what to trust.
//
//	make bench
//	go test -run '^$' -bench . -benchmem -count 6 ./benchmarks > bench.txt
//	go tool benchstat -col '/sender@(webpush-go pushspec)' -filter '.name:Send' bench.txt
//	go run ./benchmarks/cmd/benchratio bench.txt
package benchmarks
