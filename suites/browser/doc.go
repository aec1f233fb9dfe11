// Package browser is the end-to-end suite: a real headless Chromium
// subscribes through fakes/fcm, the sender under test pushes to it, and the
// service worker hands back the exact bytes of event.data, which must be the
// bytes the sender was asked to send. It is the strongest evidence pushspec
// gives: not our decryptor's opinion, but a browser's.
//
// Every spec carries the label "browser". For each payload (empty, 1 octet,
// UTF-8 text, 256 random octets, 3993 random octets) and each encoding
// (aes128gcm; aesgcm when the sender's Hello declares it, else the spec is
// UNSUPPORTED), a spec subscribes a new service worker scope, rewrites
// Chromium's endpoint (https://jmt17.google.com/fcm/send/<token>) to the
// fake's loopback endpoint for the token, sends through the sender and
// compares. Then the push service's side: a message sent while the
// browser's MCS connection is down arrives after it reconnects; a TTL 0
// message sent while it is down never arrives; of two same-Topic messages
// sent while it is down only the second arrives; after unsubscribe a push
// gets 404 or 410; a push signed with another key than the subscription's
// applicationServerKey gets 403 (the fake runs the FCM profile throughout).
//
// The cross-check. Our decryptor cannot see Chromium's private key, so the
// suite compares like with like instead: every payload spec also has the
// sender send the same payload to a fakes/pushservice subscription, whose
// decryptor must find the same bytes; and for message kinds the harness
// builds itself with package webpush's low-level functions (valid
// aes128gcm and aesgcm, a corrupt tag in each, delimiter 0x01 in the last
// record, non-zero padding, an aesgcm padding length past the record), the
// verdict of pushspec's decryptor on the kind sent to fakes/pushservice must
// match what Chromium does with it: an event with exactly those bytes, or no
// event at all. "No event" is observed, not slept on: a valid sentinel
// message follows the faulty one on the same ordered connection, and the
// first event must be the sentinel's; a short grace period then catches a
// straggler.
//
// Each spec records a reports.BrowserEntry ("pushspec.browser"), which
// conformance.md renders as the section "Real browser (Chromium <version>)".
//
//	make chromium   # apt-get install chromium, when missing
//	go run github.com/onsi/ginkgo/v2/ginkgo --label-filter=browser -r ./suites
//	PUSHSPEC_SENDER=webpush-go go run github.com/onsi/ginkgo/v2/ginkgo ./suites/browser
//	PUSHSPEC_CHROME=/path/to/chromium go run github.com/onsi/ginkgo/v2/ginkgo ./suites/browser
package browser
