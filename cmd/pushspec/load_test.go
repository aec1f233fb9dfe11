package main

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/pushspec/pushspec/fakes/pushservice"
	"github.com/pushspec/pushspec/loadgen"
)

// mainEnv makes this test binary act as pushspec itself, so that pushspec
// load can start "pushspec serve" (os.Executable) and tests can run shards
// as separate processes.
const mainEnv = "PUSHSPEC_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// asPushspec makes the children that a test's code starts (the fake of
// pushspec load) run this binary as pushspec.
func asPushspec(t *testing.T) { t.Setenv(mainEnv, "1") }

// pushspec runs this binary as pushspec with args, bounded by ctx.
func pushspec(ctx context.Context, args ...string) *exec.Cmd {
	exe, _ := os.Executable()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

func readSummary(t *testing.T, dir string) loadgen.Summary {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, loadgen.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var s loadgen.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("decoding %s: %v", dir, err)
	}
	return s
}

func bytesOut(t *testing.T, s loadgen.Summary) uint64 {
	var v struct {
		BytesOut struct {
			Total uint64 `json:"total"`
		} `json:"bytes_out"`
	}
	if err := json.Unmarshal(s.Vegeta, &v); err != nil {
		t.Fatal(err)
	}
	return v.BytesOut.Total
}

// TestLoadCommand runs pushspec load against the fake it starts and checks
// every file it promises.
func TestLoadCommand(t *testing.T) {
	asPushspec(t)
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := run([]string{"load", "--duration", "2s", "--rate", "100", "--subscriptions", "5",
		"--mode", "pre-encrypted", "--http2", "--out", dir, "--progress", "off"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("load: %v\n%s", err, stderr.String())
	}
	for _, f := range []string{loadgen.ResultsFile, loadgen.RunFile, loadgen.TextFile,
		loadgen.JSONFile, loadgen.HDRFile, loadgen.HTMLFile} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	s := readSummary(t, dir)
	if s.Requests < 150 || s.Outcomes[loadgen.Accepted] != s.Requests ||
		!slices.Equal(s.Modes, []loadgen.Mode{loadgen.PreEncrypted}) {
		t.Errorf("summary: %d requests, %v, modes %v", s.Requests, s.Outcomes, s.Modes)
	}
	if len(s.Runs) != 1 || s.Runs[0].Protocol != "HTTP/2" || s.Runs[0].Subscriptions != 5 ||
		!strings.Contains(s.Runs[0].PushService, "inspecting every message") {
		t.Errorf("run %+v", s.Runs[0])
	}
	if !strings.Contains(stdout.String(), "pre-encrypted: ") ||
		!strings.Contains(stdout.String(), "accepted (100.00%)") {
		t.Errorf("stdout: %s", stdout.String())
	}

	// vegeta's own command reads results.bin (as vegeta report does).
	f, _ := os.Open(filepath.Join(dir, loadgen.ResultsFile))
	defer f.Close()
	dec := vegeta.NewDecoder(f)
	var r vegeta.Result
	if err := dec.Decode(&r); err != nil || r.Code != 201 || r.Attack != "pre-encrypted" {
		t.Errorf("first result: %+v, %v", r, err)
	}
}

// collector is an in-process fake that keeps the sequence number of every
// message it decrypted.
type collector struct {
	*pushservice.Server
	mu   sync.Mutex
	seqs []uint64
}

func newCollector(t *testing.T) *collector {
	c := &collector{}
	c.Server = pushservice.NewServer(func(s *pushservice.Server) {
		s.KeepMessages = 1
		s.OnMessage = func(m pushservice.Message) {
			if seq, ok := loadgen.PayloadSeq(m.Payload); ok && m.Status == http.StatusCreated {
				c.mu.Lock()
				c.seqs = append(c.seqs, seq)
				c.mu.Unlock()
			}
		}
	})
	t.Cleanup(c.Close)
	return c
}

func (c *collector) sorted() []uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(slices.Values(c.seqs))
}

// TestShardsMergeToOneRunsTotals runs two shards as two processes against
// one fake, merges their results with pushspec report, and compares the
// totals with one process doing the whole run against another fake.
func TestShardsMergeToOneRunsTotals(t *testing.T) {
	const requests = 240
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	common := []string{"--subscriptions", "6", "--requests", "240", "--rate", "300",
		"--duration", "60s", "--mode", "pre-encrypted", "--progress", "off"}

	sharded := newCollector(t)
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for i := range 2 {
		args := append([]string{"load", "--target", "fake=" + sharded.URL(),
			"--shard", []string{"0/2", "1/2"}[i], "--out",
			filepath.Join(dir, "shards", []string{"0", "1"}[i])}, common...)
		cmd := pushspec(ctx, args...)
		out := &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, outs[i])
		}
	}
	var stdout, stderr bytes.Buffer
	merged := filepath.Join(dir, "merged")
	if err := run([]string{"report", "--out", merged, filepath.Join(dir, "shards")}, &stdout,
		&stderr); err != nil {
		t.Fatalf("report: %v\n%s", err, stderr.String())
	}

	whole := newCollector(t)
	one := filepath.Join(dir, "one")
	cmd := pushspec(ctx, append([]string{"load", "--target", "fake=" + whole.URL(), "--out",
		one}, common...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("one run: %v\n%s", err, out)
	}

	m, o := readSummary(t, merged), readSummary(t, one)
	if m.Requests != requests || o.Requests != requests {
		t.Fatalf("requests: merged %d, one run %d, want %d", m.Requests, o.Requests, requests)
	}
	if !maps.Equal(m.Statuses, o.Statuses) || !maps.Equal(m.Outcomes, o.Outcomes) ||
		bytesOut(t, m) != bytesOut(t, o) || m.Encrypted != o.Encrypted {
		t.Errorf("merged: %v %v %d octets %d encrypted; one run: %v %v %d octets %d encrypted",
			m.Statuses, m.Outcomes, bytesOut(t, m), m.Encrypted, o.Statuses, o.Outcomes,
			bytesOut(t, o), o.Encrypted)
	}
	if len(m.Runs) != 2 || m.Runs[0].Shard == m.Runs[1].Shard || len(m.Attacks) != 2 {
		t.Errorf("merged runs %d, attacks %v", len(m.Runs), m.Attacks)
	}
	want := make([]uint64, requests)
	for i := range want {
		want[i] = uint64(i)
	}
	if got := sharded.sorted(); !slices.Equal(got, want) {
		t.Errorf("the shards' fake decrypted %d messages, not 0…%d once each", len(got),
			requests-1)
	}
	if got := whole.sorted(); !slices.Equal(got, want) {
		t.Errorf("the whole run's fake decrypted %d messages, not 0…%d once each", len(got),
			requests-1)
	}
	if !strings.Contains(stdout.String(), "2 results merged") {
		t.Errorf("report's stdout: %s", stdout.String())
	}
}

