package loadgen

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// runTo runs a into a results.bin and run.json in a new directory.
func runTo(t *testing.T, a *Attack) string {
	t.Helper()
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.Run(t.Context(), vegeta.NewEncoder(f))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := WriteRun(dir, r); err != nil {
		t.Fatal(err)
	}
	return dir
}

func summarize(t *testing.T, dirs ...string) Summary {
	t.Helper()
	rep := NewReport("test")
	for _, d := range dirs {
		if err := rep.AddPath(d); err != nil {
			t.Fatal(err)
		}
	}
	rep.Close()
	return rep.Summary()
}

// TestMergedShardsEqualOneRun: two shards' results merged report the same
// totals as one run of the whole.
func TestMergedShardsEqualOneRun(t *testing.T) {
	const n = 90
	whole := newFixture(t, false, 4)
	one := summarize(t, runTo(t, whole.attack(t, PreEncrypted, n)))

	sharded := newFixture(t, false, 4)
	var dirs []string
	for i := range 2 {
		a := sharded.attack(t, PreEncrypted, n)
		a.Shard = Shard{Index: i, Count: 2}
		a.Pool, _ = NewPool(a.Shard.Subscriptions(sharded.subs))
		dirs = append(dirs, runTo(t, a))
	}
	merged := summarize(t, dirs...)

	if merged.Requests != n || one.Requests != n {
		t.Fatalf("requests: merged %d, one %d, want %d", merged.Requests, one.Requests, n)
	}
	if !maps.Equal(merged.Statuses, one.Statuses) || !maps.Equal(merged.Outcomes, one.Outcomes) {
		t.Errorf("statuses %v / %v, outcomes %v / %v", merged.Statuses, one.Statuses,
			merged.Outcomes, one.Outcomes)
	}
	if merged.Encrypted != one.Encrypted || len(merged.Runs) != 2 || len(merged.Attacks) != 2 {
		t.Errorf("encrypted %d / %d, %d runs, %d attacks", merged.Encrypted, one.Encrypted,
			len(merged.Runs), len(merged.Attacks))
	}
	var mv, ov struct {
		BytesOut struct{ Total uint64 } `json:"bytes_out"`
	}
	json.Unmarshal(merged.Vegeta, &mv)
	json.Unmarshal(one.Vegeta, &ov)
	if mv.BytesOut.Total == 0 || mv.BytesOut.Total != ov.BytesOut.Total {
		t.Errorf("bytes out: merged %d, one %d", mv.BytesOut.Total, ov.BytesOut.Total)
	}
	if merged.Generator == nil || len(merged.Modes) != 1 || merged.Modes[0] != PreEncrypted {
		t.Errorf("generator %v, modes %v", merged.Generator, merged.Modes)
	}
}

// TestSameAttackNameTwice: two runs with the same attack name stay apart.
func TestSameAttackNameTwice(t *testing.T) {
	f := newFixture(t, false, 2)
	d1 := runTo(t, f.attack(t, Inline, 10))
	d2 := runTo(t, f.attack(t, Inline, 10))
	s := summarize(t, d1, d2)
	if s.Requests != 20 || len(s.Attacks) != 2 || s.Attacks[0].Requests != 10 {
		t.Errorf("%d requests, attacks %+v", s.Requests, s.Attacks)
	}
}

func TestWriteFiles(t *testing.T) {
	f := newFixture(t, false, 2)
	dir := runTo(t, f.attack(t, Inline, 30))
	rep := NewReport("pushspec load: test")
	if err := rep.AddPath(dir); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	txt := read(TextFile)
	for _, want := range []string{"mode", "inline: encrypted in the Targeter", "30 in",
		"accepted 30 (100.00%)", "201: 30", "generator CPU", "µs per request",
		"Requests      [total, rate, throughput]"} {
		if !strings.Contains(txt, want) {
			t.Errorf("report.txt lacks %q:\n%s", want, txt)
		}
	}
	var s Summary
	if err := json.Unmarshal([]byte(read(JSONFile)), &s); err != nil || s.Requests != 30 ||
		s.Latency.P99 <= 0 || s.Outcomes[Accepted] != 30 || len(s.Vegeta) == 0 {
		t.Errorf("report.json: %+v, %v", s, err)
	}
	if hgrm := read(HDRFile); !strings.Contains(hgrm, "Value") ||
		!strings.Contains(hgrm, "#[Mean") {
		t.Errorf("latency.hgrm:\n%s", hgrm)
	}
	html := read(HTMLFile)
	for _, want := range []string{`id="pushspec-summary"`, "uPlot", "generator CPU",
		"Status breakdown", "inline"} {
		if !strings.Contains(html, want) {
			t.Errorf("load.html lacks %q", want)
		}
	}
	for _, banned := range []string{"src=\"http", "href=\"http", "@import"} {
		if strings.Contains(html, banned) {
			t.Errorf("load.html fetches from the network: %q", banned)
		}
	}
	if i, j := strings.Index(html, "pushspec-summary"), strings.Index(html, `id="plot"`); i < 0 ||
		j < 0 || i > j {
		t.Error("the summary is not above the plot")
	}

	// vegeta's own decoder reads results.bin.
	b, _ := os.ReadFile(filepath.Join(dir, ResultsFile))
	dec := vegeta.DecoderFor(bytes.NewReader(b))
	var r vegeta.Result
	if dec == nil || dec.Decode(&r) != nil || r.Code != 201 || r.Attack != "inline" {
		t.Errorf("vegeta decodes %+v", r)
	}
}

func TestAddResultsErrors(t *testing.T) {
	rep := NewReport("x")
	for name, in := range map[string]string{"empty": "", "garbage": "not results\n"} {
		if err := rep.AddResults(name, strings.NewReader(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := rep.AddPath(t.TempDir()); err == nil {
		t.Error("a directory without results.bin: no error")
	}
}

// TestReportCountsRetryAfterFromResults: a report of results alone, with
// no run.json, still counts the 429s that carried a Retry-After.
func TestReportCountsRetryAfterFromResults(t *testing.T) {
	var buf bytes.Buffer
	enc := vegeta.NewEncoder(&buf)
	for i, code := range []uint16{201, 429, 429, 201} {
		r := &vegeta.Result{Attack: "a", Seq: uint64(i), Code: code,
			Timestamp: time.Unix(1e9, int64(i)*1e6), Latency: time.Millisecond}
		if i == 1 {
			r.Headers = http.Header{"Retry-After": {"3"}}
		}
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	rep := NewReport("x")
	if err := rep.AddResults("results", &buf); err != nil {
		t.Fatal(err)
	}
	rep.Close()
	s := rep.Summary()
	if s.RetryAfterAnswers != 1 || s.Outcomes[RateLimited] != 2 || s.Outcomes[Accepted] != 2 {
		t.Errorf("retry-after %d, outcomes %v", s.RetryAfterAnswers, s.Outcomes)
	}
}
