// Package fcm is a fake of Chromium's push backend on loopback, so that a
// real Chromium subscribes, receives and decrypts push messages through it
// with no network.
//
// Chromium's GCM client speaks three protocols, and the fake serves each:
//
//   - checkin (POST, protobuf AndroidCheckinRequest): every browser profile
//     checks in once and becomes a Device with an android_id and a security
//     token; a later checkin with the same credentials keeps them;
//   - registration (POST, a form with "Authorization: AidLogin id:token"):
//     PushManager.subscribe registers app "org.chromium.linux" with the
//     applicationServerKey as sender and gets "token=<token>"; delete=true
//     unsubscribes;
//   - MCS over TLS: version octet 41, then frames of a tag octet, a varint
//     length and a protobuf (frame.go). The browser logs in with its
//     credentials; the fake answers, sends each message as a
//     DataMessageStanza asking for an immediate acknowledgement, answers
//     heartbeats, and counts acknowledgements (last_stream_id_received,
//     SelectiveAck, a login's received_persistent_id). A device has one
//     connection: the latest login wins (Chromium drops its first
//     connection and reconnects at once), and what was sent but not
//     acknowledged is sent again after the next login.
//
// The push endpoint, URL()+"/fcm/send/<token>", is where senders push. It
// judges every request with package checks, as fakes/pushservice does, but
// cannot decrypt (the browser holds the private key): a push must carry
// VAPID for the subscription's applicationServerKey (403 otherwise), a
// deleted registration answers 410, an unknown token 404. Under
// checks.ProfileFCM errors are plain text, as FCM's are. An accepted message
// is queued for its device: delivered at once over MCS when the browser is
// connected, kept while it is not, expired when its TTL runs out (TTL 0
// means now or never), and replaced by a newer message with the same Topic
// while queued (RFC 8030 §5.2, §5.4). Messages reports what became of each
// (MessageState).
//
// Endpoint maps the endpoint Chromium hands out
// (https://jmt17.google.com/fcm/send/<token> on Chromium 156; no switch
// changes it) to the fake's endpoint for the same token. Disconnect and
// Reconnect hold a browser offline: its connection is closed and its next
// logins are not answered until Reconnect, so messages pushed meanwhile wait
// in the queue as for a browser without network.
//
// It is shaped like net/http/httptest: NewServer, URL, Client (which trusts
// its throwaway CA), Close. Point Chromium at CheckinURL, RegistrationURL
// and MCSEndpoint (package browser does). It does not model FCM's own API
// (server keys, topics, the HTTP v1 API), collapse keys, or the "deleted
// messages" notice past the queue limit.
//
//	go test ./fakes/fcm
//	go test ./fakes/fcm -run '^$' -fuzz FuzzReadFrame -fuzztime 30s
package fcm
