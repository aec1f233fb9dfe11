package loadgen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"
	"github.com/tsenart/vegeta/v12/lib/plot"
)

// Files a load run writes in its directory.
const (
	ResultsFile = "results.bin" // vegeta's gob encoding: vegeta report and plot read it
	TextFile    = "report.txt"
	JSONFile    = "report.json"
	HDRFile     = "latency.hgrm" // HdrHistogram percentile distribution, in ms
	HTMLFile    = "load.html"
)

// A Report is what one or more load runs did, read back from their results
// (any encoding vegeta reads) and run.json records. Add results, Close,
// then write it out. Results of several shards or runs merge: totals add
// up, percentiles are over all of them.
type Report struct {
	title   string
	total   *vegeta.Metrics
	hist    *hdrhistogram.Histogram
	plot    *plot.Plot
	attacks map[string]*attackStats
	owner   map[string]string // attack name → the source that first had it
	runs    []*Run
	sources []string
	closed  bool
	// retryAfter counts the 429 results that carry a Retry-After.
	retryAfter uint64
}

type attackStats struct {
	metrics  *vegeta.Metrics
	outcomes map[Outcome]uint64
}

// NewReport returns an empty report with a title for its pages.
func NewReport(title string) *Report {
	return &Report{
		title: title,
		total: &vegeta.Metrics{},
		hist:  newLatencyHistogram(),
		plot: plot.New(plot.Title(plotTitle), plot.Downsample(4000),
			plot.Label(plotLabel)),
		attacks: map[string]*attackStats{},
		owner:   map[string]string{},
	}
}

// plotTitle heads vegeta's plot, below the summary and its title.
const plotTitle = "Latency over time, by attack and outcome"

// plotLabel splits the plot's series by outcome; vegeta's plot draws labels
// with "ERROR" in them in red.
func plotLabel(r *vegeta.Result) string {
	if o := Classify(r.Code); o != Accepted {
		return "ERROR " + string(o)
	}
	return string(Accepted)
}

// AddPath adds the results at path: a results file, or a directory
// holding results.bin, with the run.json beside it when there is one.
func (rep *Report) AddPath(path string) error {
	file := path
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		file = filepath.Join(path, ResultsFile)
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("reading results: %w", err)
	}
	defer f.Close()
	if err := rep.AddResults(file, f); err != nil {
		return err
	}
	if run, err := ReadRun(filepath.Dir(file)); err == nil {
		rep.AddRun(run)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// AddResults adds every result read from r, in any encoding vegeta writes
// (gob, JSON, CSV). source names r in the report; an attack name that an
// earlier source used already gets the source appended, so that two runs
// never mix in one series.
func (rep *Report) AddResults(source string, r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<20)
	if _, err := br.Peek(1); err == io.EOF {
		return fmt.Errorf("reading %s: no results", source)
	}
	dec := vegeta.DecoderFor(br)
	if dec == nil {
		return fmt.Errorf("reading %s: not results in an encoding vegeta writes "+
			"(gob, JSON or CSV)", source)
	}
	rep.sources = append(rep.sources, source)
	renamed := map[string]string{}
	for n := 0; ; n++ {
		var res vegeta.Result
		if err := dec.Decode(&res); err != nil {
			if errors.Is(err, io.EOF) {
				if n == 0 {
					return fmt.Errorf("reading %s: no results", source)
				}
				return nil
			}
			return fmt.Errorf("decoding result %d of %s: %w", n+1, source, err)
		}
		name, ok := renamed[res.Attack]
		if !ok {
			name = res.Attack
			if first, seen := rep.owner[name]; seen && first != source {
				name = fmt.Sprintf("%s (%s)", res.Attack, source)
			}
			rep.owner[name] = source
			renamed[res.Attack] = name
		}
		res.Attack = name
		rep.Add(&res)
	}
}

// Add adds one result.
func (rep *Report) Add(r *vegeta.Result) {
	rep.total.Add(r)
	rep.hist.RecordValue(max(1, r.Latency.Microseconds()))
	a := rep.attacks[r.Attack]
	if a == nil {
		a = &attackStats{metrics: &vegeta.Metrics{}, outcomes: map[Outcome]uint64{}}
		rep.attacks[r.Attack] = a
	}
	a.metrics.Add(r)
	a.outcomes[Classify(r.Code)]++
	if r.Code == http.StatusTooManyRequests && r.Headers.Get("Retry-After") != "" {
		rep.retryAfter++
	}
	rep.plot.Add(r) // an error here only means a result out of sequence
}

