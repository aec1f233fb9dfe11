package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/pushspec/pushspec/webpush"
)

// Defaults of an Attack.
const (
	// DefaultWorkers is how many workers an attack starts with.
	DefaultWorkers = 10
	// DefaultMaxWorkers bounds the workers. vegeta's own default is
	// unbounded: a saturated attack then opens thousands of requests at
	// once and reports seconds of latency that are its own queueing.
	DefaultMaxWorkers = 64
	// DefaultQueue is the capacity of the pre-encrypted queue.
	DefaultQueue = 4096
	// DefaultPayloadSize is the plaintext of every message: about a
	// notification's JSON.
	DefaultPayloadSize = 256
	// DefaultTimeout bounds each request.
	DefaultTimeout = 30 * time.Second
	// DefaultPrefillTimeout bounds filling the pre-encrypted queue before
	// the attack starts.
	DefaultPrefillTimeout = time.Minute
)

// A RetryAfterPolicy is what an attack does with a 429 and its Retry-After.
type RetryAfterPolicy string

const (
	// Honour sends nothing more to that push service (origin) until the
	// Retry-After has passed, as RFC 8030 §8.4 asks of an application
	// server. vegeta's clock runs while a hit waits, so a waiting hit's
	// latency includes the wait; the report counts the waits.
	Honour RetryAfterPolicy = "honour"
	// Count only counts 429s and keeps the pace: for measuring a service's
	// rate limiter.
	Count RetryAfterPolicy = "count"
)

// An Attack is one load run of Web Push messages with vegeta: fresh
// encrypted, VAPID-signed messages for a pool of subscriptions, paced,
// results in vegeta's encoding. Set its fields, then call Run once.
type Attack struct {
	// Name names the attack in the results (vegeta's Attack field); empty
	// means the mode, and the shard when there are several.
	Name string
	// Pool holds the subscriptions.
	Pool *Pool
	// Sender encrypts and signs. Its VAPID token is cached per audience.
	// Its Client is not used: vegeta's is.
	Sender *webpush.Sender
	// Message is every message's TTL, Urgency, Topic, Encoding, RecordSize
	// and Padding; the payload is made per message (AppendPayload).
	Message webpush.Message
	// PayloadSize is the plaintext size; 0 means DefaultPayloadSize, and a
	// negative size an empty payload.
	PayloadSize int
	// Mode is where encryption happens; empty means Inline.
	Mode Mode
	// Pacer sets the rate: vegeta's ConstantPacer, LinearPacer, SinePacer,
	// or any other. A zero ConstantPacer is as fast as the workers go.
	Pacer vegeta.Pacer
	// Duration and Requests end the attack, whichever comes first; at least
	// one must be set. Requests is the total over all shards: this shard
	// sends its Share.
	Duration time.Duration
	Requests uint64
	// Shard is this generator's part of the subscriptions and sequence
	// numbers.
	Shard Shard
	// Workers and MaxWorkers are vegeta's; 0 means DefaultWorkers and
	// DefaultMaxWorkers.
	Workers, MaxWorkers uint64
	// Queue is the pre-encrypted queue's capacity; 0 means DefaultQueue.
	Queue int
	// Encoders is how many goroutines encrypt ahead; 0 means GOMAXPROCS.
	Encoders int
	// RetryAfter is the policy for 429s; empty means Honour.
	RetryAfter RetryAfterPolicy
	// TLSConfig is for https endpoints (a CA to trust); nil means the
	// system's roots.
	TLSConfig *tls.Config
	// HTTP2 speaks HTTP/2: negotiated over TLS, with prior knowledge (h2c)
	// to http endpoints. False keeps to HTTP/1.1.
	HTTP2 bool
	// Timeout bounds each request; 0 means DefaultTimeout.
	Timeout time.Duration
	// Connections is the idle connections kept per host; 0 is vegeta's
	// default.
	Connections int
	// Progress, if non-nil, gets a progress line every ProgressEvery (1 s
	// when 0), rewritten in place with a carriage return, and a newline at
	// the end. Give it a terminal.
	Progress      io.Writer
	ProgressEvery time.Duration
}

// Errors of Run.
var (
	ErrNoEnd   = errors.New("the attack has no end: set Duration or Requests")
	ErrNoPacer = errors.New("the attack has no pacer")
)

func (a *Attack) name() string {
	if a.Name != "" {
		return a.Name
	}
	n := string(a.mode())
	if !a.Shard.Whole() {
		n += " shard " + a.Shard.String()
	}
	return n
}

func (a *Attack) mode() Mode {
	if a.Mode == "" {
		return Inline
	}
	return a.Mode
}

func (a *Attack) payloadSize() int {
	switch {
	case a.PayloadSize == 0:
		return DefaultPayloadSize
	case a.PayloadSize < 0:
		return 0
	}
	return a.PayloadSize
}

