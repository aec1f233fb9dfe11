package browser_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	. "github.com/onsi/ginkgo/v2"

	"github.com/pushspec/pushspec/browser"
	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/reports"
	"github.com/pushspec/pushspec/senders"
	"github.com/pushspec/pushspec/suites/internal/harness"
	"github.com/pushspec/pushspec/webpush"
)

const (
	// pushTimeout bounds the wait for a push event; one takes ~5 ms.
	pushTimeout = 20 * time.Second
	// reconnectTimeout bounds the wait for an event after Reconnect.
	reconnectTimeout = time.Minute
	// grace is how long a spec listens for a stray event after the events it
	// expected, all of which came in order on one connection.
	grace = 500 * time.Millisecond
	// sendTimeout bounds one send of the sender under test.
	sendTimeout = 30 * time.Second
)

// A message is what the sender under test is asked to send.
type message struct {
	payload  []byte
	ttl      int
	topic    string
	encoding string
	// vapid signs the message; nil means the suite's key.
	vapid *webpush.VAPIDKey
}

var requests atomic.Int64

// send asks the sender under test for one push to sub.
func send(ctx context.Context, sub webpush.Subscription, m message) senders.Result {
	vk := m.vapid
	if vk == nil {
		vk = e.vapid
	}
	req := senders.Request{
		ID:           fmt.Sprintf("browser-%d", requests.Add(1)),
		Subscription: sub,
		Payload:      m.payload,
		VAPID: &senders.VAPID{PublicKey: vk.PublicKeyString(),
			PrivateKey: vk.PrivateKeyString(), Subject: harness.DefaultSubject},
		TTL: m.ttl, Topic: m.topic, Encoding: m.encoding,
	}
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	res := e.sender.Send(sctx, req)
	fmt.Fprintf(GinkgoWriter, "sent %d octets (%s, TTL %d, topic %q): status %d %s %s\n",
		len(m.payload), m.encoding, m.ttl, m.topic, res.Status, res.Outcome,
		strings.TrimSpace(res.Error))
	return res
}

// describe summarises a sender's result for a detail.
func describe(res senders.Result) string {
	s := fmt.Sprintf("status %d, outcome %s", res.Status, res.Outcome)
	if msg := strings.TrimSpace(res.Error); msg != "" {
		s += ": " + msg
	}
	return s
}

// record adds the spec's entry to the report, fails the spec on FAIL and
// skips it on UNSUPPORTED.
func record(entry reports.BrowserEntry) {
	entry.Browser = e.chromium.Version()
	entry.Sender = strings.TrimSpace(e.hello.Name + " " + e.hello.Version)
	AddReportEntry(reports.BrowserEntryName, entry, ReportEntryVisibilityFailureOrVerbose)
	switch entry.Verdict {
	case checks.Fail:
		Fail(fmt.Sprintf("%s (%s) FAIL: %s", entry.Scenario, entry.Encoding, entry.Detail))
	case checks.Unsupported:
		Skip(fmt.Sprintf("%s (%s) UNSUPPORTED: %s", entry.Scenario, entry.Encoding,
			entry.Detail))
	}
	fmt.Fprintf(GinkgoWriter, "%s\n", entry)
}

// unsupported returns why the sender cannot send encoding, or "".
func unsupported(encoding string) string {
	if encoding != "" && !senders.Supports(e.hello.Encodings, encoding) {
		return "the sender does not send " + encoding
	}
	return ""
}

// decryptorVerdict has the sender under test send the same payload to a
// fakes/pushservice subscription, and says what pushspec's decryptor made
// of it; ok is true when it decrypted exactly payload.
func decryptorVerdict(ctx context.Context, m message) (verdict string, ok bool) {
	sub, err := e.service.CreateSubscription(e.vapid.PublicKey())
	if err != nil {
		Fail("creating a fake push service subscription: " + err.Error())
	}
	res := send(ctx, sub.JSON(), m)
	msgs, err := e.service.Messages(sub.ID)
	if err != nil || len(msgs) == 0 {
		return "nothing reached the push service (" + describe(res) + ")", false
	}
	return judgeDecryption(msgs[0].Payload, msgs[0].Findings, m.payload)
}