// AddRun adds a generator's record.
func (rep *Report) AddRun(r *Run) { rep.runs = append(rep.runs, r) }

// Close computes the summary; call it once after the last Add.
func (rep *Report) Close() {
	if rep.closed {
		return
	}
	rep.closed = true
	rep.total.Close()
	for _, a := range rep.attacks {
		a.metrics.Close()
	}
	rep.plot.Close()
}

// Latency is a latency distribution in milliseconds.
type Latency struct {
	Min  float64 `json:"min_ms"`
	Mean float64 `json:"mean_ms"`
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P95  float64 `json:"p95_ms"`
	P99  float64 `json:"p99_ms"`
	P999 float64 `json:"p999_ms"`
	Max  float64 `json:"max_ms"`
}

// AttackSummary is one attack of a report.
type AttackSummary struct {
	Name       string             `json:"name"`
	Requests   uint64             `json:"requests"`
	Rate       float64            `json:"rate"`
	Accepted   uint64             `json:"accepted"`
	Throughput float64            `json:"throughput"`
	P50        float64            `json:"p50_ms"`
	P99        float64            `json:"p99_ms"`
	Outcomes   map[Outcome]uint64 `json:"outcomes"`
}

// Summary is a report's numbers: report.json.
type Summary struct {
	Title   string          `json:"title"`
	Modes   []Mode          `json:"modes"`
	Sources []string        `json:"sources"`
	Attacks []AttackSummary `json:"attacks"`

	Requests uint64  `json:"requests"`
	Duration float64 `json:"duration_s"`
	// Rate is requests sent per second; Throughput is messages accepted
	// (201, 202) per second, over the duration and the wait for the last
	// answers, as vegeta computes it.
	Rate       float64 `json:"rate"`
	Throughput float64 `json:"throughput"`
	// Accepted is the share of requests the push service accepted.
	Accepted float64 `json:"accepted"`

	Latency  Latency            `json:"latency"`
	Statuses map[string]int     `json:"status_codes"`
	Outcomes map[Outcome]uint64 `json:"outcomes"`
	Errors   []string           `json:"errors"`

	// RetryAfter: 429 answers that carried a Retry-After, in the results;
	// the waits the generators made to honour them.
	RetryAfterAnswers uint64  `json:"retry_after_answers"`
	RetryAfterWaits   uint64  `json:"retry_after_waits"`
	RetryAfterWaited  float64 `json:"retry_after_waited_s"`

	Generator   *CPU `json:"generator,omitempty"`
	PushService *CPU `json:"push_service,omitempty"`

	Encrypted      uint64  `json:"encrypted"`
	Unsent         uint64  `json:"unsent"`
	QueueUnderruns uint64  `json:"queue_underruns"`
	Prefilled      uint64  `json:"prefilled"`
	PrefillCPU     float64 `json:"prefill_cpu_s"`

	Runs   []*Run          `json:"runs"`
	Vegeta json.RawMessage `json:"vegeta"`
}

// CPU is the CPU time a process spent, per request.
type CPU struct {
	Seconds           float64 `json:"cpu_s"`
	MicrosPerRequest  float64 `json:"cpu_us_per_request"`
	RequestsPerCPUSec float64 `json:"requests_per_cpu_s"`
	What              string  `json:"what"`
}

