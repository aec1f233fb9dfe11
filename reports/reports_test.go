package reports

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/pushspec/pushspec/checks"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixture writes a Ginkgo JSON report of a made-up run of sender into a new
// directory: every requirement PASS except those in verdicts, plus a spec
// that broke down and one filtered out.
func fixture(t *testing.T, sender string, verdicts map[string]checks.Verdict) string {
	t.Helper()
	start := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	payload := "aGVsbG8"
	var specs types.SpecReports
	specs = append(specs, types.SpecReport{LeafNodeType: types.NodeTypeBeforeSuite,
		State: types.SpecStatePassed, ReportEntries: types.ReportEntries{{Name: SenderEntryName,
			Value: types.WrapEntryValue(SenderInfo{Name: sender, Version: "1.2.3",
				Profile: "rfc"})}}})
	for i, r := range checks.Catalogue() {
		spec := types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: r.Text,
			LeafNodeLabels: []string{r.ID}, State: types.SpecStatePassed}
		v, ok := verdicts[r.ID]
		switch {
		case ok && v == NotRun:
			spec.State = types.SpecStateSkipped
		case ok && v == Error:
			spec.State = types.SpecStatePanicked
			spec.Failure = types.Failure{Message: "runtime error: index out of range"}
		default:
			if !ok {
				v = checks.Pass
			}
			e := Entry{Requirement: r.ID, Verdict: v, Detail: "detail of " + r.ID + " <&>",
				Scenarios: []Scenario{{Name: "1-octet payload", Verdict: v,
					Detail: "what was seen", Sent: 1, Received: 1, Status: 201,
					Outcome: "success", Request: map[string][]string{"Ttl": {"60"}},
					Payload: &payload, PayloadSize: 5 + i%2}}}
			spec.ReportEntries = types.ReportEntries{{Name: EntryName,
				Value: types.WrapEntryValue(e)}}
		}
		specs = append(specs, spec)
	}
	b, err := json.Marshal([]types.Report{{SuitePath: "/x", StartTime: start,
		SpecReports: specs}})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), sender)
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, ReportFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; if the change is right, run "+
			"go test ./reports -update and review the diff", name)
	}
}

func TestLoadAndVerdicts(t *testing.T) {
	dir := fixture(t, "lib", map[string]checks.Verdict{"vapid.aud.origin": checks.Fail,
		"vapid.sub.syntax": checks.Warn, "legacy.padding": checks.Unsupported,
		"ece.decrypt": Error, "body.size": NotRun})
	run, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if run.Sender.Name != "lib" || run.Sender.Version != "1.2.3" {
		t.Errorf("sender %+v", run.Sender)
	}
	for id, want := range map[string]checks.Verdict{"vapid.aud.origin": checks.Fail,
		"vapid.sub.syntax": checks.Warn, "ece.decrypt": Error, "body.size": NotRun,
		"http.method": checks.Pass} {
		if got := run.Verdict(id).Verdict; got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
	var broken []string
	for _, e := range run.Broken() {
		broken = append(broken, e.Requirement)
	}
	if got := strings.Join(broken, " "); got != "ece.decrypt vapid.aud.origin" {
		t.Errorf("broken %q", got)
	}
	service := &Run{Sender: SenderInfo{Kind: "service"}}
	if n := len(service.Requirements()); n != 15 || service.Requirements()[0].ID != "svc.created" {
		t.Errorf("a service run judges %d requirements", n)
	}

	if run.Incomplete() != "" {
		t.Errorf("incomplete: %s", run.Incomplete())
	}
}

func TestIncompleteRuns(t *testing.T) {
	dir := t.TempDir()
	b, _ := json.Marshal([]types.Report{{SpecReports: types.SpecReports{{
		LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStateFailed,
		Failure: types.Failure{Message: "the sender did not start"}}}}})
	os.WriteFile(filepath.Join(dir, ReportFile), b, 0o644)
	run, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if why := run.Incomplete(); !strings.Contains(why, "the sender did not start") {
		t.Errorf("Incomplete() = %q", why)
	}
	var md bytes.Buffer
	WriteMarkdown(&md, run)
	if !strings.Contains(md.String(), "**Result: INCOMPLETE.**") {
		t.Errorf("markdown does not say INCOMPLETE:\n%s", md.String()[:300])
	}

	if _, err := Load(filepath.Join(dir, "nope")); err == nil {
		t.Error("loaded a report that does not exist")
	}
}

func TestGoldenMarkdown(t *testing.T) {
	dir := fixture(t, "lib", map[string]checks.Verdict{"vapid.aud.origin": checks.Fail,
		"vapid.sub.syntax": checks.Warn, "legacy.padding": checks.Unsupported,
		"hdr.topic.b64len": checks.Info, "body.size": NotRun})
	run, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, run); err != nil {
		t.Fatal(err)
	}
	golden(t, "conformance.golden.md", b.Bytes())
}

// matrixFixture renders the matrix of three made-up senders.
func matrixFixture(t *testing.T) []byte {
	t.Helper()
	good := fixture(t, "good", nil)
	bad := fixture(t, "bad", map[string]checks.Verdict{"vapid.aud.origin": checks.Fail,
		"hdr.topic.syntax": checks.Fail, "vapid.jwt.reuse": checks.Info,
		"legacy.padding": checks.Unsupported})
	odd := fixture(t, "odd", map[string]checks.Verdict{"ece.decrypt": Error,
		"body.size": checks.Warn, "input.oversize": NotRun})
	var runs []Named
	for _, d := range []string{good, bad, odd} {
		run, err := Load(d)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, Named{Dir: d, Run: run})
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, runs); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGoldenHTML(t *testing.T) {
	page := matrixFixture(t)
	golden(t, "index.golden.html", page)
	for _, bad := range []string{"src=\"http", "<link", "@import", "url(http"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("the page loads something from the network: %q", bad)
		}
	}
	if bytes.Contains(page, []byte("detail of vapid.aud.origin <&>")) {
		t.Error("a detail went into the page unescaped")
	}
}
