// Package loadgen is pushspec's load generator for Web Push: vegeta (as a
// library) attacking push endpoints with freshly encrypted, VAPID-signed
// messages, and the report of what came back.
//
// An Attack takes a Pool of subscriptions (from the fake's control API with
// Subscribe, from a JSON file of PushSubscriptions with ParseSubscriptions,
// or made up with Generate) and makes a new message per hit: a fresh
// ephemeral key and salt (RFC 8291 §3.1, RFC 8188 §2.1), a payload that
// carries the message's sequence number (AppendPayload), and a VAPID token
// cached per audience (RFC 8292 §2). Where the encryption happens is the
// Mode, and it decides what latency means, because vegeta starts a hit's
// clock before it calls the Targeter:
//
//   - Inline encrypts in the Targeter: latency includes the sender's work.
//   - PreEncrypted encrypts ahead on all cores into a bounded queue: latency
//     is the push service's alone. Hits that find the queue empty are
//     counted (QueueUnderruns).
//   - Constant sends one message per subscription over and over: the
//     baseline of a plain vegeta attack with fixed bodies.
//
// Any vegeta Pacer sets the rate; workers are bounded (DefaultMaxWorkers)
// so that a saturated attack reports the service's latency, not its own
// queueing; HTTP/1.1, HTTP/2 over TLS and h2c are available. Answers are
// classified as a push service means them (Classify): 201 and 202 accepted,
// 404 and 410 gone (the subscription leaves the pool), 413, and 429 whose
// Retry-After is honoured or counted (RetryAfterPolicy). Results are
// written in vegeta's own encoding, so `vegeta report results.bin` and
// `vegeta plot` read them; a Run records the rest (run.json).
//
// A Shard "i/n" takes every n-th subscription and sequence number, so that
// n generators on n machines attack together; Report merges their results
// into one report.txt, report.json, latency.hgrm (an HdrHistogram) and
// load.html (vegeta's plot with the push summary above it, self-contained).
//
// The library never logs; failures are errors that name their step, and
// Run returns only once every goroutine it started has stopped.
//
//	go test ./loadgen
//	go run ./cmd/pushspec load -h
package loadgen
