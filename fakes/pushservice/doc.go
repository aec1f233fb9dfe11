// Package pushservice is a strict RFC 8030 push service on loopback, for
// testing the application servers that send to it, and a model of the
// delivery semantics that push services are held to.
//
// It is shaped like net/http/httptest: NewServer starts it over HTTP/1.1
// (and HTTP/2 with prior knowledge), NewTLSServer over TLS with HTTP/2 and a
// throwaway CA that Client and WriteCA let any sender trust; URL is its base
// and Close stops it. Configuration is the exported fields of Server, set
// through the options of the constructors; the zero values are right.
//
// It hands out subscriptions with user agent keys of its own (restricted to
// a VAPID key when one is given) and inspects every push with package
// checks: every header parsed, every payload decrypted, every rule judged.
// It answers as a strict service would: 201 (or 202 for Prefer:
// respond-async) with Location, or 400, 401, 403, 404, 405, 410, 413, 429
// or 507 with a body whose findings name the requirement IDs. Faults that
// only decryption reveals are recorded but answered 201, as real services
// do, unless RejectUndecryptable is set. Every message is kept with its
// findings and decrypted payload for tests to read.
//
// The user agent side (delivery.go): a subscription is connected or
// offline; messages for an offline one queue until it connects, their TTL
// passes (on the service's clock, which Advance moves), or a newer one with
// the same Topic replaces them; TTL 0 reaches only a connected user agent;
// a user agent's urgency threshold holds lower messages back; receipts are
// filed when the user agent reads a message. Queues are bounded: past them
// a push gets 429 (one subscription) or 507 (the whole service), and Counts
// account for every accepted message.
//
// Profile makes it answer like FCM, Mozilla's autopush, Apple or WNS:
// their limits, statuses and error bodies (profiles.go). Inject and Script
// make it answer the next pushes with a given status, a delay, a reset
// connection or an HTTP/2 GOAWAY. Misbehave breaks one RFC rule on purpose,
// for the service suite's negative controls. SkipInspection turns the
// judging off, for measuring the service's HTTP capacity alone (pushspec
// load reports both).
//
// The control API (JSON; a Bearer ControlToken when set):
//
//	POST   /subscriptions                  {"applicationServerKey": "…"} (optional)
//	                                       → 201 {"id", "endpoint", "keys": {"p256dh", "auth"}}
//	GET    /subscriptions/{id}             state and counts
//	DELETE /subscriptions/{id}             unsubscribed: later pushes get 410
//	POST   /subscriptions/{id}/expire      expired: later pushes get 404
//	GET    /subscriptions/{id}/messages    the messages received, with findings
//	POST   /subscriptions/{id}/connect     {"urgency": "low"} (optional threshold)
//	POST   /subscriptions/{id}/disconnect
//	GET    /subscriptions/{id}/stream      server-sent events, or a JSON long poll
//	                                       (?wait=2s&max=10)
//	PUT    /subscriptions/{id}/rate        {"messages": 10, "per": "1m"}
//	GET    /messages/{id}                  one message; DELETE cancels it
//	POST   /receipts, GET /receipts/{id}   receipt subscriptions and their receipts
//	POST   /faults                         {"status": 503, "retryAfter": 5, "count": 2, …}
//	POST   /clock                          {"advance": "61s"}
//	GET    /stats                          counts of the whole service
//	POST   /push/{id}                      the push endpoint
//
// What it does not model: delivery over HTTP/2 server push (RFC 8030 §6;
// the stream and long poll stand in for it), and receipts pushed to the
// application server (GET /receipts/{id} stands in).
//
//	go test ./fakes/pushservice
//	go run ./cmd/pushspec serve --tls
package pushservice
