package loadgen

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/pushspec/pushspec/webpush"
)

// Mode is where a message is encrypted and signed, which decides what the
// latency of a hit measures. vegeta starts a hit's clock before it calls
// the Targeter, so whatever the Targeter does counts as latency.
type Mode string

const (
	// Inline encrypts each message in the Targeter, as an application
	// server would before sending: latency is the sender's work plus the
	// push service's answer. It measures a sender as a whole.
	Inline Mode = "inline"
	// PreEncrypted encrypts ahead on all cores into a bounded queue; the
	// Targeter only takes the next message: latency is the push service's
	// alone. Every message is still fresh (its own key and salt); the
	// generator's CPU for it is spent all the same, and reported.
	PreEncrypted Mode = "pre-encrypted"
	// Constant encrypts one message per subscription once and sends it
	// again and again, as a plain vegeta attack with a fixed body does. It
	// is the baseline the other modes are compared with, not a valid Web
	// Push load: every hit repeats a message.
	Constant Mode = "constant"
)

// Modes lists the modes in the order a comparison runs them.
var Modes = []Mode{Constant, PreEncrypted, Inline}

// ParseMode reads a mode's name.
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("parsing mode %q: want inline, pre-encrypted or constant", s)
}

// ParseModes reads a comma-separated list of modes.
func ParseModes(s string) ([]Mode, error) {
	var ms []Mode
	seen := map[Mode]bool{}
	for _, f := range strings.Split(s, ",") {
		m, err := ParseMode(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		if seen[m] {
			return nil, fmt.Errorf("parsing modes %q: %s twice", s, m)
		}
		seen[m] = true
		ms = append(ms, m)
	}
	return ms, nil
}

// fill makes t the POST of p.
func fill(t *vegeta.Target, p webpush.Push) {
	t.Method = "POST"
	t.URL = p.Endpoint
	t.Body = p.Body
	t.Header = p.Header
}

// messages makes the attack's messages: the local-th message of this
// shard, with its sequence number in the payload, for the next
// subscription of the pool.
type messages struct {
	pool   *Pool
	sender *webpush.Sender
	tmpl   webpush.Message
	size   int
	shard  Shard
	bufs   sync.Pool
}

func (ms *messages) prepare(local uint64) (webpush.Push, error) {
	r, ok := ms.pool.Next()
	if !ok {
		return webpush.Push{}, vegeta.ErrNoTargets
	}
	buf, _ := ms.bufs.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	m := ms.tmpl
	m.Payload = AppendPayload((*buf)[:0], ms.shard.Seq(local), ms.size)
	p, err := ms.sender.Prepare(r, m)
	*buf = m.Payload
	ms.bufs.Put(buf)
	if err != nil {
		return webpush.Push{}, fmt.Errorf("preparing message %d: %w", ms.shard.Seq(local), err)
	}
	return p, nil
}

// A pipeline encrypts messages ahead of the attack on several goroutines
// into a bounded queue. It stops at limit messages (0: never), when Stop is
// called, or at the first error, and then closes the queue.
type pipeline struct {
	queue    chan webpush.Push
	stop     chan struct{}
	stopOnce sync.Once
	filled   chan struct{} // closed once the queue first holds fillTo messages
	fillTo   uint64
	done     chan struct{}

	next     atomic.Uint64
	produced atomic.Uint64
	err      atomic.Pointer[error]
}

func startPipeline(workers, capacity int, limit uint64,
	prepare func(local uint64) (webpush.Push, error)) *pipeline {
	p := &pipeline{
		queue:  make(chan webpush.Push, capacity),
		stop:   make(chan struct{}),
		filled: make(chan struct{}),
		fillTo: uint64(capacity),
		done:   make(chan struct{}),
	}
	if limit > 0 && limit < p.fillTo {
		p.fillTo = limit
	}
	if p.fillTo == 0 {
		close(p.filled)
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() { p.work(limit, prepare) })
	}
	go func() {
		wg.Wait()
		close(p.queue)
		close(p.done)
	}()
	return p
}

func (p *pipeline) work(limit uint64, prepare func(uint64) (webpush.Push, error)) {
	for {
		local := p.next.Add(1) - 1
		if limit > 0 && local >= limit {
			return
		}
		m, err := prepare(local)
		if err != nil {
			if err != vegeta.ErrNoTargets {
				p.err.CompareAndSwap(nil, &err)
			}
			p.Stop()
			return
		}
		select {
		case p.queue <- m:
			if p.produced.Add(1) == p.fillTo {
				close(p.filled)
			}
		case <-p.stop:
			return
		}
	}
}

// Stop ends the pipeline; the queue closes once its goroutines have seen
// it. It is safe to call more than once.
func (p *pipeline) Stop() { p.stopOnce.Do(func() { close(p.stop) }) }

// Err is the error that stopped the pipeline, if one did.
func (p *pipeline) Err() error {
	if e := p.err.Load(); e != nil {
		return *e
	}
	return nil
}