// Run attacks and encodes every result with enc (vegeta.NewEncoder for the
// results.bin that vegeta report reads) and returns what happened. Results
// keep only the Retry-After of the response headers. It returns when the
// attack has ended and every goroutine it started has stopped: at Duration,
// after Requests, when the pool is empty, when ctx is done, or at the first
// error of the Targeter or of enc.
func (a *Attack) Run(ctx context.Context, enc vegeta.Encoder) (*Run, error) {
	if a.Duration <= 0 && a.Requests == 0 {
		return nil, ErrNoEnd
	}
	if a.Pacer == nil {
		return nil, ErrNoPacer
	}
	if a.Pool == nil || a.Sender == nil {
		return nil, errors.New("the attack needs a Pool and a Sender")
	}
	opts, transport := a.options()
	defer transport.CloseIdleConnections()

	limit := uint64(0)
	if a.Requests > 0 {
		if limit = a.Shard.Share(a.Requests); limit == 0 {
			return nil, fmt.Errorf("%d requests over %d shards leave shard %s none",
				a.Requests, a.Shard.count(), a.Shard)
		}
	}
	run := &Run{Name: a.name(), Mode: a.mode(), Shard: a.Shard.String(),
		Pacer: a.describePacer(), RetryAfterPolicy: a.retryAfter(), Outcomes: map[Outcome]uint64{}}
	cpu0 := cpuTime()

	st := &state{attack: a, run: run, stop: make(chan struct{}), cpu0: cpu0}
	if a.Duration > 0 {
		st.deadline = time.Now().Add(a.Duration)
	}
	targeter, finish, err := st.targeter(ctx, limit)
	if err != nil {
		return nil, err
	}
	defer finish()

	pacer := a.Pacer
	if limit > 0 {
		pacer = limitPacer{Pacer: a.Pacer, hits: limit}
	}
	attacker := vegeta.NewAttacker(opts...)
	run.Started = time.Now()
	results := attacker.Attack(targeter, pacer, a.Duration, run.Name)

	stopWatch := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-ctx.Done():
			attacker.Stop()
			st.halt()
		case <-stopWatch:
		}
	}()
	prog := st.startProgress()

	var encErr error
	for r := range results {
		st.result(r)
		if encErr == nil {
			if encErr = enc(r); encErr != nil {
				encErr = fmt.Errorf("writing result %d: %w", r.Seq, encErr)
				attacker.Stop()
			}
		}
	}
	run.Ended = time.Now()
	st.halt()
	close(stopWatch)
	<-watched
	prog.stop()
	finish()
	run.CPU = cpuTime() - cpu0
	st.finishRun()

	switch {
	case encErr != nil:
		return run, encErr
	case st.targetErr() != nil:
		return run, st.targetErr()
	}
	return run, ctx.Err()
}

// options are the vegeta options, with an HTTP client of our own made
// last: vegeta's transport options type-assert its transport and depend on
// their order, and it offers no way to close its idle connections, which
// would hold a push service's graceful shutdown up.
func (a *Attack) options() ([]func(*vegeta.Attacker), *http.Transport) {
	workers, maxWorkers := a.Workers, a.MaxWorkers
	if workers == 0 {
		workers = DefaultWorkers
	}
	if maxWorkers == 0 {
		maxWorkers = DefaultMaxWorkers
	}
	timeout := a.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	tlsConfig := &tls.Config{}
	if a.TLSConfig != nil {
		tlsConfig = a.TLSConfig.Clone()
	}
	conns := a.Connections
	if conns <= 0 {
		conns = vegeta.DefaultConnections
	}

	// HTTP/2 over TLS by ALPN and with prior knowledge (h2c) to http
	// endpoints, or HTTP/1.1 only.
	protocols := new(http.Protocols)
	if a.HTTP2 {
		protocols.SetHTTP2(true)
		protocols.SetUnencryptedHTTP2(true)
	} else {
		protocols.SetHTTP1(true)
	}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tlsConfig,
		MaxIdleConnsPerHost: conns,
		Protocols:           protocols,
	}
	client := &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a push service does not redirect
		},
	}
	return []func(*vegeta.Attacker){
		vegeta.Workers(min(workers, maxWorkers)), vegeta.MaxWorkers(maxWorkers),
		vegeta.MaxBody(0), vegeta.Client(client),
	}, tr
}

