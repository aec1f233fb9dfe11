package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/reports"
	"github.com/pushspec/pushspec/webpush"
)

func runCLI(args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := run(args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{}, {"frobnicate"}, {"serve", "--profile", "nope"}, {"serve", "--addr", "0.0.0.0:0"},
		{"serve", "--cert-dir", "/tmp/x"}, {"keys", "extra"}, {"report"},
		{"report", "--fail-on", "sometimes", "x"},
	} {
		if _, stderr, err := runCLI(args...); !errors.Is(err, errUsage) || stderr == "" {
			t.Errorf("%q: err %v, stderr %q; want a usage error that says why", args, err, stderr)
		}
	}
	if _, _, err := runCLI("serve", "-h"); !errors.Is(err, errHelp) {
		t.Errorf("serve -h: %v, want help", err)
	}
}

func TestKeys(t *testing.T) {
	out, _, err := runCLI("keys")
	if err != nil {
		t.Fatal(err)
	}
	var k struct{ PublicKey, PrivateKey string }
	if err := json.Unmarshal([]byte(out), &k); err != nil {
		t.Fatal(err)
	}
	vk, err := webpush.ParseVAPIDKey(k.PrivateKey)
	if err != nil || vk.PublicKeyString() != k.PublicKey {
		t.Errorf("the key pair does not belong together: %v", err)
	}
}

// writeRun writes a report.json in which every requirement has verdict v.
func writeRun(t *testing.T, dir string, v checks.Verdict) {
	t.Helper()
	var specs types.SpecReports
	for _, r := range checks.Catalogue() {
		specs = append(specs, types.SpecReport{LeafNodeType: types.NodeTypeIt,
			LeafNodeLabels: []string{r.ID}, State: types.SpecStatePassed,
			ReportEntries: types.ReportEntries{{Name: reports.EntryName, Value: types.WrapEntryValue(
				reports.Entry{Requirement: r.ID, Verdict: v, Detail: "d"})}}})
	}
	b, _ := json.Marshal([]types.Report{{SpecReports: specs}})
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, reports.ReportFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReportExitStatus(t *testing.T) {
	root := t.TempDir()
	good, bad := filepath.Join(root, "good"), filepath.Join(root, "bad")
	writeRun(t, good, checks.Pass)
	writeRun(t, bad, checks.Fail)

	if _, _, err := runCLI("report", good); err != nil {
		t.Errorf("a passing run: %v", err)
	}
	if _, _, err := runCLI("report", bad); !errors.Is(err, errBroken) {
		t.Errorf("a failing run: %v, want errBroken", err)
	}
	if _, _, err := runCLI("report", "--fail-on", "incomplete", bad); err != nil {
		t.Errorf("--fail-on incomplete: %v", err)
	}
	if _, _, err := runCLI("report", filepath.Join(root, "missing")); !errors.Is(err, errIncomplete) {
		t.Errorf("a missing run: %v, want errIncomplete", err)
	}

	out, _, err := runCLI("report", "--fail-on", "incomplete", root)
	if err != nil || !strings.Contains(out, "2 senders") {
		t.Errorf("a reports directory: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(root, reports.IndexFile)); err != nil {
		t.Error("no index.html for a reports directory")
	}
	// An existing index.html given to --index is no load results file.
	index := filepath.Join(root, reports.IndexFile)
	out, _, err = runCLI("report", "--fail-on", "incomplete", "--index", index, good, bad)
	if err != nil || !strings.Contains(out, "2 senders") {
		t.Errorf("--index %s: %v\n%s", index, err, out)
	}
	out, _, _ = runCLI("report", "--verdicts", good)
	if !strings.HasPrefix(out, "http.method PASS\n") {
		t.Errorf("--verdicts printed %q", out[:min(len(out), 40)])
	}
}
