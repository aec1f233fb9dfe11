package reports

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pushspec/pushspec/checks"
)

// IndexFile is the name of the HTML matrix in the reports directory.
const IndexFile = "index.html"

//go:embed index.html.tmpl
var templates embed.FS

var indexTemplate = template.Must(template.New("index.html.tmpl").Funcs(template.FuncMap{
	"add": func(a, b int) int { return a + b },
}).ParseFS(templates, "index.html.tmpl"))

// A Named run is one sender's run and the directory it was read from.
type Named struct {
	Dir string
	Run *Run
}

// matrix is what index.html.tmpl renders.
type matrix struct {
	Generated string
	Senders   []column
	Groups    []group
	// Browser is the browser suite's rows × senders, when any run has them.
	Browser []browserRow
	// Entries are the findings behind the cells, for the detail dialog:
	// Entries[sender][requirement].
	Entries []map[string]Entry
	Reqs    map[string]reqInfo

	browserEntries []map[string]BrowserEntry
}

// browserRow is one scenario of the browser suite; Cells hold a verdict per
// sender ("" when that run has no such row).
type browserRow struct {
	Key, Scenario, Encoding string
	Cells                   []string
}

// Data is what the page's script needs to open a cell's finding.
func (m matrix) Data() any {
	return struct {
		Senders []column
		Entries []map[string]Entry
		Reqs    map[string]reqInfo
		Browser []map[string]BrowserEntry
	}{m.Senders, m.Entries, m.Reqs, m.browserEntries}
}

type column struct {
	Name, Version, Dir, Profile string
	Result                      string // PASS, FAIL or INCOMPLETE
	Why                         string
	Counts                      []count
}

type count struct {
	Verdict string
	N       int
}

type group struct {
	Title string
	Rows  []row
}

type row struct {
	ID, Text, Level string
	Refs            []link
	Cells           []string // a verdict per sender
	AllPass         bool
}

type link struct{ Text, URL string }

type reqInfo struct {
	Text   string `json:"text"`
	Source string `json:"source"`
	Level  string `json:"level"`
}

// WriteHTML writes the matrix of requirements × senders: one
// self-contained page, no network, that opens each cell's finding, the
// request headers and the decrypted payload in a dialog.
func WriteHTML(w io.Writer, runs []Named) error {
	m := matrix{Reqs: map[string]reqInfo{}}
	var newest time.Time
	for _, n := range runs {
		r := n.Run
		if r.Started.After(newest) {
			newest = r.Started
		}
		c := column{Name: r.Sender.Name, Version: r.Sender.Version, Dir: filepath.Base(n.Dir),
			Profile: r.Sender.Profile, Result: "PASS"}
		if c.Name == "" {
			c.Name = filepath.Base(n.Dir)
		}
		switch {
		case r.Incomplete() != "":
			c.Result, c.Why = "INCOMPLETE", r.Incomplete()
		case len(r.Broken()) > 0:
			var ids []string
			for _, e := range r.Broken() {
				ids = append(ids, e.Requirement)
			}
			c.Result, c.Why = "FAIL", "broken: "+strings.Join(ids, ", ")
		}
		counts := r.Counts()
		for _, v := range verdictOrder {
			if counts[v] > 0 {
				c.Counts = append(c.Counts, count{string(v), counts[v]})
			}
		}
		m.Senders = append(m.Senders, c)
		m.Entries = append(m.Entries, r.Entries)
	}
	if !newest.IsZero() {
		m.Generated = newest.UTC().Format("2006-01-02 15:04 MST")
	}

	judged := map[string]bool{}
	for _, n := range runs {
		for _, r := range n.Run.Requirements() {
			judged[r.ID] = true
		}
	}
	for _, g := range groupTitles {
		gr := group{Title: g.title}
		for _, req := range checks.Catalogue() {
			if req.Group() != g.group || !judged[req.ID] {
				continue
			}
			rw := row{ID: req.ID, Text: req.Text, Level: string(req.Level), AllPass: true}
			for _, ref := range req.Refs {
				rw.Refs = append(rw.Refs, link{ref.String(), ref.URL()})
			}
			for _, n := range runs {
				v := string(n.Run.Verdict(req.ID).Verdict)
				rw.Cells = append(rw.Cells, v)
				if v != string(checks.Pass) {
					rw.AllPass = false
				}
			}
			gr.Rows = append(gr.Rows, rw)
			m.Reqs[req.ID] = reqInfo{Text: req.Text, Source: req.Source(),
				Level: string(req.Level)}
		}
		if len(gr.Rows) > 0 {
			m.Groups = append(m.Groups, gr)
		}
	}
	m.addBrowser(runs)
	return indexTemplate.Execute(w, m)
}

// addBrowser gathers the browser rows of every run, in the order they
// first appear.
func (m *matrix) addBrowser(runs []Named) {
	index := map[string]int{}
	for i, n := range runs {
		entries := map[string]BrowserEntry{}
		for _, b := range n.Run.Browser {
			key := b.Scenario + " (" + b.Encoding + ")"
			entries[key] = b
			row, ok := index[key]
			if !ok {
				row = len(m.Browser)
				index[key] = row
				m.Browser = append(m.Browser, browserRow{Key: key, Scenario: b.Scenario,
					Encoding: b.Encoding, Cells: make([]string, len(runs))})
			}
			m.Browser[row].Cells[i] = string(b.Verdict)
		}
		m.browserEntries = append(m.browserEntries, entries)
	}
}

// RenderAll renders every run under dir (each subdirectory that holds a
// report.json) and writes dir/index.html. It returns the runs, sorted by
// directory.
func RenderAll(dir string) ([]Named, error) {
	found, err := filepath.Glob(filepath.Join(dir, "*", ReportFile))
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("no */%s in %s", ReportFile, dir)
	}
	sort.Strings(found)
	var dirs []string
	for _, f := range found {
		dirs = append(dirs, filepath.Dir(f))
	}
	return RenderIndex(filepath.Join(dir, IndexFile), dirs...)
}

// RenderIndex renders the runs in dirs and writes their matrix to index.
func RenderIndex(index string, dirs ...string) ([]Named, error) {
	var runs []Named
	for _, d := range dirs {
		run, err := Render(d)
		if err != nil {
			return nil, err
		}
		runs = append(runs, Named{Dir: d, Run: run})
	}
	f, err := os.Create(index)
	if err != nil {
		return nil, fmt.Errorf("writing the matrix: %w", err)
	}
	if err := WriteHTML(f, runs); err != nil {
		f.Close()
		return nil, fmt.Errorf("writing %s: %w", index, err)
	}
	return runs, f.Close()
}
