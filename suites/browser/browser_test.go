package browser_test

import (
	"fmt"
	"time"
	"unicode/utf8"

	. "github.com/onsi/ginkgo/v2"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/fakes/fcm"
	"github.com/pushspec/pushspec/reports"
	"github.com/pushspec/pushspec/suites/internal/harness"
	"github.com/pushspec/pushspec/suites/internal/labels"
	"github.com/pushspec/pushspec/webpush"
)

const (
	timeout        = SpecTimeout(2 * time.Minute)
	offlineTimeout = SpecTimeout(3 * time.Minute)
)

// payloads are what the sender is asked to deliver to Chromium; the random
// ones are drawn once per suite process. Chromium 156 hands event.data only
// a payload that is valid UTF-8 (anything else arrives as null), so the
// random binary payloads are random octets that form valid UTF-8, NUL and
// control characters included, and one more kind shows what happens to the
// rest.
var payloads = []struct {
	name    string
	payload []byte
}{
	{"empty payload", []byte{}},
	{"1-octet payload", randomUTF8(1)},
	{"UTF-8 text", harness.Text.Payload},
	{"256 random octets (valid UTF-8)", randomUTF8(256)},
	{"3993 random octets (valid UTF-8)", randomUTF8(3993)},
	{"256 random octets, not UTF-8", randomNotUTF8(256)},
}

// entry is a table entry with the spec timeout, which a table cannot carry.
func entry(name string, args ...any) TableEntry {
	return Entry(name, append(args, timeout)...)
}

func payloadEntries() []TableEntry {
	var entries []TableEntry
	for _, enc := range []string{"aes128gcm", "aesgcm"} {
		for _, p := range payloads {
			entries = append(entries, entry(p.name+", "+enc, p.name, enc, p.payload))
		}
	}
	return entries
}

var _ = DescribeTable("Chromium decrypts exactly what the sender sends", Label(labels.Browser),
	func(ctx SpecContext, scenario, encoding string, payload []byte) {
		entry := reports.BrowserEntry{Scenario: scenario, Encoding: encoding,
			Sent: reports.Bytes(payload)}
		if why := unsupported(encoding); why != "" {
			entry.Verdict, entry.Detail = checks.Unsupported, why
			record(entry)
			return
		}
		m := message{payload: payload, ttl: 60, encoding: encoding}
		verdict, decrypted := decryptorVerdict(ctx, m)
		entry.Decryptor = verdict

		t := subscribe(ctx)
		res := send(ctx, t.subscription(), m)
		entry.Status = res.Status
		if res.Status != 201 {
			entry.Verdict, entry.Detail = checks.Fail, "the push endpoint refused the message: "+
				describe(res)
			record(entry)
			return
		}
		sent := t.lastMessage()
		push, event := t.event(ctx)
		switch {
		case !event && len(payload) == 0 && encoding == "aes128gcm" && emptyRecord(sent.Body):
			entry.Verdict, entry.Detail = checks.Warn, "an interop hazard: the sender "+
				"encrypted the empty payload as a 17-octet record (delimiter and tag, no "+
				"padding), which RFC 8188 allows and Chromium drops without an event; "+
				"one octet of padding, or no body at all, reaches it"
			record(entry)
			return
		case !event:
			entry.Verdict, entry.Detail = checks.Fail, fmt.Sprintf("Chromium fired no push "+
				"event: it could not decrypt the message, or dropped it (the fake says the "+
				"message is %s)", sent.State)
			record(entry)
			return
		case push.Null && len(payload) > 0 && !utf8.Valid(payload) && decrypted:
			entry.Event = true
			entry.Verdict, entry.Detail = checks.Info, "Chromium decrypted the message (a "+
				"message it cannot decrypt fires no event) but hands event.data only a "+
				"payload that is valid UTF-8, so it was null; pushspec's decryptor found "+
				"exactly the bytes sent"
			record(entry)
			return
		}
		entry.Event, entry.Received = true, reports.Bytes(push.Data)
		detail, same := compare(push.Data, push.Null, payload)
		switch {
		case !same:
			entry.Verdict = checks.Fail
		case !decrypted:
			entry.Verdict = checks.Fail
			detail += "; but pushspec's decryptor disagrees about the same sender's message"
		default:
			entry.Verdict = checks.Pass
			detail += "; pushspec's decryptor agrees"
		}
		entry.Detail = detail
		record(entry)
	}, payloadEntries())

