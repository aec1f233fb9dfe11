package reports

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/pushspec/pushspec/checks"
)

// ReportFile is the name of Ginkgo's JSON report in a run's directory.
const ReportFile = "report.json"

// Error is the verdict of a requirement whose spec broke down (a crash, a
// timeout, a harness fault) before it could judge the sender.
const Error checks.Verdict = "ERROR"

// NotRun is the verdict of a requirement whose spec did not run (filtered
// out, or not in the run's suites).
const NotRun checks.Verdict = "NOT RUN"

// A Run is one sender's conformance run, as read back from report.json.
type Run struct {
	// Browser holds the rows of the browser suite, in the order they ran.
	Browser []BrowserEntry
	Sender  SenderInfo
	Started time.Time
	// Entries holds a verdict for every requirement whose spec ran.
	Entries map[string]Entry
	// Problems lists what kept the run from completing: a suite whose setup
	// failed, for instance.
	Problems []string
}

// Load reads the Ginkgo JSON report at path, a file or a run's directory.
func Load(path string) (*Run, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, ReportFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading report: %w", err)
	}
	var suites []types.Report
	if err := json.Unmarshal(b, &suites); err != nil {
		return nil, fmt.Errorf("decoding %s as a Ginkgo JSON report: %w", path, err)
	}

	run := &Run{Entries: map[string]Entry{}}
	for _, suite := range suites {
		if run.Started.IsZero() || suite.StartTime.Before(run.Started) {
			run.Started = suite.StartTime
		}
		for _, spec := range suite.SpecReports {
			if err := run.add(spec); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		}
	}
	return run, nil
}

func (run *Run) add(spec types.SpecReport) error {
	if run.addBrowser(spec) {
		return nil
	}
	for _, e := range spec.ReportEntries {
		switch e.Name {
		case SenderEntryName:
			if err := json.Unmarshal([]byte(e.Value.AsJSON), &run.Sender); err != nil {
				return fmt.Errorf("decoding the sender entry: %w", err)
			}
		case EntryName:
			var entry Entry
			if err := json.Unmarshal([]byte(e.Value.AsJSON), &entry); err != nil {
				return fmt.Errorf("decoding a verdict: %w", err)
			}
			run.Entries[entry.Requirement] = entry
			return nil
		}
	}
	if spec.LeafNodeType != types.NodeTypeIt {
		if spec.State.Is(types.SpecStateFailureStates) {
			run.Problems = append(run.Problems, fmt.Sprintf("%s %s: %s", spec.LeafNodeType,
				spec.State, strings.TrimSpace(spec.Failure.Message)))
		}
		return nil
	}

	// A spec without a verdict: it broke down, or it did not run.
	id := ""
	for _, l := range spec.Labels() {
		if _, ok := checks.Lookup(l); ok {
			id = l
		}
	}
	if id == "" || !spec.State.Is(types.SpecStateFailureStates) {
		return nil
	}
	run.Entries[id] = Entry{Requirement: id, Verdict: Error,
		Detail: fmt.Sprintf("the spec %s before judging: %s", spec.State,
			spec.Failure.Message)}
	return nil
}

// Verdict returns the verdict of requirement id, NotRun when it has none.
func (run *Run) Verdict(id string) Entry {
	if e, ok := run.Entries[id]; ok {
		return e
	}
	return Entry{Requirement: id, Verdict: NotRun}
}

// Requirements are the catalogue's requirements that this kind of run
// judges: a push service's (the svc and vendor groups) or a sender's (the
// rest).
func (run *Run) Requirements() []checks.Requirement {
	service := run.Sender.Kind == "service"
	var out []checks.Requirement
	for _, r := range checks.Catalogue() {
		if g := r.Group(); (g == "svc" || g == "vendor") == service {
			out = append(out, r)
		}
	}
	return out
}

// Broken lists the requirements that make the run fail, in catalogue
// order: every FAIL (a MUST broken in the strict profile) and every ERROR.
func (run *Run) Broken() []Entry {
	var out []Entry
	for _, r := range run.Requirements() {
		if e := run.Verdict(r.ID); e.Verdict == checks.Fail || e.Verdict == Error {
			out = append(out, e)
		}
	}
	return append(out, run.browserBroken()...)
}

// Incomplete says why the run cannot be trusted to have judged the sender,
// or "" when it can: a suite broke down, or no requirement was judged.
func (run *Run) Incomplete() string {
	switch {
	case len(run.Problems) > 0:
		return strings.Join(run.Problems, "; ")
	case len(run.Entries) == 0 && len(run.Browser) == 0:
		return "no requirement was judged (did --label-filter match no spec?)"
	}
	return ""
}

// Counts returns how many requirements have each verdict.
func (run *Run) Counts() map[checks.Verdict]int {
	c := map[checks.Verdict]int{}
	for _, r := range run.Requirements() {
		c[run.Verdict(r.ID).Verdict]++
	}
	return c
}
