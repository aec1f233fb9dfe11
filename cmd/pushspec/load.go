package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/pushspec/pushspec/loadgen"
	"github.com/pushspec/pushspec/webpush"
)

const loadUsage = `usage: pushspec load [flags]

Attacks push endpoints with freshly encrypted, VAPID-signed Web Push messages
(vegeta as a library) and writes, in --out: results.bin (vegeta's encoding:
vegeta report and vegeta plot read it), run.json, report.txt, report.json,
latency.hgrm (an HdrHistogram) and load.html (vegeta's plot with the push
summary). By default it starts the fake push service in a child process, so
that the generator's CPU and the service's are measured apart.

--target is one of
  fake            start the fake push service here (the default)
  fake=URL        a running "pushspec serve" at URL: subscribe through its API
  file=PATH       PushSubscriptions in a JSON file (an array, or one a line)
  URL[,URL...]    push endpoints; keys are made up here (for a service that
                  does not decrypt, or a sink)

--mode is where a message is encrypted, which decides what latency means:
  inline          in vegeta's Targeter: latency includes encrypting and
                  signing; the sender as a whole
  pre-encrypted   ahead, on all cores, into a queue: latency is the push
                  service's alone
  constant        one message per subscription, sent again and again: the
                  baseline of a plain vegeta attack
A comma-separated list runs each in turn against the same target, into
--out/<mode>/, and writes --out/compare.txt with the rates as ratios.

Flags:
`

// loadFlags are the flags of pushspec load.
type loadFlags struct {
	target, modes, encoding, out, shard, pacer, retryAfter, progress string
	caFile, controlToken, vapidKey, subject, name, writeSubs         string
	cpuProfile                                                       string
	rate, slope, sineAmp                                             float64
	duration, sinePeriod, timeout                                    time.Duration
	subscriptions, payloadSize, ttl, queue, connections              int
	requests, workers, maxWorkers                                    uint64
	http2, useTLS, skipInspection, insecure                          bool
}