var _ = Describe("RFC 8030 §5.2 a push service holds messages for an offline user agent",
	Label(labels.Browser), func() {
		It("delivers a message sent while the MCS connection was down after it reconnects",
			func(ctx SpecContext) {
				payload := []byte("sent while the browser was offline")
				entry := reports.BrowserEntry{Scenario: "sent while offline, delivered after " +
					"reconnect", Encoding: "aes128gcm", Sent: reports.Bytes(payload)}
				t := subscribe(ctx)
				t.offline(ctx)
				res := send(ctx, t.subscription(), message{payload: payload, ttl: 600})
				entry.Status = res.Status
				if res.Status != 201 {
					entry.Verdict, entry.Detail = checks.Fail, "the push endpoint refused "+
						"the message: "+describe(res)
					record(entry)
					return
				}
				queued := t.lastMessage()
				t.online()
				push, err := t.next(ctx, reconnectTimeout)
				if err != nil {
					entry.Verdict, entry.Detail = checks.Fail, fmt.Sprintf("no push event "+
						"within %v of the reconnect (the fake says the message is %s)",
						reconnectTimeout, t.lastMessage().State)
					record(entry)
					return
				}
				entry.Event, entry.Received = true, reports.Bytes(push.Data)
				detail, same := compare(push.Data, push.Null, payload)
				entry.Verdict, entry.Detail = checks.Pass, fmt.Sprintf("the fake queued it "+
					"(%s) while the connection was down and delivered it after the new "+
					"login; %s", queued.State, detail)
				if !same || queued.State != fcm.Queued {
					entry.Verdict = checks.Fail
				}
				record(entry)
			}, offlineTimeout)

		It("never delivers a TTL 0 message sent while the MCS connection was down",
			func(ctx SpecContext) {
				never := []byte("TTL 0: now or never")
				sentinel := []byte("sentinel after the TTL 0 message")
				entry := reports.BrowserEntry{Scenario: "TTL 0 while offline", Encoding: "aes128gcm",
					Sent: reports.Bytes(never)}
				t := subscribe(ctx)
				t.offline(ctx)
				res := send(ctx, t.subscription(), message{payload: never, ttl: 0})
				entry.Status = res.Status
				if res.Status != 201 {
					entry.Verdict, entry.Detail = checks.Fail, "the push endpoint refused "+
						"the TTL 0 message: "+describe(res)
					record(entry)
					return
				}
				dropped := t.lastMessage()
				if res := send(ctx, t.subscription(), message{payload: sentinel, ttl: 600}); res.Status != 201 {
					Fail("sending the sentinel: " + describe(res))
				}
				t.online()
				first, err := t.next(ctx, reconnectTimeout)
				if err != nil {
					Fail(fmt.Sprintf("the sentinel did not arrive within %v of the reconnect",
						reconnectTimeout))
				}
				entry.Event = false
				switch {
				case string(first.Data) != string(sentinel):
					entry.Event, entry.Received = true, reports.Bytes(first.Data)
					entry.Verdict, entry.Detail = checks.Fail, fmt.Sprintf("the first event "+
						"after the reconnect carried %d octets, not the sentinel: the TTL 0 "+
						"message was delivered late", len(first.Data))
				default:
					entry.Verdict, entry.Detail = checks.Pass, fmt.Sprintf("the fake %s it "+
						"while the connection was down; after the reconnect the first event "+
						"was the sentinel sent after it, and none followed", dropped.State)
				}
				if p, ok := t.stray(ctx); ok {
					entry.Event, entry.Received = true, reports.Bytes(p.Data)
					entry.Verdict, entry.Detail = checks.Fail, fmt.Sprintf("an event with %d "+
						"octets followed the sentinel", len(p.Data))
				}
				if dropped.State != fcm.Expired {
					entry.Verdict = checks.Fail
				}
				record(entry)
			}, offlineTimeout)
	})