func newCPU(d time.Duration, requests uint64, what string) *CPU {
	if d <= 0 || requests == 0 {
		return nil
	}
	return &CPU{Seconds: d.Seconds(), MicrosPerRequest: float64(d.Microseconds()) /
		float64(requests), RequestsPerCPUSec: float64(requests) / d.Seconds(), What: what}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func usToMS(v int64) float64 { return float64(v) / 1e3 }

// Summary returns the report's numbers; Close first.
func (rep *Report) Summary() Summary {
	m := rep.total
	s := Summary{
		Title:    rep.title,
		Sources:  rep.sources,
		Requests: m.Requests,
		Duration: m.Duration.Seconds(),
		Rate:     m.Rate,
		Statuses: m.StatusCodes,
		Outcomes: map[Outcome]uint64{},
		Errors:   m.Errors,
		Runs:     rep.runs,
	}
	for _, a := range rep.attacks {
		for o, n := range a.outcomes {
			s.Outcomes[o] += n
		}
	}
	if m.Requests > 0 {
		s.Accepted = float64(s.Outcomes[Accepted]) / float64(m.Requests)
		if secs := (m.Duration + m.Wait).Seconds(); secs > 0 {
			s.Throughput = float64(s.Outcomes[Accepted]) / secs
		}
		h := rep.hist
		s.Latency = Latency{
			Min: usToMS(h.Min()), Mean: h.Mean() / 1e3,
			P50: usToMS(h.ValueAtQuantile(50)), P90: usToMS(h.ValueAtQuantile(90)),
			P95: usToMS(h.ValueAtQuantile(95)), P99: usToMS(h.ValueAtQuantile(99)),
			P999: usToMS(h.ValueAtQuantile(99.9)), Max: usToMS(h.Max()),
		}
	}

	for _, name := range slices.Sorted(maps.Keys(rep.attacks)) {
		a := rep.attacks[name]
		as := AttackSummary{Name: name, Requests: a.metrics.Requests, Rate: a.metrics.Rate,
			Accepted: a.outcomes[Accepted], P50: ms(a.metrics.Latencies.P50),
			P99: ms(a.metrics.Latencies.P99), Outcomes: a.outcomes}
		if secs := (a.metrics.Duration + a.metrics.Wait).Seconds(); secs > 0 {
			as.Throughput = float64(as.Accepted) / secs
		}
		s.Attacks = append(s.Attacks, as)
	}

	var genCPU, svcCPU time.Duration
	var svcRequests uint64
	seen := map[Mode]bool{}
	for _, r := range rep.runs {
		if !seen[r.Mode] {
			seen[r.Mode] = true
			s.Modes = append(s.Modes, r.Mode)
		}
		genCPU += r.CPU
		if r.PushServiceCPU > 0 {
			svcCPU += r.PushServiceCPU
			svcRequests += r.Requests
		}
		s.RetryAfterWaits += r.RetryAfterWaits
		s.RetryAfterWaited += r.RetryAfterWaited.Seconds()
		s.Encrypted += r.Encrypted
		s.Unsent += r.Unsent
		s.QueueUnderruns += r.QueueUnderruns
		s.Prefilled += r.Prefilled
		s.PrefillCPU += r.PrefillCPU.Seconds()
	}
	s.RetryAfterAnswers = rep.retryAfter
	s.Generator = newCPU(genCPU, m.Requests, "the load generator: encryption, signing, vegeta, "+
		"the HTTP client")
	s.PushService = newCPU(svcCPU, svcRequests, pushServiceWhat(rep.runs))

	var buf bytes.Buffer
	if err := vegeta.NewJSONReporter(m).Report(&buf); err == nil {
		s.Vegeta = json.RawMessage(bytes.TrimSpace(buf.Bytes()))
	}
	return s
}

func pushServiceWhat(runs []*Run) string {
	for _, r := range runs {
		if r.PushService != "" {
			return r.PushService
		}
	}
	return "the push service"
}

// modeMeaning says what latency measures in each mode.
var modeMeaning = map[Mode]string{
	Inline: "encrypted in the Targeter: latency includes encrypting and signing, " +
		"it measures the sender as a whole",
	PreEncrypted: "encrypted ahead into a queue: latency is the push service's alone; " +
		"the encryption CPU is in the generator's",
	Constant: "one message per subscription, sent again and again: the no-crypto baseline " +
		"of a plain vegeta attack",
}

// WriteText writes report.txt: the push summary, then vegeta's own text
// report of the same results.
func (rep *Report) WriteText(w io.Writer) error {
	s := rep.Summary()
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\n\n", s.Title)
	if len(s.Modes) == 0 {
		fmt.Fprintf(tw, "mode\tunknown: no run.json beside the results\n")
	}
	for _, m := range s.Modes {
		fmt.Fprintf(tw, "mode\t%s: %s\n", m, modeMeaning[m])
	}
	fmt.Fprintf(tw, "requests\t%d in %.1fs: %.1f/s sent, %.1f/s accepted (%.2f%%)\n",
		s.Requests, s.Duration, s.Rate, s.Throughput, 100*s.Accepted)
	l := s.Latency
	fmt.Fprintf(tw, "latency\tmin %s  mean %s  p50 %s  p90 %s  p95 %s  p99 %s  p99.9 %s  max %s\n",
		fmtMS(l.Min), fmtMS(l.Mean), fmtMS(l.P50), fmtMS(l.P90), fmtMS(l.P95), fmtMS(l.P99),
		fmtMS(l.P999), fmtMS(l.Max))
	fmt.Fprintf(tw, "outcomes\t%s\n", outcomeLine(s.Outcomes, s.Requests))
	fmt.Fprintf(tw, "status codes\t%s\n", statusLine(s.Statuses))
	if s.RetryAfterAnswers > 0 || s.RetryAfterWaits > 0 {
		fmt.Fprintf(tw, "retry-after\t%d answers with Retry-After; %d hits waited %.1fs in all "+
			"(their latency includes the wait)\n", s.RetryAfterAnswers, s.RetryAfterWaits,
			s.RetryAfterWaited)
	}
	if g := s.Generator; g != nil {
		fmt.Fprintf(tw, "generator CPU\t%.2fs, %.1f µs per request (%.0f requests per CPU-second): "+
			"%s\n", g.Seconds, g.MicrosPerRequest, g.RequestsPerCPUSec, g.What)
	}
	if s.Encrypted > 0 {
		fmt.Fprintf(tw, "encrypted\t%d messages", s.Encrypted)
		if s.Prefilled > 0 {
			fmt.Fprintf(tw, ", %d before the first hit (%.2fs of the generator's CPU)",
				s.Prefilled, s.PrefillCPU)
		}
		if s.Unsent > 0 {
			fmt.Fprintf(tw, ", %d ahead and never sent", s.Unsent)
		}
		if s.QueueUnderruns > 0 {
			fmt.Fprintf(tw, "; %d hits found the queue empty (their latency includes "+
				"encryption)", s.QueueUnderruns)
		}
		fmt.Fprintln(tw)
	}
	if p := s.PushService; p != nil {
		fmt.Fprintf(tw, "push service CPU\t%.2fs, %.1f µs per request (%.0f requests per "+
			"CPU-second): %s\n", p.Seconds, p.MicrosPerRequest, p.RequestsPerCPUSec, p.What)
	}
	if len(s.Attacks) > 1 {
		fmt.Fprintf(tw, "\nattack\trequests\trate/s\taccepted/s\tp50\tp99\n")
		for _, a := range s.Attacks {
			fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%s\t%s\n", a.Name, a.Requests, a.Rate,
				a.Throughput, fmtMS(a.P50), fmtMS(a.P99))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nvegeta's report of the same results (its Success counts any 2xx or 3xx):\n")
	return vegeta.NewTextReporter(rep.total).Report(w)
}

func fmtMS(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.2fs", v/1000)
	case v >= 1:
		return fmt.Sprintf("%.2fms", v)
	}
	return fmt.Sprintf("%.0fµs", v*1000)
}

func outcomeLine(os map[Outcome]uint64, total uint64) string {
	var parts []string
	for _, o := range Outcomes {
		if n := os[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d (%.2f%%)", o, n, percent(n, total)))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func statusLine(codes map[string]int) string {
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(codes)) {
		parts = append(parts, fmt.Sprintf("%s: %d", c, codes[c]))
	}
	return strings.Join(parts, ", ")
}

// WriteJSON writes report.json: the Summary, vegeta's JSON report inside.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep.Summary()); err != nil {
		return fmt.Errorf("writing report.json: %w", err)
	}
	return nil
}

// WriteHDR writes the latency distribution in HdrHistogram's percentile
// format (latency.hgrm), values in milliseconds, which HdrHistogram's
// plotter reads.
func (rep *Report) WriteHDR(w io.Writer) error {
	if _, err := rep.hist.PercentilesPrint(w, 5, 1000.0); err != nil {
		return fmt.Errorf("writing the HDR histogram: %w", err)
	}
	return nil
}

// WriteFiles writes report.txt, report.json, latency.hgrm and load.html to
// dir.
func (rep *Report) WriteFiles(dir string) error {
	rep.Close()
	for name, write := range map[string]func(io.Writer) error{
		TextFile: rep.WriteText, JSONFile: rep.WriteJSON, HDRFile: rep.WriteHDR,
		HTMLFile: rep.WriteHTML,
	} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
		bw := bufio.NewWriter(f)
		err = write(bw)
		if err == nil {
			err = bw.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return nil
}
