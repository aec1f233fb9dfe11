package harness

import (
	"fmt"
	"strings"

	"github.com/onsi/ginkgo/v2"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/reports"
	"github.com/pushspec/pushspec/webpush"
)

// maxReportedPayload bounds the decrypted bytes kept in a report scenario.
const maxReportedPayload = 512

// Judge gives requirement id its verdict over runs: the worst of their
// findings about it. It records the verdict as a report entry and fails the
// spec on FAIL; a sender that lacks what every run needs is UNSUPPORTED and
// the spec is skipped.
func (h *Harness) Judge(id string, runs ...*Run) {
	h.JudgeExercised(id, "", runs...)
}

// JudgeExercised is Judge for a requirement that the runs may fail to
// exercise by chance: then the verdict is INFO with detail notExercised
// rather than FAIL.
func (h *Harness) JudgeExercised(id, notExercised string, runs ...*Run) {
	var scenarios []reports.Scenario
	for _, r := range runs {
		if s, ok := h.scenario(id, r); ok {
			scenarios = append(scenarios, s)
		}
	}
	if len(scenarios) == 0 && notExercised != "" {
		scenarios = append(scenarios, reports.Scenario{Name: runs[0].Case.Name,
			Verdict: checks.Info, Detail: notExercised, Sent: len(runs[0].Results),
			Received: len(runs[0].Messages)})
	}
	h.Record(id, scenarios)
}

// Record gives requirement id the worst verdict of scenarios, as Judge does,
// for specs that judge runs in their own way.
func (h *Harness) Record(id string, scenarios []reports.Scenario) { Record(id, scenarios) }

// Record gives requirement id the worst verdict of scenarios, records it as
// the spec's report entry, fails the spec on FAIL and skips it when the
// requirement is UNSUPPORTED.
func Record(id string, scenarios []reports.Scenario) {
	e := reports.Entry{Requirement: id, Scenarios: scenarios}
	var unsupported []string
	for _, s := range scenarios {
		if s.Verdict == checks.Unsupported {
			unsupported = append(unsupported, s.Detail)
			continue
		}
		if e.Verdict == "" || s.Verdict.Worse(e.Verdict) {
			e.Verdict, e.Detail = s.Verdict, s.Name+": "+s.Detail
		}
	}
	switch {
	case e.Verdict == "" && len(unsupported) > 0:
		e.Verdict, e.Detail = checks.Unsupported, unsupported[0]
	case e.Verdict == "":
		e.Verdict, e.Detail = checks.Fail, "no message the sender sent exercised this requirement"
	}
	ginkgo.AddReportEntry(reports.EntryName, e, ginkgo.ReportEntryVisibilityFailureOrVerbose)

	switch e.Verdict {
	case checks.Fail:
		ginkgo.Fail(fmt.Sprintf("%s FAIL: %s", id, e.Detail))
	case checks.Unsupported:
		ginkgo.Skip(fmt.Sprintf("%s UNSUPPORTED: %s", id, e.Detail))
	case checks.Warn, checks.Info:
		fmt.Fprintf(ginkgo.GinkgoWriter, "%s %s: %s\n", id, e.Verdict, e.Detail)
	}
}

// scenario judges one run for requirement id; ok is false when the run has
// nothing to say about it.
func (h *Harness) scenario(id string, r *Run) (reports.Scenario, bool) {
	s := reports.Scenario{Name: r.Case.Name, Asked: r.Case.Asked(), Sent: len(r.Results),
		Received: len(r.Messages)}
	s.Status, s.Outcome, s.Error = describeResults(r.Results)
	if r.Unsupported != "" {
		s.Verdict, s.Detail = checks.Unsupported, r.Unsupported
		return s, true
	}
	for _, res := range r.Results {
		if res.AdapterError != "" {
			s.Verdict, s.Detail = checks.Fail, res.AdapterError
			return s, true
		}
	}

	if len(r.Messages) == 0 {
		if r.Case.MayRefuse {
			s.Verdict, s.Detail = checks.Pass, "the sender refused, and sent nothing: "+
				orNone(s.Error)
		} else {
			s.Verdict, s.Detail = checks.Fail, "the sender sent nothing for a valid request: "+
				orNone(s.Error)
		}
		return s, true
	}
	if len(r.Messages) < len(r.Results) && !r.Case.MayRefuse {
		failed := 0
		for _, res := range r.Results {
			if res.Status == 0 {
				failed++
			}
		}
		if failed > 0 {
			s.Verdict, s.Detail = checks.Fail, fmt.Sprintf("only %d of %d messages reached the "+
				"push service", len(r.Messages), len(r.Results))
			return s, true
		}
	}

	var worst checks.Finding
	judged := 0
	for i := range r.Messages {
		f, ok := checks.Worst(r.Findings(i), id)
		if !ok {
			continue
		}
		if judged == 0 || f.Verdict.Worse(worst.Verdict) {
			worst = f
		}
		judged++
	}
	if judged == 0 {
		return s, false
	}
	s.Verdict, s.Detail = worst.Verdict, worst.Detail
	switch n := len(r.Messages); {
	case judged < n:
		s.Detail += fmt.Sprintf(" (%d of %d messages bear on it)", judged, n)
	case n > 1:
		s.Detail += fmt.Sprintf(" (worst of %d messages)", n)
	}

	m := r.Messages[0]
	s.Status = m.Status
	s.Request = map[string][]string(m.Header)
	if m.Payload != nil {
		p := webpush.EncodeBase64(m.Payload[:min(len(m.Payload), maxReportedPayload)])
		s.Payload, s.PayloadSize = &p, len(m.Payload)
	}
	return s, true
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "no error given"
	}
	return s
}