var _ = Describe("RFC 8030 §5.4 a newer message replaces a queued one with the same Topic",
	Label(labels.Browser), func() {
		It("delivers only the second of two same-Topic messages sent while offline",
			func(ctx SpecContext) {
				first := []byte("first, to be replaced")
				second := []byte("second, replaces the first")
				entry := reports.BrowserEntry{Scenario: "two same-Topic messages while " +
					"offline", Encoding: "aes128gcm", Sent: reports.Bytes(second)}
				t := subscribe(ctx)
				t.offline(ctx)
				const topic = "pushspec-topic"
				res := send(ctx, t.subscription(), message{payload: first, ttl: 600, topic: topic})
				replaced := t.lastMessage()
				res2 := send(ctx, t.subscription(), message{payload: second, ttl: 600,
					topic: topic})
				entry.Status = res2.Status
				if res.Status != 201 || res2.Status != 201 {
					entry.Verdict, entry.Detail = checks.Fail, "the push endpoint refused: "+
						describe(res)+"; "+describe(res2)
					record(entry)
					return
				}
				t.online()
				push, err := t.next(ctx, reconnectTimeout)
				if err != nil {
					Fail(fmt.Sprintf("no event within %v of the reconnect", reconnectTimeout))
				}
				entry.Event, entry.Received = true, reports.Bytes(push.Data)
				detail, same := compare(push.Data, push.Null, second)
				entry.Verdict, entry.Detail = checks.Pass, "the first message was "+
					string(e.fake.Messages(t.sub.Token)[0].State)+"; "+detail
				if !same {
					entry.Verdict = checks.Fail
				}
				if p, ok := t.stray(ctx); ok {
					entry.Verdict = checks.Fail
					entry.Detail += fmt.Sprintf("; then another event with %d octets",
						len(p.Data))
				}
				if replaced.Topic != topic {
					entry.Verdict = checks.Fail
					entry.Detail += fmt.Sprintf("; the sender sent Topic %q, asked for %q",
						replaced.Topic, topic)
				}
				record(entry)
			}, offlineTimeout)
	})

var _ = Describe("RFC 8030 §7.3 a push to an unsubscribed endpoint", Label(labels.Browser),
	func() {
		It("gets 404 or 410 after the browser unsubscribes", func(ctx SpecContext) {
			payload := []byte("after unsubscribe")
			entry := reports.BrowserEntry{Scenario: "push after unsubscribe",
				Encoding: "aes128gcm", Sent: reports.Bytes(payload)}
			t := subscribe(ctx)
			if err := t.sub.Unsubscribe(ctx); err != nil {
				Fail(err.Error())
			}
			if err := e.fake.WaitUnregistered(ctx, t.sub.Token); err != nil {
				Fail(err.Error())
			}
			res := send(ctx, t.subscription(), message{payload: payload, ttl: 60})
			entry.Status = res.Status
			entry.Verdict, entry.Detail = checks.Pass, fmt.Sprintf("Chromium deleted its "+
				"registration; the endpoint answered %s", describe(res))
			if res.Status != 404 && res.Status != 410 {
				entry.Verdict = checks.Fail
			}
			if p, ok := t.stray(ctx); ok {
				entry.Event, entry.Received = true, reports.Bytes(p.Data)
				entry.Verdict = checks.Fail
				entry.Detail += "; yet the service worker got an event"
			}
			record(entry)
		}, timeout)
	})

var _ = Describe("RFC 8292 §4.2 a push signed with another key than the applicationServerKey",
	Label(labels.Browser), func() {
		It("is refused with 403 (FCM profile) and never reaches the browser",
			func(ctx SpecContext) {
				payload := []byte("signed with the wrong key")
				sentinel := []byte("signed with the right key")
				entry := reports.BrowserEntry{Scenario: "VAPID key differs from the " +
					"applicationServerKey", Encoding: "aes128gcm", Sent: reports.Bytes(payload)}
				other, err := webpush.GenerateVAPIDKey(nil)
				if err != nil {
					Fail("making a second VAPID key: " + err.Error())
				}
				t := subscribe(ctx)
				res := send(ctx, t.subscription(), message{payload: payload, ttl: 60,
					vapid: other})
				entry.Status = res.Status
				if r := send(ctx, t.subscription(), message{payload: sentinel, ttl: 60}); r.Status != 201 {
					Fail("sending the sentinel with the right key: " + describe(r))
				}
				first, err := t.next(ctx, pushTimeout)
				if err != nil {
					Fail(fmt.Sprintf("the sentinel did not arrive within %v", pushTimeout))
				}
				entry.Verdict, entry.Detail = checks.Pass, "the endpoint answered "+
					describe(res)+"; the first event was the sentinel signed with the right key"
				if res.Status != 403 {
					entry.Verdict = checks.Fail
				}
				if string(first.Data) != string(sentinel) {
					entry.Event, entry.Received = true, reports.Bytes(first.Data)
					entry.Verdict = checks.Fail
					entry.Detail = fmt.Sprintf("the endpoint answered %s, and the browser got "+
						"the message signed with the wrong key", describe(res))
				}
				record(entry)
			}, timeout)
	})
