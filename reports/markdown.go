package reports

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pushspec/pushspec/checks"
)

// ConformanceFile is the name of the Markdown report in a run's directory.
const ConformanceFile = "conformance.md"

// groupTitles names the catalogue's groups, in order.
var groupTitles = []struct{ group, title string }{
	{"http", "HTTP and RFC 8030 headers"},
	{"ece", "Payload encryption (RFC 8291, RFC 8188)"},
	{"vapid", "VAPID (RFC 8292)"},
	{"legacy", "Legacy encodings (drafts)"},
	{"client", "How the sender reports answers"},
	{"input", "How the sender handles bad input"},
	{"svc", "What the push service does (RFC 8030)"},
	{"vendor", "Push services' own rules"},
}

// verdictOrder is the order of the summary counts.
var verdictOrder = []checks.Verdict{checks.Pass, checks.Fail, checks.Warn, checks.Info,
	checks.Unsupported, Error, NotRun}

// WriteMarkdown writes the conformance report: a summary, then a table per
// catalogue group with every requirement's level, verdict and detail.
func WriteMarkdown(w io.Writer, run *Run) error {
	pw := &printer{w: w}
	name := run.Sender.Name
	if name == "" {
		name = "unknown sender"
	}
	what := "sender"
	if run.Sender.Kind == "service" {
		what = "push service"
	}
	pw.printf("# pushspec conformance: %s %s (%s)\n\n", name, run.Sender.Version, what)

	counts := run.Counts()
	var parts []string
	for _, v := range verdictOrder {
		if n := counts[v]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, v))
		}
	}
	profile := run.Sender.Profile
	if profile == "" {
		profile = string(checks.ProfileRFC)
	}
	pw.printf("Profile `%s` · run %s · %d requirements: %s", profile,
		run.Started.UTC().Format("2006-01-02 15:04 MST"), len(run.Requirements()),
		strings.Join(parts, ", "))
	if b := run.BrowserCounts(); len(run.Browser) > 0 {
		var bparts []string
		for _, v := range verdictOrder {
			if n := b[v]; n > 0 {
				bparts = append(bparts, fmt.Sprintf("%d %s", n, v))
			}
		}
		pw.printf(" · %s in a real browser: %s", plural(len(run.Browser), "row"),
			strings.Join(bparts, ", "))
	}
	pw.printf("\n\n")

	if why := run.Incomplete(); why != "" {
		pw.printf("**Result: INCOMPLETE.** The run did not judge the sender: %s\n\n", cell(why))
	} else if broken := run.Broken(); len(broken) > 0 {
		var ids, rows []string
		for _, e := range broken {
			if row, ok := strings.CutPrefix(e.Requirement, "browser: "); ok {
				rows = append(rows, fmt.Sprintf("%s (%s)", row, e.Verdict))
			} else {
				ids = append(ids, "`"+e.Requirement+"`")
			}
		}
		var what []string
		if len(ids) > 0 {
			what = append(what, plural(len(ids), "requirement")+" broken: "+
				strings.Join(ids, ", "))
		}
		if len(rows) > 0 {
			what = append(what, plural(len(rows), "browser row")+" failed: "+
				strings.Join(rows, ", "))
		}
		pw.printf("**Result: FAIL.** %s.\n\n", strings.Join(what, "; "))
	} else {
		pw.printf("**Result: PASS.** No MUST is broken.\n\n")
	}
	pw.printf("Verdicts: PASS; FAIL, a MUST broken; WARN, a SHOULD broken or an interop " +
		"hazard; INFO, worth knowing; UNSUPPORTED, the sender declares it lacks the " +
		"feature; ERROR, the spec broke down; NOT RUN, filtered out. Levels: MUST, SHOULD " +
		"and MAY as the RFC says; policy, a rule of pushspec; vendor:<name>, one push " +
		"service's rule (WARN here, FAIL under that vendor's profile); —, an interop " +
		"hazard.\n")

	reqs := run.Requirements()
	for _, g := range groupTitles {
		var rows []checks.Requirement
		for _, r := range reqs {
			if r.Group() == g.group {
				rows = append(rows, r)
			}
		}
		if len(rows) == 0 {
			continue
		}
		pw.printf("\n## %s\n\n", g.title)
		pw.printf("| Requirement | Source | Level | Verdict | Detail |\n")
		pw.printf("| --- | --- | --- | --- | --- |\n")
		for _, r := range rows {
			e := run.Verdict(r.ID)
			pw.printf("| `%s` | %s | %s | %s | %s |\n", r.ID, sourceLinks(r), r.Level,
				e.Verdict, cell(e.Detail))
		}
	}
	writeBrowser(pw, run)
	return pw.err
}

// sourceLinks renders a requirement's references as Markdown links.
func sourceLinks(r checks.Requirement) string {
	var out []string
	for _, ref := range r.Refs {
		if u := ref.URL(); u != "" {
			out = append(out, "["+ref.String()+"]("+u+")")
		} else {
			out = append(out, ref.String())
		}
	}
	return strings.Join(out, ", ")
}

// cell makes text safe for one Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "|", `\|`)
	if r := []rune(s); len(r) > 400 {
		s = string(r[:400]) + "…"
	}
	return s
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// Render reads dir/report.json and writes dir/conformance.md. It returns the
// run, whose Broken entries decide the exit status.
func Render(dir string) (*Run, error) {
	run, err := Load(dir)
	if err != nil {
		return nil, err
	}
	f, err := os.Create(filepath.Join(dir, ConformanceFile))
	if err != nil {
		return nil, fmt.Errorf("writing report: %w", err)
	}
	if err := WriteMarkdown(f, run); err != nil {
		f.Close()
		return nil, fmt.Errorf("writing %s: %w", f.Name(), err)
	}
	return run, f.Close()
}

// plural writes "1 requirement", "2 requirements".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
