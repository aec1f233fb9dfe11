package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/webpush"
)

// BrowserEntryName is the Ginkgo report entry of one end-to-end spec of the
// browser suite: a real Chromium, the sender under test and fakes/fcm.
const BrowserEntryName = "pushspec.browser"

// browserLabel is the label every spec of the browser suite carries.
const browserLabel = "browser"

// A BrowserEntry is what one browser spec saw: what the sender was asked to
// send, what Chromium's service worker read from event.data, and whether
// pushspec's own decryptor agrees with Chromium about the same kind of
// message.
type BrowserEntry struct {
	// Browser is e.g. "Chromium 156.0.8078.114"; Sender the sender under
	// test with its version.
	Browser  string `json:"browser"`
	Sender   string `json:"sender"`
	Scenario string `json:"scenario"`
	// Encoding is the content coding asked for: "aes128gcm" or "aesgcm".
	Encoding string `json:"encoding"`
	// Status is what the push endpoint answered the message under test.
	Status int `json:"status"`
	// Sent is the payload asked for, base64url; null when none applies.
	Sent *string `json:"sent"`
	// Event is whether the service worker got a push event for the message
	// under test; Received is its event.data as base64url, null when there
	// was no event or event.data was null.
	Event    bool    `json:"event"`
	Received *string `json:"received"`
	// Decryptor is pushspec's decryptor's verdict on the same kind of message
	// sent to fakes/pushservice, when the spec cross-checks.
	Decryptor string         `json:"decryptor,omitempty"`
	Verdict   checks.Verdict `json:"verdict"`
	Detail    string         `json:"detail"`

	// at is where the spec is declared: the rows follow the suite's order.
	at types.CodeLocation
}

// String is how an entry reads in Ginkgo's console output.
func (e BrowserEntry) String() string {
	return fmt.Sprintf("%s %s (%s): %s", e.Verdict, e.Scenario, e.Encoding, e.Detail)
}

// Bytes returns b as the base64url that BrowserEntry carries, or nil.
func Bytes(b []byte) *string {
	if b == nil {
		return nil
	}
	s := webpush.EncodeBase64(b)
	return &s
}

// addBrowser reads the entry of a browser spec into run.Browser, and notes a
// browser spec that broke down before recording one. It reports whether the
// spec was a browser spec.
func (run *Run) addBrowser(spec types.SpecReport) bool {
	for _, e := range spec.ReportEntries {
		if e.Name != BrowserEntryName {
			continue
		}
		var b BrowserEntry
		if err := json.Unmarshal([]byte(e.Value.AsJSON), &b); err != nil {
			b = BrowserEntry{Verdict: Error, Detail: "unreadable entry: " + err.Error()}
		}
		b.at = spec.LeafNodeLocation
		run.Browser = append(run.Browser, b)
		return true
	}
	if spec.LeafNodeType != types.NodeTypeIt || !hasLabel(spec, browserLabel) {
		return false
	}
	if spec.State.Is(types.SpecStateFailureStates) {
		run.Browser = append(run.Browser, BrowserEntry{Scenario: spec.LeafNodeText,
			at: spec.LeafNodeLocation, Verdict: Error,
			Detail: fmt.Sprintf("the spec %s before judging: %s", spec.State,
				strings.TrimSpace(spec.Failure.Message))})
	}
	return true
}

func hasLabel(spec types.SpecReport, l string) bool {
	for _, x := range spec.Labels() {
		if x == l {
			return true
		}
	}
	return false
}

// BrowserCounts returns how many browser rows have each verdict.
func (run *Run) BrowserCounts() map[checks.Verdict]int {
	c := map[checks.Verdict]int{}
	for _, b := range run.Browser {
		c[b.Verdict]++
	}
	return c
}

// browserBroken returns the browser rows that make the run fail, as entries
// named "browser: <scenario>".
func (run *Run) browserBroken() []Entry {
	var out []Entry
	for _, b := range run.Browser {
		if b.Verdict == checks.Fail || b.Verdict == Error {
			out = append(out, Entry{Requirement: "browser: " + b.Scenario, Verdict: b.Verdict,
				Detail: b.Detail})
		}
	}
	return out
}

// writeBrowser writes the section of the browser suite, when it ran.
func writeBrowser(pw *printer, run *Run) {
	if len(run.Browser) == 0 {
		return
	}
	name := "Chromium"
	for _, b := range run.Browser {
		if b.Browser != "" {
			name = b.Browser
			break
		}
	}
	rows := slices.Clone(run.Browser)
	slices.SortStableFunc(rows, func(a, b BrowserEntry) int {
		if c := strings.Compare(a.at.FileName, b.at.FileName); c != 0 {
			return c
		}
		return a.at.LineNumber - b.at.LineNumber
	})
	pw.printf("\n## Real browser (%s)\n\n", name)
	pw.printf("A real headless %s subscribed through pushspec's fake FCM; the sender under "+
		"test sent to it, and the service worker handed back the exact bytes of "+
		"`event.data`. A row passes when they are the bytes the sender was asked to send, "+
		"byte for byte, or when Chromium refused what it must refuse. The cross-check "+
		"sends the same kind of message to the fake push service, whose decryptor must "+
		"agree with Chromium.\n\n", name)
	pw.printf("| Scenario | Encoding | Status | Sent | Chromium's `event.data` | " +
		"pushspec's decryptor | Verdict | Detail |\n")
	pw.printf("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, b := range rows {
		status := "—"
		if b.Status != 0 {
			status = fmt.Sprint(b.Status)
		}
		received := "no event"
		switch {
		case b.Event:
			received = showBytes(b.Received, "null")
		case b.Status == 0:
			received = "—" // nothing was sent
		}
		decryptor := b.Decryptor
		if decryptor == "" {
			decryptor = "—"
		}
		pw.printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", cell(b.Scenario),
			orDash(b.Encoding), status, showBytes(b.Sent, "—"), received, cell(decryptor),
			b.Verdict, cell(b.Detail))
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// showBytes renders a payload for a table cell: short printable text as a
// quoted string, anything else as base64url (shortened past 32 characters),
// always with its length, and with a SHA-256 prefix when shortened so that
// two cells can be compared byte for byte.
func showBytes(b64 *string, none string) string {
	if b64 == nil {
		return none
	}
	b, err := webpush.DecodeBase64(*b64)
	if err != nil {
		return "unreadable: " + cell(*b64)
	}
	switch {
	case len(b) == 0:
		return "0 octets"
	case printable(b) && utf8.RuneCount(b) <= 48:
		return fmt.Sprintf("`%s` (%s)", strings.ReplaceAll(string(b), "`", "'"), octets(len(b)))
	case len(*b64) <= 32:
		return fmt.Sprintf("`%s` (%s, base64url)", *b64, octets(len(b)))
	}
	sum := sha256.Sum256(b)
	return fmt.Sprintf("`%s…` (%s, SHA-256 %s…)", (*b64)[:32], octets(len(b)),
		hex.EncodeToString(sum[:6]))
}

func octets(n int) string {
	if n == 1 {
		return "1 octet"
	}
	return fmt.Sprintf("%d octets", n)
}

func printable(b []byte) bool {
	if !utf8.Valid(b) || bytes.ContainsAny(b, "|\r\n") {
		return false
	}
	for _, r := range string(b) {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