func TestLoadCompareModes(t *testing.T) {
	asPushspec(t)
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := run([]string{"load", "--mode", "constant,inline", "--rate", "0", "--requests", "300",
		"--skip-inspection", "--out", dir, "--progress", "off"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("load: %v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "compare.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ratios to constant", "constant", "inline", "1.00×",
		"accepted/s"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("compare.txt lacks %q:\n%s", want, b)
		}
	}
	for _, m := range []string{"constant", "inline"} {
		if s := readSummary(t, filepath.Join(dir, m)); s.Requests != 300 ||
			!strings.Contains(s.Runs[0].PushService, "without inspection") {
			t.Errorf("%s: %d requests, %q", m, s.Requests, s.Runs[0].PushService)
		}
	}
}

func TestLoadFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--mode", "fast"}, {"--shard", "2/2"}, {"--target", "ftp://x"},
		{"--pacer", "square"}, {"--rate", "-1"}, {"--encoding", "gzip"},
		{"--duration", "0"}, {"--retry-after", "ignore"}, {"--pacer", "sine", "--sine-amp", "0"},
		{"--target", "file=x", "--tls"}, {"--rate", "0", "--pacer", "linear"},
		{"--progress", "maybe"}, {"unexpected"},
	} {
		var stderr bytes.Buffer
		if err := run(append([]string{"load"}, args...), &bytes.Buffer{}, &stderr); err != errUsage {
			t.Errorf("load %q: %v, want a usage error", args, err)
		}
	}
}

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]target{
		"fake":                     {kind: targetFake},
		"fake=http://127.0.0.1:8/": {kind: targetFakeURL, url: "http://127.0.0.1:8"},
		"file=subs.json":           {kind: targetFile, path: "subs.json"},
		"https://a/p/1, http://b/p2": {kind: targetEndpoints,
			endpoints: []string{"https://a/p/1", "http://b/p2"}},
	} {
		got, err := parseTarget(in)
		if err != nil || got.kind != want.kind || got.url != want.url || got.path != want.path ||
			!slices.Equal(got.endpoints, want.endpoints) {
			t.Errorf("parseTarget(%q) = %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "fake=", "fake=ftp://x", "file=", "x", "http://", "https://a,"} {
		if _, err := parseTarget(in); err == nil {
			t.Errorf("parseTarget(%q) succeeded", in)
		}
	}
}

func TestNewPacer(t *testing.T) {
	for _, tc := range []struct {
		kind string
		rate float64
		want vegeta.Pacer
	}{
		{"constant", 0, vegeta.ConstantPacer{}},
		{"constant", 250, vegeta.Rate{Freq: 250, Per: time.Second}},
		{"constant", 0.5, vegeta.Rate{Freq: 500, Per: 1000 * time.Second}},
		{"linear", 100, vegeta.LinearPacer{StartAt: vegeta.Rate{Freq: 100, Per: time.Second},
			Slope: 10}},
		{"sine", 100, vegeta.SinePacer{Mean: vegeta.Rate{Freq: 100, Per: time.Second},
			Amp: vegeta.Rate{Freq: 50, Per: time.Second}, Period: time.Minute}},
	} {
		got, err := newPacer(tc.kind, tc.rate, 10, 50, time.Minute)
		if err != nil || got != tc.want {
			t.Errorf("newPacer(%s, %v) = %v, %v; want %v", tc.kind, tc.rate, got, err, tc.want)
		}
	}
}

func TestIsLoadReport(t *testing.T) {
	dir := t.TempDir()
	load := filepath.Join(dir, "load")
	conf := filepath.Join(dir, "pushspec")
	os.MkdirAll(load, 0o755)
	os.MkdirAll(conf, 0o755)
	os.WriteFile(filepath.Join(load, loadgen.ResultsFile), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(load, "report.json"), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join(conf, "report.json"), []byte("[]"), 0o644)
	for args, want := range map[string]bool{
		load: true, filepath.Join(load, loadgen.ResultsFile): true, conf: false, dir: false,
		"--out x " + load: true, "/nonexistent": false,
	} {
		if got := isLoadReport(strings.Fields(args)); got != want {
			t.Errorf("isLoadReport(%s) = %v, want %v", args, got, want)
		}
	}
	// A conformance search one level down passes over the load run.
	if got := conformanceDirs(dir); !slices.Equal(got, []string{conf}) {
		t.Errorf("conformanceDirs = %v, want only %s", got, conf)
	}
}