// judgeDecryption states what the decryptor made of a message whose
// plaintext should be want.
func judgeDecryption(got []byte, findings []checks.Finding, want []byte) (string, bool) {
	if got == nil {
		for _, id := range []string{"ece.decrypt", "ece.record.delimiter", "legacy.padding",
			"ece.header.length", "ece.header.keyid", "legacy.encryption.salt",
			"legacy.crypto_key.dh"} {
			if f, ok := checks.Worst(findings, id); ok && f.Verdict == checks.Fail {
				return "refuses: " + id + " FAIL, " + f.Detail, false
			}
		}
		return "refuses: nothing decrypted", false
	}
	if !bytes.Equal(got, want) {
		return fmt.Sprintf("decrypts %s, not the %d sent (they differ from offset %d)",
			octets(len(got)), len(want), firstDifference(got, want)), false
	}
	return "decrypts the same " + octets(len(want)), true
}

func firstDifference(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// compare says whether push carries exactly want.
func compare(push []byte, null bool, want []byte) (string, bool) {
	switch {
	case null && len(want) == 0:
		return "event.data was null: the sender sent no body for the empty payload", true
	case null:
		return "event.data was null; the sender was asked for " + octets(len(want)), false
	case bytes.Equal(push, want):
		return "event.data is the " + octets(len(want)) + " asked for, byte for byte", true
	}
	return fmt.Sprintf("event.data has %s, asked for %d; they differ from offset %d",
		octets(len(push)), len(want), firstDifference(push, want)), false
}

func octets(n int) string {
	if n == 1 {
		return "1 octet"
	}
	return fmt.Sprintf("%d octets", n)
}

// event returns the push event of the message just sent to t, or false when
// Chromium fired none. It does not wait on silence: it posts a valid
// sentinel message behind the one under test, on the same ordered MCS
// connection, and the first event must be either the message's or the
// sentinel's. Then it listens for a stray event for the grace period.
func (t *target) event(ctx context.Context) (push browser.Push, event bool) {
	sentinel := []byte(fmt.Sprintf("sentinel %x", randomBytes(8)))
	if s := post(ctx, t.subscription(), "aes128gcm", valid, sentinel); s != 201 {
		Fail(fmt.Sprintf("the fake FCM answered the sentinel %d", s))
	}
	first, err := t.next(ctx, pushTimeout)
	if err != nil {
		Fail(fmt.Sprintf("not even the sentinel arrived within %v (the fake: %s)",
			pushTimeout, e.fake.State()))
	}
	if !first.Null && bytes.Equal(first.Data, sentinel) {
		if p, ok := t.stray(ctx); ok {
			return p, true // late, but an event
		}
		return browser.Push{}, false
	}
	second, err := t.next(ctx, pushTimeout)
	if err != nil || !bytes.Equal(second.Data, sentinel) {
		Fail(fmt.Sprintf("the sentinel did not follow the event within %v", pushTimeout))
	}
	if p, ok := t.stray(ctx); ok {
		Fail(fmt.Sprintf("a stray event with %d octets followed the sentinel", len(p.Data)))
	}
	return first, true
}

// randomBytes returns n random octets.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// randomNotUTF8 returns n random octets that are not valid UTF-8.
func randomNotUTF8(n int) []byte {
	b := randomBytes(n)
	b[0] = 0xff // never in UTF-8
	return b
}

// randomUTF8 returns exactly n random octets that are valid UTF-8: random
// code points of every encoded length, NUL and controls included. Chromium
// hands a push payload to event.data only when it is valid UTF-8.
func randomUTF8(n int) []byte {
	out := make([]byte, 0, n+4)
	for len(out) < n {
		var r rune
		switch size := 1 + randomInt(4); {
		case size > n-len(out) || size == 1:
			r = rune(randomInt(0x80))
		case size == 2:
			r = rune(0x80 + randomInt(0x800-0x80))
		case size == 3:
			r = rune(0x800 + randomInt(0x10000-0x800))
			if 0xd800 <= r && r < 0xe000 { // surrogates are not UTF-8
				r -= 0x800
			}
		default:
			r = rune(0x10000 + randomInt(0x110000-0x10000))
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}

func randomInt(n int) int {
	v, _ := rand.Int(rand.Reader, big.NewInt(int64(n)))
	return int(v.Int64())
}

// emptyRecord reports whether an aes128gcm body holds one record of 17
// octets: no plaintext and no padding, only the delimiter and the tag.
func emptyRecord(body []byte) bool {
	const fixed = webpush.SaltSize + 4 + 1
	return len(body) > fixed && len(body)-fixed-int(body[fixed-1]) == 1+webpush.TagSize
}