func load(args []string, stdout, stderr io.Writer) error {
	cfg, err := parseLoad(args, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.cpuProfile != "" {
		pf, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return fmt.Errorf("writing the CPU profile: %w", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("writing the CPU profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	return cfg.run(ctx, stdout, stderr)
}

// parseLoad parses and checks the flags of pushspec load.
func parseLoad(args []string, stderr io.Writer) (*loadConfig, error) {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f loadFlags
	fs.StringVar(&f.target, "target", "fake", "what to attack: fake, fake=URL, file=PATH or "+
		"endpoint URLs, comma-separated")
	fs.IntVar(&f.subscriptions, "subscriptions", 100, "subscriptions to create on the fake or "+
		"make up for endpoint URLs (over all shards)")
	fs.Float64Var(&f.rate, "rate", 1000, "requests per second; 0: as fast as --max-workers go")
	fs.StringVar(&f.pacer, "pacer", "constant", "constant, linear (--rate plus --slope per "+
		"second) or sine (--rate ± --sine-amp over --sine-period)")
	fs.Float64Var(&f.slope, "slope", 100, "linear pacer: requests per second added each second")
	fs.Float64Var(&f.sineAmp, "sine-amp", 500, "sine pacer: amplitude, requests per second")
	fs.DurationVar(&f.sinePeriod, "sine-period", 10*time.Second, "sine pacer: period")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "how long to attack (0: until "+
		"--requests)")
	fs.Uint64Var(&f.requests, "requests", 0, "stop after this many requests over all shards "+
		"(0: at --duration)")
	fs.IntVar(&f.payloadSize, "payload-size", loadgen.DefaultPayloadSize, "plaintext octets "+
		"per message (the first 8 carry its sequence number)")
	fs.StringVar(&f.modes, "mode", string(loadgen.Inline), "inline, pre-encrypted or constant, "+
		"or a comma-separated list to compare them")
	fs.StringVar(&f.encoding, "encoding", string(webpush.AES128GCM), "content coding: "+
		"aes128gcm or aesgcm")
	fs.IntVar(&f.ttl, "ttl", 60, "TTL header, seconds")
	fs.BoolVar(&f.http2, "http2", false, "speak HTTP/2 (over TLS by ALPN; h2c to http "+
		"endpoints); default HTTP/1.1")
	fs.BoolVar(&f.useTLS, "tls", false, "serve the fake started here over TLS")
	fs.BoolVar(&f.skipInspection, "skip-inspection", false, "the fake started here answers "+
		"201 without decrypting or verifying: its HTTP capacity alone")
	fs.StringVar(&f.out, "out", filepath.Join("reports", "out", "load"), "`dir`ectory for the "+
		"results and reports")
	fs.StringVar(&f.shard, "shard", "0/1", "this generator's part when n attack together: i/n")
	fs.Uint64Var(&f.workers, "workers", loadgen.DefaultWorkers, "initial workers")
	fs.Uint64Var(&f.maxWorkers, "max-workers", loadgen.DefaultMaxWorkers, "most workers, "+
		"hence requests in flight")
	fs.IntVar(&f.queue, "queue", loadgen.DefaultQueue, "pre-encrypted: messages encrypted ahead")
	fs.IntVar(&f.connections, "connections", 0, "idle connections kept per host "+
		"(0: vegeta's default)")
	fs.DurationVar(&f.timeout, "timeout", loadgen.DefaultTimeout, "bound on each request")
	fs.StringVar(&f.retryAfter, "retry-after", string(loadgen.Honour), "on 429: honour "+
		"(wait out Retry-After) or count")
	fs.StringVar(&f.caFile, "cacert", "", "PEM `file` of a CA to trust for https targets")
	fs.BoolVar(&f.insecure, "insecure", false, "do not verify https targets' certificates")
	fs.StringVar(&f.controlToken, "control-token", "", "Bearer token of a fake's control API")
	fs.StringVar(&f.vapidKey, "vapid-key", os.Getenv("PUSHSPEC_VAPID_PRIVATE_KEY"),
		"VAPID private key, base64url (default $PUSHSPEC_VAPID_PRIVATE_KEY, or a new one)")
	fs.StringVar(&f.subject, "subject", "mailto:load@pushspec.dev", "VAPID sub claim")
	fs.StringVar(&f.name, "name", "", "attack name in the results (default: mode and shard)")
	fs.StringVar(&f.writeSubs, "write-subscriptions", "", "write this shard's subscriptions "+
		"to `file` as JSON")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write the generator's CPU profile to `file`")
	fs.StringVar(&f.progress, "progress", "auto", "progress line on stderr: auto (on a "+
		"terminal), on or off")
	fs.Usage = func() {
		fmt.Fprint(stderr, loadUsage)
		fs.PrintDefaults()
	}
	if err := parse(fs, args, false); err != nil {
		return nil, err
	}
	cfg, err := f.config()
	if err != nil {
		fmt.Fprintf(stderr, "load: %v\n", err)
		return nil, errUsage
	}
	return cfg, nil
}

// loadConfig is a parsed and checked pushspec load command line.
type loadConfig struct {
	loadFlags
	modes    []loadgen.Mode
	shard    loadgen.Shard
	target   target
	pacer    vegeta.Pacer
	encoding webpush.Encoding
	retry    loadgen.RetryAfterPolicy
}

func (f loadFlags) config() (*loadConfig, error) {
	c := &loadConfig{loadFlags: f}
	var err error
	if c.modes, err = loadgen.ParseModes(f.modes); err != nil {
		return nil, err
	}
	if c.shard, err = loadgen.ParseShard(f.shard); err != nil {
		return nil, err
	}
	if c.target, err = parseTarget(f.target); err != nil {
		return nil, err
	}
	if c.pacer, err = newPacer(f.pacer, f.rate, f.slope, f.sineAmp, f.sinePeriod); err != nil {
		return nil, err
	}
	switch webpush.Encoding(f.encoding) {
	case webpush.AES128GCM, webpush.AESGCM:
		c.encoding = webpush.Encoding(f.encoding)
	default:
		return nil, fmt.Errorf("--encoding %q: want aes128gcm or aesgcm", f.encoding)
	}
	switch loadgen.RetryAfterPolicy(f.retryAfter) {
	case loadgen.Honour, loadgen.Count:
		c.retry = loadgen.RetryAfterPolicy(f.retryAfter)
	default:
		return nil, fmt.Errorf("--retry-after %q: want honour or count", f.retryAfter)
	}
	switch {
	case f.duration <= 0 && f.requests == 0:
		return nil, errors.New("set --duration or --requests: an attack needs an end")
	case f.subscriptions < 1 && c.target.kind != targetFile:
		return nil, errors.New("--subscriptions must be at least 1")
	case f.payloadSize < 0:
		return nil, errors.New("--payload-size must not be negative")
	case f.progress != "auto" && f.progress != "on" && f.progress != "off":
		return nil, fmt.Errorf("--progress %q: want auto, on or off", f.progress)
	case f.rate == 0 && f.pacer != "constant":
		return nil, errors.New("--rate 0 (as fast as possible) goes with the constant pacer")
	case c.target.kind != targetFake && (f.useTLS || f.skipInspection):
		return nil, errors.New("--tls and --skip-inspection are for the fake started here " +
			"(--target fake)")
	}
	return c, nil
}

// Kinds of --target.
const (
	targetFake      = "fake"      // start the fake here
	targetFakeURL   = "fake="     // a running fake
	targetFile      = "file="     // subscriptions in a file
	targetEndpoints = "endpoints" // push endpoints, keys made up here
)

type target struct {
	kind      string
	url, path string
	endpoints []string
}

// parseTarget reads --target.
func parseTarget(s string) (target, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == targetFake:
		return target{kind: targetFake}, nil
	case strings.HasPrefix(s, targetFakeURL):
		u := strings.TrimSuffix(strings.TrimPrefix(s, targetFakeURL), "/")
		if !isHTTPURL(u) {
			return target{}, fmt.Errorf("--target %q: want fake=http(s)://host:port", s)
		}
		return target{kind: targetFakeURL, url: u}, nil
	case strings.HasPrefix(s, targetFile):
		p := strings.TrimPrefix(s, targetFile)
		if p == "" {
			return target{}, fmt.Errorf("--target %q: want file=PATH", s)
		}
		return target{kind: targetFile, path: p}, nil
	}
	var eps []string
	for _, e := range strings.Split(s, ",") {
		e = strings.TrimSpace(e)
		if !isHTTPURL(e) {
			return target{}, fmt.Errorf("--target: %q is not fake, fake=URL, file=PATH or an "+
				"http(s) endpoint URL", e)
		}
		eps = append(eps, e)
	}
	return target{kind: targetEndpoints, endpoints: eps}, nil
}

func isHTTPURL(s string) bool {
	scheme, rest, ok := strings.Cut(s, "://")
	return ok && (scheme == "http" || scheme == "https") && rest != "" &&
		!strings.ContainsAny(s, " \t\n")
}

// newPacer makes vegeta's pacer of kind at rate per second.
func newPacer(kind string, rate, slope, amp float64, period time.Duration) (vegeta.Pacer, error) {
	if rate < 0 || math.IsNaN(rate) || math.IsInf(rate, 0) || rate > 1e7 {
		return nil, fmt.Errorf("--rate %v: want 0 to 10,000,000 per second", rate)
	}
	// vegeta's rates are whole hits per period: per millisecond keeps three
	// decimals of a per-second rate.
	perSecond := func(r float64) vegeta.Rate {
		if r == math.Trunc(r) {
			return vegeta.Rate{Freq: int(r), Per: time.Second}
		}
		return vegeta.Rate{Freq: int(math.Round(r * 1000)), Per: 1000 * time.Second}
	}
	switch kind {
	case "constant":
		if rate == 0 {
			return vegeta.ConstantPacer{}, nil
		}
		return perSecond(rate), nil
	case "linear":
		if rate == 0 || math.IsNaN(slope) || math.IsInf(slope, 0) {
			return nil, errors.New("linear pacer: --rate must be positive, --slope a number")
		}
		return vegeta.LinearPacer{StartAt: perSecond(rate), Slope: slope}, nil
	case "sine":
		if rate == 0 || !(amp > 0 && amp < rate) || period <= 0 {
			return nil, errors.New("sine pacer: want --rate > --sine-amp > 0 and a positive " +
				"--sine-period")
		}
		return vegeta.SinePacer{Mean: perSecond(rate), Amp: perSecond(amp), Period: period,
			StartAt: vegeta.MeanUp}, nil
	}
	return nil, fmt.Errorf("--pacer %q: want constant, linear or sine", kind)
}

func (c *loadConfig) run(ctx context.Context, stdout, stderr io.Writer) error {
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return fmt.Errorf("making --out: %w", err)
	}

	var fake *fakeProcess
	if c.target.kind == targetFake {
		var err error
		if fake, err = startFake(ctx, c.useTLS, c.skipInspection, stderr); err != nil {
			return err
		}
		defer fake.stop()
	}

	sender, err := c.sender()
	if err != nil {
		return err
	}
	tlsConfig, err := c.tlsConfig(fake)
	if err != nil {
		return err
	}
	subs, err := c.subscribe(ctx, fake, sender.VAPID, tlsConfig)
	if err != nil {
		return err
	}
	if c.writeSubs != "" {
		f, err := os.Create(c.writeSubs)
		if err != nil {
			return fmt.Errorf("writing subscriptions: %w", err)
		}
		err = loadgen.WriteSubscriptions(f, subs)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}

	var runs []*loadgen.Run
	var dirs []string
	for _, mode := range c.modes {
		dir := c.out
		if len(c.modes) > 1 {
			dir = filepath.Join(c.out, string(mode))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("making %s: %w", dir, err)
			}
		}
		run, err := c.attack(ctx, mode, dir, subs, sender, tlsConfig, fake, stderr)
		if run != nil {
			runs = append(runs, run)
			dirs = append(dirs, dir)
		}
		if err != nil {
			return err
		}
	}
	if fake != nil {
		fake.stop()
	}

	for i, dir := range dirs {
		rep := loadgen.NewReport(c.title(runs[i]))
		if err := rep.AddPath(dir); err != nil {
			return err
		}
		if err := rep.WriteFiles(dir); err != nil {
			return err
		}
		s := rep.Summary()
		fmt.Fprintf(stdout, "%s: %d requests, %.1f/s sent, %.1f/s accepted (%.2f%%), "+
			"p50 %.2fms, p99 %.2fms", runs[i].Name, s.Requests, s.Rate, s.Throughput,
			100*s.Accepted, s.Latency.P50, s.Latency.P99)
		if g := s.Generator; g != nil {
			fmt.Fprintf(stdout, ", generator %.1f µs CPU per request", g.MicrosPerRequest)
		}
		fmt.Fprintf(stdout, "\n  %s\n", filepath.Join(dir, loadgen.TextFile))
	}
	if len(runs) > 1 {
		if err := writeComparison(filepath.Join(c.out, "compare.txt"), runs, dirs,
			stdout); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (c *loadConfig) title(r *loadgen.Run) string {
	t := "pushspec load: " + r.Name + " → " + r.Target
	return t + ", " + r.Pacer
}

func (c *loadConfig) sender() (*webpush.Sender, error) {
	var vk *webpush.VAPIDKey
	var err error
	if c.vapidKey != "" {
		vk, err = webpush.ParseVAPIDKey(c.vapidKey)
	} else {
		vk, err = webpush.GenerateVAPIDKey(nil)
	}
	if err != nil {
		return nil, fmt.Errorf("making the VAPID key: %w", err)
	}
	return &webpush.Sender{VAPID: vk, Subject: c.subject}, nil
}

func (c *loadConfig) tlsConfig(fake *fakeProcess) (*tls.Config, error) {
	cfg := &tls.Config{InsecureSkipVerify: c.insecure}
	caFile := c.caFile
	if fake != nil && fake.caFile != "" {
		caFile = fake.caFile
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("reading --cacert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("reading --cacert: no PEM certificate in %s", caFile)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// subscribe returns this shard's subscriptions.
func (c *loadConfig) subscribe(ctx context.Context, fake *fakeProcess,
	vk *webpush.VAPIDKey, tlsConfig *tls.Config) ([]webpush.Subscription, error) {
	switch c.target.kind {
	case targetFake, targetFakeURL:
		base := c.target.url
		if fake != nil {
			base = fake.url
		}
		// Each shard subscribes its own share: the subscriptions are
		// partitioned by construction.
		n := int(c.shard.Share(uint64(c.loadFlags.subscriptions)))
		if n == 0 {
			return nil, fmt.Errorf("%d subscriptions over %d shards leave shard %s none",
				c.loadFlags.subscriptions, c.shard.Count, c.shard)
		}
		client := &http.Client{Timeout: 30 * time.Second,
			Transport: &http.Transport{TLSClientConfig: tlsConfig}}
		defer client.CloseIdleConnections()
		return loadgen.Subscribe(ctx, client, base, n, vk.PublicKey(), c.controlToken)
	case targetFile:
		f, err := os.Open(c.target.path)
		if err != nil {
			return nil, fmt.Errorf("reading subscriptions: %w", err)
		}
		defer f.Close()
		all, err := loadgen.ParseSubscriptions(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.target.path, err)
		}
		if subs := c.shard.Subscriptions(all); len(subs) > 0 {
			return subs, nil
		}
		return nil, fmt.Errorf("%s: %d subscriptions leave shard %s none", c.target.path,
			len(all), c.shard)
	}
	all, err := loadgen.Generate(c.target.endpoints, c.loadFlags.subscriptions)
	if err != nil {
		return nil, err
	}
	return c.shard.Subscriptions(all), nil
}

// attack runs one mode into dir.
func (c *loadConfig) attack(ctx context.Context, mode loadgen.Mode, dir string,
	subs []webpush.Subscription, sender *webpush.Sender, tlsConfig *tls.Config,
	fake *fakeProcess, stderr io.Writer) (*loadgen.Run, error) {
	pool, err := loadgen.NewPool(subs)
	if err != nil {
		return nil, err
	}
	a := &loadgen.Attack{
		Name: c.name, Pool: pool, Sender: sender,
		Message:     webpush.Message{TTL: c.ttl, Encoding: c.encoding},
		PayloadSize: c.payloadSize, Mode: mode, Pacer: c.pacer, Duration: c.duration,
		Requests: c.requests, Shard: c.shard, Workers: c.workers, MaxWorkers: c.maxWorkers,
		Queue: c.queue, RetryAfter: c.retry, TLSConfig: tlsConfig, HTTP2: c.http2,
		Timeout: c.timeout, Connections: c.connections,
	}
	if c.payloadSize == 0 {
		a.PayloadSize = -1 // an empty payload, not the default
	}
	if c.progress == "on" || c.progress == "auto" && isTerminal(stderr) {
		a.Progress = stderr
	}

	f, err := os.Create(filepath.Join(dir, loadgen.ResultsFile))
	if err != nil {
		return nil, fmt.Errorf("writing results: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	var fakeCPU0 time.Duration
	if fake != nil {
		fakeCPU0 = fake.cpu()
	}
	run, err := a.Run(ctx, vegeta.NewEncoder(bw))
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if run == nil {
		return nil, err
	}

	run.Target = c.target.describe(fake)
	run.Encoding = string(c.encoding)
	run.PayloadSize = c.payloadSize
	run.Protocol = "HTTP/1.1"
	if c.http2 {
		run.Protocol = "HTTP/2"
	}
	if c.useTLS || strings.HasPrefix(subs[0].Endpoint, "https:") {
		run.Protocol += " over TLS"
	}
	run.Subscriptions = len(subs)
	run.MaxWorkers = c.maxWorkers
	run.GOMAXPROCS = runtime.GOMAXPROCS(0)
	if fake != nil {
		run.PushServiceCPU = fake.cpu() - fakeCPU0
		run.PushService = "the fake push service (pushspec serve), " + fake.inspection()
	}
	if werr := loadgen.WriteRun(dir, run); err == nil {
		err = werr
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return run, fmt.Errorf("attacking (%s): %w", mode, err)
	}
	return run, nil
}

func (t target) describe(fake *fakeProcess) string {
	switch t.kind {
	case targetFake:
		return "the fake push service at " + fake.url
	case targetFakeURL:
		return "the fake push service at " + t.url
	case targetFile:
		return "the subscriptions of " + t.path
	}
	return strings.Join(t.endpoints, ", ")
}

// writeComparison writes compare.txt: each mode's rate as a ratio to the
// constant-body baseline (or to the first mode), from the same run.
func writeComparison(path string, runs []*loadgen.Run, dirs []string, stdout io.Writer) error {
	type row struct {
		mode                        loadgen.Mode
		rate, accepted, p50, p99    float64
		genCPU, svcCPU, requests, n float64
	}
	var rows []row
	for i, r := range runs {
		rep := loadgen.NewReport("")
		if err := rep.AddPath(dirs[i]); err != nil {
			return err
		}
		rep.Close()
		s := rep.Summary()
		rw := row{mode: r.Mode, rate: s.Rate, accepted: s.Throughput, p50: s.Latency.P50,
			p99: s.Latency.P99}
		if s.Generator != nil {
			rw.genCPU = s.Generator.MicrosPerRequest
		}
		if s.PushService != nil {
			rw.svcCPU = s.PushService.MicrosPerRequest
		}
		rows = append(rows, rw)
	}
	base := rows[0]
	for _, r := range rows {
		if r.mode == loadgen.Constant {
			base = r
		}
	}

	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tw := tabwriter.NewWriter(io.MultiWriter(f, stdout), 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\nmodes compared in one run, against the same target, one after "+
		"another;\nratios to %s (a shared machine: trust the ratios)\n\n", base.mode)
	fmt.Fprintf(tw, "mode\taccepted/s\tratio\tsent/s\tp50 ms\tp99 ms\tgenerator µs CPU/req\t"+
		"service µs CPU/req\t\n")
	for _, r := range rows {
		ratio := "-"
		if base.accepted > 0 {
			ratio = fmt.Sprintf("%.2f×", r.accepted/base.accepted)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%.0f\t%.2f\t%.2f\t%.1f\t%s\t\n", r.mode, r.accepted, ratio,
			r.rate, r.p50, r.p99, r.genCPU, orDash(r.svcCPU))
	}
	err = tw.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func orDash(v float64) string {
	if v == 0 {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// fakeProcess is the fake push service in a child process: pushspec serve.
type fakeProcess struct {
	cmd        *exec.Cmd
	url        string
	caFile     string
	dir        string
	skip       bool
	stopped    bool
	stoppedCPU time.Duration
}

// fakeStartTimeout bounds the wait for the child's first line, and
// fakeStopTimeout its graceful exit after SIGTERM, before a kill.
const (
	fakeStartTimeout = 30 * time.Second
	fakeStopTimeout  = 10 * time.Second
)

// startFake starts "pushspec serve" (this very binary) on a loopback port
// and reads its URL from the first line of its stdout.
func startFake(ctx context.Context, useTLS, skip bool, stderr io.Writer) (*fakeProcess, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("starting the fake: finding this binary: %w", err)
	}
	dir, err := os.MkdirTemp("", "pushspec-load-")
	if err != nil {
		return nil, fmt.Errorf("starting the fake: %w", err)
	}
	args := []string{"serve", "--addr", "127.0.0.1:0", "--keep-messages", "1"}
	if useTLS {
		args = append(args, "--tls", "--cert-dir", dir)
	}
	if skip {
		args = append(args, "--skip-inspection")
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = stderr
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting the fake: %w", err)
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting the fake: %w", err)
	}
	fp := &fakeProcess{cmd: cmd, dir: dir, skip: skip}

	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
		io.Copy(io.Discard, out) // until the child exits
	}()
	timer := time.NewTimer(fakeStartTimeout)
	defer timer.Stop()
	select {
	case u, ok := <-line:
		if !ok || !isHTTPURL(u) {
			fp.stop()
			return nil, fmt.Errorf("starting the fake: its first line is %q, not its URL", u)
		}
		fp.url = u
	case <-timer.C:
		fp.stop()
		return nil, fmt.Errorf("starting the fake: no URL after %s", fakeStartTimeout)
	case <-ctx.Done():
		fp.stop()
		return nil, ctx.Err()
	}
	if useTLS {
		fp.caFile = filepath.Join(dir, "ca.pem")
	}
	return fp, nil
}

func (fp *fakeProcess) inspection() string {
	if fp.skip {
		return "without inspection (--skip-inspection: its HTTP capacity alone)"
	}
	return "inspecting every message (parse, ECDH and decrypt, VAPID verify)"
}

// cpu is the child's CPU time so far, from /proc; after stop, its total.
func (fp *fakeProcess) cpu() time.Duration {
	if fp.stopped {
		return fp.stoppedCPU
	}
	return procCPU(fp.cmd.Process.Pid)
}

// stop ends the child with SIGTERM (a kill after fakeStopTimeout) and
// waits for it. It is safe to call more than once.
func (fp *fakeProcess) stop() {
	if fp.stopped {
		return
	}
	fp.stopped = true
	fp.cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan struct{})
	go func() {
		fp.cmd.Wait()
		close(exited)
	}()
	timer := time.NewTimer(fakeStopTimeout)
	defer timer.Stop()
	select {
	case <-exited:
	case <-timer.C:
		fp.cmd.Process.Kill()
		<-exited
	}
	if fp.cmd.ProcessState != nil {
		fp.stoppedCPU = loadgen.ProcessCPU(fp.cmd.ProcessState.SysUsage())
	}
	os.RemoveAll(fp.dir)
}

// procCPU reads a process's user and system time from /proc/PID/stat
// (Linux); 0 where there is no /proc.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: split after it.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	fields := strings.Fields(s)
	if len(fields) < 13 {
		return 0
	}
	// Fields 14 and 15 of stat (11 and 12 after the name and state) are
	// utime and stime in clock ticks, 100 a second on Linux.
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * (time.Second / clockTicks)
}

// clockTicks is USER_HZ, the unit of /proc times: 100 on every Linux port
// Go supports.
const clockTicks = 100