// describePacer says how fast the attack goes, in words for a report.
func (a *Attack) describePacer() string {
	var d string
	switch p := a.Pacer.(type) {
	case vegeta.ConstantPacer:
		if p.Freq == 0 || p.Per == 0 {
			maxWorkers := a.MaxWorkers
			if maxWorkers == 0 {
				maxWorkers = DefaultMaxWorkers
			}
			d = fmt.Sprintf("as fast as %d workers go", maxWorkers)
		} else {
			d = fmt.Sprintf("%g/s constant", float64(p.Freq)/p.Per.Seconds())
		}
	case vegeta.LinearPacer:
		d = fmt.Sprintf("%g/s rising %g/s each second", float64(p.StartAt.Freq)/
			p.StartAt.Per.Seconds(), p.Slope)
	case vegeta.SinePacer:
		d = fmt.Sprintf("%g/s ± %g/s over %s", float64(p.Mean.Freq)/p.Mean.Per.Seconds(),
			float64(p.Amp.Freq)/p.Amp.Per.Seconds(), p.Period)
	default:
		d = fmt.Sprint(a.Pacer)
	}
	if a.Requests > 0 {
		d += fmt.Sprintf(", %d requests", a.Shard.Share(a.Requests))
	}
	if a.Duration > 0 {
		d += fmt.Sprintf(", %s", a.Duration)
	}
	return d
}

func (a *Attack) retryAfter() RetryAfterPolicy {
	if a.RetryAfter == "" {
		return Honour
	}
	return a.RetryAfter
}

// state is what an attack's goroutines share while it runs.
type state struct {
	attack   *Attack
	run      *Run
	stop     chan struct{} // closed when the attack ends or ctx is done
	stopOnce sync.Once
	deadline time.Time // the end of Duration, or zero
	cpu0     time.Duration

	outcomes           [8]atomic.Uint64 // by position in Outcomes
	requests           atomic.Uint64
	encrypted          atomic.Uint64
	underruns          atomic.Uint64
	skipped            atomic.Uint64 // pre-encrypted messages for a gone subscription
	err                atomic.Pointer[error]
	pipe               *pipeline
	backoff            backoff
	window             window
	retryAnswers, gone uint64
}

func (st *state) halt() { st.stopOnce.Do(func() { close(st.stop) }) }

func (st *state) targetErr() error {
	if e := st.err.Load(); e != nil {
		return *e
	}
	return nil
}

// fail records a Targeter error, which vegeta answers by stopping.
func (st *state) fail(err error) error {
	if err != vegeta.ErrNoTargets {
		st.err.CompareAndSwap(nil, &err)
	}
	return err
}

// targeter returns the Targeter of the attack's mode and a func that stops
// whatever it started; for pre-encrypted, it fills the queue first.
func (st *state) targeter(ctx context.Context, limit uint64) (vegeta.Targeter, func(), error) {
	a := st.attack
	ms := &messages{pool: a.Pool, sender: a.Sender, tmpl: a.Message, size: a.payloadSize(),
		shard: a.Shard}

	switch a.mode() {
	case Inline:
		var next atomic.Uint64
		return func(t *vegeta.Target) error {
			local := next.Add(1) - 1
			if limit > 0 && local >= limit {
				return vegeta.ErrNoTargets
			}
			p, err := ms.prepare(local)
			if err != nil {
				return st.fail(err)
			}
			st.encrypted.Add(1)
			st.waitRetryAfter(p.Endpoint)
			fill(t, p)
			return nil
		}, func() {}, nil

	case Constant:
		pushes := make([]webpush.Push, a.Pool.Len())
		for i := range pushes {
			p, err := ms.prepare(uint64(i))
			if err != nil {
				return nil, nil, err
			}
			pushes[i] = p
		}
		st.encrypted.Store(uint64(len(pushes)))
		var next atomic.Uint64
		return func(t *vegeta.Target) error {
			for range pushes {
				p := pushes[(next.Add(1)-1)%uint64(len(pushes))]
				if a.Pool.IsGone(p.Endpoint) {
					continue
				}
				st.waitRetryAfter(p.Endpoint)
				fill(t, p)
				return nil
			}
			return vegeta.ErrNoTargets
		}, func() {}, nil

	case PreEncrypted:
		queue := a.Queue
		if queue <= 0 {
			queue = DefaultQueue
		}
		encoders := a.Encoders
		if encoders <= 0 {
			encoders = runtime.GOMAXPROCS(0)
		}
		st.run.QueueCapacity = queue
		pipe := startPipeline(encoders, queue, limit, ms.prepare)
		st.pipe = pipe
		finish := func() { pipe.Stop(); <-pipe.done }

		timer := time.NewTimer(DefaultPrefillTimeout)
		defer timer.Stop()
		select {
		case <-pipe.filled:
		case <-pipe.done:
		case <-ctx.Done():
			finish()
			return nil, nil, ctx.Err()
		case <-timer.C:
			finish()
			return nil, nil, fmt.Errorf("filling the pre-encrypted queue: %d of %d messages "+
				"after %s", pipe.produced.Load(), queue, DefaultPrefillTimeout)
		}
		if err := pipe.Err(); err != nil {
			finish()
			return nil, nil, err
		}
		st.run.Prefilled = pipe.produced.Load()
		st.run.PrefillCPU = cpuTime() - st.cpu0
		return func(t *vegeta.Target) error {
			for {
				var p webpush.Push
				var ok bool
				select {
				case p, ok = <-pipe.queue:
				default:
					st.underruns.Add(1)
					select {
					case p, ok = <-pipe.queue:
					case <-st.stop:
						return vegeta.ErrNoTargets
					}
				}
				if !ok {
					if err := pipe.Err(); err != nil {
						return st.fail(err)
					}
					return vegeta.ErrNoTargets
				}
				if a.Pool.IsGone(p.Endpoint) {
					st.skipped.Add(1)
					continue
				}
				st.waitRetryAfter(p.Endpoint)
				fill(t, p)
				return nil
			}
		}, finish, nil
	}
	return nil, nil, fmt.Errorf("unknown mode %q", a.Mode)
}

