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
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verdicts := fs.Bool("verdicts", false, "print every requirement's verdict as \"ID VERDICT\" "+
		"lines instead of a summary")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: pushspec report [--verdicts] DIR...\n\n"+
			"Renders DIR/conformance.md from DIR/report.json, Ginkgo's JSON report of a\n"+
			"conformance run; a DIR without one is searched one level down. Exits 1 when a\n"+
			"sender broke a MUST or a spec broke down.\n")
	}
	if err := parse(fs, args, true); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}

	var dirs []string
	for _, d := range fs.Args() {
		if _, err := os.Stat(filepath.Join(d, reports.ReportFile)); err == nil {
			dirs = append(dirs, d)
			continue
		}
		found, _ := filepath.Glob(filepath.Join(d, "*", reports.ReportFile))
		if len(found) == 0 {
			return fmt.Errorf("no %s in %s or below it", reports.ReportFile, d)
		}
		for _, f := range found {
			dirs = append(dirs, filepath.Dir(f))
		}
	}

	broken := false
	for _, d := range dirs {
		run, err := reports.Render(d)
		if err != nil {
			return err
		}
		if *verdicts {
			for _, r := range checks.Catalogue() {
				fmt.Fprintf(stdout, "%s %s\n", r.ID, run.Verdict(r.ID).Verdict)
			}
			broken = broken || len(run.Broken()) > 0
			continue
		}
		c := run.Counts()
		fmt.Fprintf(stdout, "%s: %s %s: %d PASS, %d FAIL, %d WARN, %d INFO, %d UNSUPPORTED",
			filepath.Join(d, reports.ConformanceFile), run.Sender.Name, run.Sender.Version,
			c["PASS"], c["FAIL"], c["WARN"], c["INFO"], c["UNSUPPORTED"])
		if n := c[reports.Error]; n > 0 {
			fmt.Fprintf(stdout, ", %d ERROR", n)
		}
		fmt.Fprintln(stdout)
		if b := run.Broken(); len(b) > 0 {
			broken = true
			var ids []string
			for _, e := range b {
				ids = append(ids, e.Requirement)
			}
			fmt.Fprintf(stdout, "  broken: %s\n", strings.Join(ids, ", "))
		}
	}
	if broken {
		return errBroken
	}
	return nil
}
