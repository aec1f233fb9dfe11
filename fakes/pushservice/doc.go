// Package pushservice is a strict RFC 8030 push service on loopback, for
// testing the application servers that send to it.
//
// It is shaped like net/http/httptest: NewServer starts it over HTTP/1.1
// (and HTTP/2 with prior knowledge), NewTLSServer over TLS with HTTP/2 and a
// throwaway CA that Client and CAFile let any sender trust; URL is its base
// and Close stops it. Configuration is the exported fields of Server, set
// through the options of the constructors; the zero values are right.
//
// It hands out subscriptions with user agent keys of its own (restricted to
// a VAPID key when one is given), and inspects every push with package
// checks: every header is parsed, every payload decrypted, every rule judged.
// It answers as a strict service would: 201 with Location, or 400, 401, 403,
// 404, 405, 410 or 413 with a JSON body whose findings name the requirement
// IDs. Faults that only decryption reveals are recorded but answered 201, as
// real services do, unless RejectUndecryptable is set. Every message is kept
// with its findings and decrypted payload for tests to read, through the Go
// API or the control API:
//
//	POST   /subscriptions                 {"applicationServerKey": "…"} (optional)
//	                                      → 201 {"id", "endpoint", "keys": {"p256dh", "auth"}}
//	POST   /push/{id}                     the push endpoint
//	GET    /subscriptions/{id}/messages   → the messages received, oldest first
//	DELETE /subscriptions/{id}            later pushes to it get 410
//
// It does not model delivery to a user agent yet: messages are received and
// judged, not queued, expired or replaced.
//
//	go test ./fakes/pushservice
//	go run ./cmd/pushspec serve --tls
package pushservice
