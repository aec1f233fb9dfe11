package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/pushspec/pushspec/checks"
)

// browserSpec is a spec of the browser suite as Ginkgo reports it.
func browserSpec(line int, text string, state types.SpecState, entry *BrowserEntry,
	failure string) types.SpecReport {
	s := types.SpecReport{
		LeafNodeType:     types.NodeTypeIt,
		LeafNodeText:     text,
		LeafNodeLabels:   []string{browserLabel},
		LeafNodeLocation: types.CodeLocation{FileName: "suites/browser/x_test.go", LineNumber: line},
		State:            state,
		Failure:          types.Failure{Message: failure},
	}
	if entry != nil {
		s.ReportEntries = types.ReportEntries{{Name: BrowserEntryName,
			Value: types.WrapEntryValue(*entry)}}
	}
	return s
}

func TestBrowserSection(t *testing.T) {
	text := []byte("Grüße aus pushspec 👋 ✓")
	binary := bytes.Repeat([]byte{0x00, 0x7f, 0x41}, 1331)
	rows := []types.SpecReport{
		// Out of order on purpose: the section follows the suite's order.
		browserSpec(30, "TTL 0", types.SpecStatePassed, &BrowserEntry{
			Browser: "Chromium 156.0.8078.114", Scenario: "TTL 0 while offline",
			Encoding: "aes128gcm", Status: 201, Sent: Bytes([]byte("now or never")),
			Verdict: checks.Pass, Detail: "expired while offline"}, ""),
		browserSpec(10, "UTF-8 text", types.SpecStatePassed, &BrowserEntry{
			Browser: "Chromium 156.0.8078.114", Scenario: "UTF-8 text", Encoding: "aesgcm",
			Status: 201, Sent: Bytes(text), Event: true, Received: Bytes(text),
			Decryptor: "decrypts the same 29 octets", Verdict: checks.Pass,
			Detail: "byte for byte"}, ""),
		browserSpec(11, "3993", types.SpecStatePassed, &BrowserEntry{
			Scenario: "3993 octets", Encoding: "aes128gcm", Status: 201, Sent: Bytes(binary),
			Event: true, Received: Bytes(binary), Verdict: checks.Pass, Detail: "same | bytes"},
			""),
		browserSpec(12, "empty", types.SpecStatePassed, &BrowserEntry{
			Scenario: "empty payload", Encoding: "aes128gcm", Status: 201, Sent: Bytes([]byte{}),
			Verdict: checks.Warn, Detail: "dropped"}, ""),
		browserSpec(13, "not UTF-8", types.SpecStatePassed, &BrowserEntry{
			Scenario: "not UTF-8", Encoding: "aes128gcm", Status: 201,
			Sent: Bytes([]byte{0xff, 0x01}), Event: true, Verdict: checks.Info,
			Detail: "null"}, ""),
		browserSpec(14, "aesgcm", types.SpecStateSkipped, &BrowserEntry{
			Scenario: "1-octet payload", Encoding: "aesgcm", Sent: Bytes([]byte("x")),
			Verdict: checks.Unsupported, Detail: "the sender does not send aesgcm"}, ""),
		browserSpec(20, "wrong bytes", types.SpecStateFailed, &BrowserEntry{
			Scenario: "1-octet payload", Encoding: "aes128gcm", Status: 201,
			Sent: Bytes([]byte("x")), Event: true, Received: Bytes([]byte("y")),
			Verdict: checks.Fail, Detail: "differ from offset 0"}, "FAIL"),
		browserSpec(40, "offline", types.SpecStateTimedout, nil, "A spec timeout occurred"),
		browserSpec(41, "filtered", types.SpecStateSkipped, nil, ""),
	}
	report := []types.Report{{StartTime: time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC),
		SpecReports: rows}}
	b, err := json.Marshal(report)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), ReportFile)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}

	var broken []string
	for _, e := range run.Broken() {
		broken = append(broken, e.Requirement+" "+string(e.Verdict))
	}
	if got, want := strings.Join(broken, "; "), "browser: 1-octet payload FAIL; "+
		"browser: offline ERROR"; got != want {
		t.Errorf("Broken: got %q, want %q", got, want)
	}

	var out bytes.Buffer
	writeBrowser(&printer{w: &out}, run)
	golden := filepath.Join("testdata", "browser.md")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("the browser section differs from %s (go test ./reports -update):\n%s",
			golden, out.String())
	}
}

func TestNoBrowserSectionWithoutBrowserRows(t *testing.T) {
	var out bytes.Buffer
	writeBrowser(&printer{w: &out}, &Run{})
	if out.Len() != 0 {
		t.Errorf("got %q, want nothing", out.String())
	}
}
