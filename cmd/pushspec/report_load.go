package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pushspec/pushspec/loadgen"
)

// isLoadReport reports whether the arguments of pushspec report name load
// results rather than conformance runs: a file (conformance takes
// directories), a directory holding results.bin, or a directory whose
// subdirectories hold results.bin and no conformance report.
func isLoadReport(args []string) bool {
	skip := false
	for _, a := range args {
		switch {
		case skip:
			skip = false
			continue
		case strings.HasPrefix(a, "-"):
			// The value of a conformance report's flag is no results file.
			name := strings.TrimLeft(a, "-")
			skip = (name == "index" || name == "fail-on") && !strings.Contains(a, "=")
			continue
		case strings.HasSuffix(a, ".html") || strings.HasSuffix(a, ".md"):
			continue
		}
		fi, err := os.Stat(a)
		if err != nil {
			continue
		}
		if !fi.IsDir() || isLoadDir(a) {
			return true
		}
		subs, _ := filepath.Glob(filepath.Join(a, "*", loadgen.ResultsFile))
		if len(subs) > 0 && len(conformanceDirs(a)) == 0 {
			return true
		}
	}
	return false
}

// isLoadDir reports whether dir holds a load run's results.
func isLoadDir(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, loadgen.ResultsFile))
	return err == nil
}

// conformanceDirs lists the subdirectories of dir that hold a conformance
// report.json, a load run's report.json aside.
func conformanceDirs(dir string) []string {
	found, _ := filepath.Glob(filepath.Join(dir, "*", "report.json"))
	var out []string
	for _, f := range found {
		if !isLoadDir(filepath.Dir(f)) {
			out = append(out, filepath.Dir(f))
		}
	}
	return out
}

const reportLoadUsage = `usage: pushspec report [--out DIR] [--title T] RESULTS...

Merges the results of load runs into one report and prints it. RESULTS are
results files in any encoding vegeta writes, or directories holding
results.bin (with the run.json pushspec load writes beside it), or
directories whose subdirectories do (the shards of a run). Totals add up;
percentiles are over every result. With --out it writes report.txt,
report.json, latency.hgrm and load.html there.

Flags:
`

// reportLoad merges load results: pushspec report with results.bin files.
func reportLoad(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write the merged report's files to `dir`")
	title := fs.String("title", "", "the report's title (default: the runs merged)")
	fs.Usage = func() {
		fmt.Fprint(stderr, reportLoadUsage)
		fs.PrintDefaults()
	}
	if err := parse(fs, args, true); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}

	var paths []string
	for _, a := range fs.Args() {
		fi, err := os.Stat(a)
		switch {
		case err != nil:
			return fmt.Errorf("reading results: %w", err)
		case !fi.IsDir() || isLoadDir(a):
			paths = append(paths, a)
		default:
			found, _ := filepath.Glob(filepath.Join(a, "*", loadgen.ResultsFile))
			if len(found) == 0 {
				return fmt.Errorf("no %s in %s or one level below it", loadgen.ResultsFile, a)
			}
			for _, f := range found {
				paths = append(paths, filepath.Dir(f))
			}
		}
	}

	t := *title
	if t == "" {
		t = fmt.Sprintf("pushspec load: %d results merged", len(paths))
		if len(paths) == 1 {
			t = "pushspec load: " + paths[0]
		}
	}
	rep := loadgen.NewReport(t)
	for _, p := range paths {
		if err := rep.AddPath(p); err != nil {
			return err
		}
	}
	rep.Close()
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return fmt.Errorf("making --out: %w", err)
		}
		if err := rep.WriteFiles(*out); err != nil {
			return err
		}
	}
	if err := rep.WriteText(stdout); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if *out != "" {
		fmt.Fprintf(stdout, "\nwritten to %s\n", *out)
	}
	return nil
}
