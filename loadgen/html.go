package loadgen

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"regexp"
)

// summaryTemplate is the push summary that load.html shows above vegeta's
// plot. It uses no network: styles inline, no fonts or scripts to fetch.
var summaryTemplate = template.Must(template.New("summary").Funcs(template.FuncMap{
	"ms":      fmtMS,
	"pct":     func(f float64) string { return fmt.Sprintf("%.2f%%", 100*f) },
	"meaning": func(m Mode) string { return modeMeaning[m] },
	"share": func(n, total uint64) string {
		return fmt.Sprintf("%.2f%%", percent(n, total))
	},
}).Parse(`
<section id="pushspec-summary" style="max-width:1600px;margin:0 auto 20px auto;
  font-family:-apple-system,'Segoe UI',Roboto,Ubuntu,sans-serif;font-size:14px">
<style>
#pushspec-summary table{border-collapse:collapse;margin:8px 0 16px 0}
#pushspec-summary td,#pushspec-summary th{padding:4px 12px;text-align:left;
  border-bottom:1px solid #30363d;vertical-align:top}
#pushspec-summary th{font-weight:600}
#pushspec-summary .num{text-align:right;font-variant-numeric:tabular-nums}
#pushspec-summary h2{font-size:18px;margin:16px 0 4px 0}
</style>
<h1 style="font-size:24px;margin:0 0 8px 0">{{.Title}}</h1>
<table id="pushspec-totals">
{{range .Modes}}<tr><th>mode</th><td><b>{{.}}</b>: {{meaning .}}</td></tr>{{end}}
<tr><th>throughput</th><td>{{printf "%.1f" .Rate}}/s sent, <b>{{printf "%.1f" .Throughput}}/s
  accepted</b> ({{pct .Accepted}}); {{.Requests}} requests in {{printf "%.1f" .Duration}}s</td></tr>
<tr><th>latency</th><td>p50 <b>{{ms .Latency.P50}}</b>, p90 {{ms .Latency.P90}},
  p99 <b>{{ms .Latency.P99}}</b>, p99.9 {{ms .Latency.P999}}, max {{ms .Latency.Max}}</td></tr>
{{with .Generator}}<tr><th>generator CPU</th><td><b>{{printf "%.1f" .MicrosPerRequest}} µs per
  request</b> ({{printf "%.0f" .RequestsPerCPUSec}} per CPU-second): {{.What}}</td></tr>{{end}}
{{with .PushService}}<tr><th>push service CPU</th><td>{{printf "%.1f" .MicrosPerRequest}} µs per
  request ({{printf "%.0f" .RequestsPerCPUSec}} per CPU-second): {{.What}}</td></tr>{{end}}
{{if .RetryAfterAnswers}}<tr><th>retry-after</th><td>{{.RetryAfterAnswers}} answers;
  {{.RetryAfterWaits}} hits waited {{printf "%.1f" .RetryAfterWaited}}s</td></tr>{{end}}
</table>
<h2>Status breakdown</h2>
<table id="pushspec-outcomes">
<tr><th>outcome</th><th class="num">requests</th><th class="num">share</th></tr>
{{range .OutcomeRows}}<tr><td>{{.Outcome}}</td><td class="num">{{.N}}</td>
  <td class="num">{{share .N $.Requests}}</td></tr>{{end}}
<tr><th>status</th><th class="num">requests</th><th></th></tr>
{{range $code, $n := .Statuses}}<tr><td>{{$code}}</td><td class="num">{{$n}}</td>
  <td></td></tr>{{end}}
</table>
{{if gt (len .Attacks) 1}}<h2>Attacks</h2>
<table id="pushspec-attacks">
<tr><th>attack</th><th class="num">requests</th><th class="num">rate/s</th>
  <th class="num">accepted/s</th><th class="num">p50</th><th class="num">p99</th></tr>
{{range .Attacks}}<tr><td>{{.Name}}</td><td class="num">{{.Requests}}</td>
  <td class="num">{{printf "%.1f" .Rate}}</td><td class="num">{{printf "%.1f" .Throughput}}</td>
  <td class="num">{{ms .P50}}</td><td class="num">{{ms .P99}}</td></tr>{{end}}
</table>{{end}}
<p style="opacity:.75">Below is vegeta's plot of the same results, one series per
attack and outcome. results.bin beside this page is vegeta's own encoding:
<code>vegeta report results.bin</code>, <code>vegeta plot results.bin</code>.</p>
</section>
`))

type outcomeRow struct {
	Outcome Outcome
	N       uint64
}

// bodyTag finds the opening body tag of vegeta's plot page.
var bodyTag = regexp.MustCompile(`(?i)<body[^>]*>`)

// WriteHTML writes load.html: vegeta's plot of the results (self-contained:
// it inlines uPlot) with the push summary above it.
func (rep *Report) WriteHTML(w io.Writer) error {
	var page bytes.Buffer
	if _, err := rep.plot.WriteTo(&page); err != nil {
		return fmt.Errorf("plotting: %w", err)
	}
	s := rep.Summary()
	var rows []outcomeRow
	for _, o := range Outcomes {
		if n := s.Outcomes[o]; n > 0 {
			rows = append(rows, outcomeRow{o, n})
		}
	}
	var summary bytes.Buffer
	if err := summaryTemplate.Execute(&summary, struct {
		Summary
		OutcomeRows []outcomeRow
	}{s, rows}); err != nil {
		return fmt.Errorf("rendering the summary: %w", err)
	}

	// The page's title is the report's; vegeta's heading stays the plot's.
	b := bytes.Replace(page.Bytes(), []byte("<title>"+plotTitle+"</title>"),
		[]byte("<title>"+template.HTMLEscapeString(s.Title)+"</title>"), 1)
	at := len(b)
	if loc := bodyTag.FindIndex(b); loc != nil {
		at = loc[1]
	}
	for _, part := range [][]byte{b[:at], summary.Bytes(), b[at:]} {
		if _, err := w.Write(part); err != nil {
			return err
		}
	}
	return nil
}
