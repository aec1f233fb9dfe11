package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/reports"
)

func report(args []string, stdout, stderr io.Writer) error {
	if isLoadReport(args) {
		return reportLoad(args, stdout, stderr)
	}
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verdicts := fs.Bool("verdicts", false, "print every requirement's verdict as \"ID VERDICT\" "+
		"lines (prefixed with the run's directory when there are several)")
	index := fs.String("index", "", "write the HTML matrix of the runs given to `file`")
	failOn := fs.String("fail-on", "must", "exit 1 when a sender breaks a MUST (must), or only "+
		"when a run is incomplete (incomplete)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: pushspec report [flags] DIR...\n\n"+
			"Renders DIR/conformance.md from DIR/report.json, Ginkgo's JSON report of a\n"+
			"conformance run. A DIR without a report.json is a reports directory: every run\n"+
			"below it is rendered, and DIR/index.html gets the matrix of all of them.\n"+
			"With --index, the runs given are rendered into that one matrix.\n\n"+
			"Exit status: 0 all judged and no MUST broken; 1 a MUST broken (with --fail-on\n"+
			"must); 3 a run incomplete or unreadable; 2 a usage error.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parse(fs, args, true); err != nil {
		return err
	}
	if fs.NArg() == 0 || (*failOn != "must" && *failOn != "incomplete") {
		fs.Usage()
		return errUsage
	}

	var runs []reports.Named
	if *index != "" {
		all, err := reports.RenderIndex(*index, fs.Args()...)
		if err != nil {
			return fmt.Errorf("%w: %v", errIncomplete, err)
		}
		runs = all
		fmt.Fprintf(stdout, "%s: %d senders\n", *index, len(all))
	}
	for _, d := range fs.Args() {
		if *index != "" {
			break
		}
		if _, err := os.Stat(filepath.Join(d, reports.ReportFile)); err == nil {
			run, err := reports.Render(d)
			if err != nil {
				return fmt.Errorf("%w: %v", errIncomplete, err)
			}
			runs = append(runs, reports.Named{Dir: d, Run: run})
			continue
		}
		found := conformanceDirs(d) // a load run's report.json is not Ginkgo's
		if len(found) == 0 {
			return fmt.Errorf("%w: no %s in %s or below it", errIncomplete, reports.ReportFile, d)
		}
		all, err := reports.RenderIndex(filepath.Join(d, reports.IndexFile), found...)
		if err != nil {
			return fmt.Errorf("%w: %v", errIncomplete, err)
		}
		runs = append(runs, all...)
		fmt.Fprintf(stdout, "%s: %d senders\n", filepath.Join(d, reports.IndexFile), len(all))
	}

	broken, incomplete := false, false
	for _, n := range runs {
		run := n.Run
		if *verdicts {
			prefix := ""
			if len(runs) > 1 {
				prefix = n.Dir + " "
			}
			for _, r := range run.Requirements() {
				fmt.Fprintf(stdout, "%s%s %s\n", prefix, r.ID, run.Verdict(r.ID).Verdict)
			}
		} else {
			summarize(stdout, n)
		}
		broken = broken || len(run.Broken()) > 0
		incomplete = incomplete || run.Incomplete() != ""
	}
	switch {
	case incomplete:
		return errIncomplete
	case broken && *failOn == "must":
		return errBroken
	}
	return nil
}

func summarize(w io.Writer, n reports.Named) {
	run := n.Run
	c := run.Counts()
	var parts []string
	for _, v := range []checks.Verdict{checks.Pass, checks.Fail, checks.Warn, checks.Info,
		checks.Unsupported, reports.Error, reports.NotRun} {
		if c[v] > 0 || v == checks.Pass || v == checks.Fail {
			parts = append(parts, fmt.Sprintf("%d %s", c[v], v))
		}
	}
	line := strings.Join(parts, ", ")
	if len(run.Browser) > 0 {
		b := run.BrowserCounts()
		line += fmt.Sprintf("; browser rows: %d PASS, %d FAIL", b[checks.Pass], b[checks.Fail])
		for _, v := range []checks.Verdict{checks.Warn, checks.Info, checks.Unsupported,
			reports.Error} {
			if b[v] > 0 {
				line += fmt.Sprintf(", %d %s", b[v], v)
			}
		}
	}
	fmt.Fprintf(w, "%s: %s %s: %s\n", filepath.Join(n.Dir, reports.ConformanceFile),
		run.Sender.Name, run.Sender.Version, line)
	if why := run.Incomplete(); why != "" {
		fmt.Fprintf(w, "  incomplete: %s\n", why)
	}
	if b := run.Broken(); len(b) > 0 {
		var ids []string
		for _, e := range b {
			ids = append(ids, e.Requirement)
		}
		fmt.Fprintf(w, "  broken: %s\n", strings.Join(ids, ", "))
	}
}