// waitRetryAfter holds a hit for endpoint's push service while a
// Retry-After of it runs, under the Honour policy.
func (st *state) waitRetryAfter(endpoint string) {
	if st.attack.retryAfter() != Honour {
		return
	}
	st.backoff.wait(st.attack.Pool.audienceOf(endpoint), st.deadline, st.stop)
}

// result takes one result in: outcome, Retry-After, gone subscriptions, the
// progress window. Only the results goroutine calls it.
func (st *state) result(r *vegeta.Result) {
	o := Classify(r.Code)
	st.outcomes[outcomeIndex(o)].Add(1)
	st.requests.Add(1)
	switch o {
	case Gone:
		if st.attack.Pool.MarkGone(r.URL) {
			st.gone++
		}
	case RateLimited:
		if v := r.Headers.Get("Retry-After"); v != "" {
			st.retryAnswers++
			if d := webpush.ParseRetryAfter(v, time.Now()); d > 0 {
				st.backoff.set(st.attack.Pool.audienceOf(r.URL), time.Now().Add(d))
			}
		}
	}
	// Keep results.bin small: of the headers, only what a report reads.
	if ra := r.Headers.Get("Retry-After"); ra != "" {
		r.Headers = http.Header{"Retry-After": {ra}}
	} else {
		r.Headers = nil
	}
	st.window.record(r.Latency)
}

// finishRun copies the counters into the Run.
func (st *state) finishRun() {
	run := st.run
	run.Requests = st.requests.Load()
	for i, o := range Outcomes {
		if n := st.outcomes[i].Load(); n > 0 {
			run.Outcomes[o] = n
		}
	}
	run.Encrypted = st.encrypted.Load()
	if st.pipe != nil {
		run.Encrypted = st.pipe.produced.Load()
		run.QueueUnderruns = st.underruns.Load()
	}
	if run.Mode != Constant && run.Encrypted > run.Requests {
		run.Unsent = run.Encrypted - run.Requests
	}
	run.SkippedGone = st.skipped.Load()
	run.GoneSubscriptions = st.gone
	run.RetryAfterAnswers = st.retryAnswers
	run.RetryAfterWaits, run.RetryAfterWaited = st.backoff.stats()
}

func outcomeIndex(o Outcome) int {
	for i, x := range Outcomes {
		if x == o {
			return i
		}
	}
	return len(Outcomes) - 1
}

// limitPacer stops its Pacer after hits hits.
type limitPacer struct {
	vegeta.Pacer
	hits uint64
}

func (p limitPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits >= p.hits {
		return 0, true
	}
	return p.Pacer.Pace(elapsed, hits)
}

func (p limitPacer) String() string { return fmt.Sprintf("%v, %d hits", p.Pacer, p.hits) }

// backoff holds the Retry-After of each push service (origin).
type backoff struct {
	latest atomic.Int64 // the latest end of any Retry-After, Unix ns
	mu     sync.Mutex
	until  map[string]time.Time
	waits  uint64
	waited time.Duration
}

func (b *backoff) set(audience string, t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.until == nil {
		b.until = map[string]time.Time{}
	}
	if t.After(b.until[audience]) {
		b.until[audience] = t
	}
	if n := t.UnixNano(); n > b.latest.Load() {
		b.latest.Store(n)
	}
}

// wait blocks until audience's Retry-After has passed, the deadline (if
// not zero) has come, or stop is closed.
func (b *backoff) wait(audience string, deadline time.Time, stop <-chan struct{}) {
	if time.Now().UnixNano() >= b.latest.Load() {
		return
	}
	b.mu.Lock()
	d := time.Until(b.until[audience])
	if !deadline.IsZero() {
		d = min(d, time.Until(deadline))
	}
	if d > 0 {
		b.waits++
		b.waited += d
	}
	b.mu.Unlock()
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-stop:
	}
}

func (b *backoff) stats() (uint64, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.waits, b.waited
}
