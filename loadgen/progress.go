package loadgen

import (
	"fmt"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// window is the latencies of the last progress interval.
type window struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
}

// Latencies are recorded in microseconds, from 1 µs to an hour, to three
// significant digits.
func newLatencyHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)
}

func (w *window) record(d time.Duration) {
	w.mu.Lock()
	if w.h == nil {
		w.h = newLatencyHistogram()
	}
	w.h.RecordValue(max(1, d.Microseconds()))
	w.mu.Unlock()
}

// take returns the interval's p50, p99 and count, and starts a new one.
func (w *window) take() (p50, p99 time.Duration, n int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.h == nil {
		return 0, 0, 0
	}
	p50 = time.Duration(w.h.ValueAtQuantile(50)) * time.Microsecond
	p99 = time.Duration(w.h.ValueAtQuantile(99)) * time.Microsecond
	n = w.h.TotalCount()
	w.h.Reset()
	return p50, p99, n
}

type progress struct {
	done chan struct{}
	quit chan struct{}
}

func (p *progress) stop() {
	if p == nil {
		return
	}
	close(p.quit)
	<-p.done
}

// startProgress prints, every interval, the rate of answers, the share
// accepted so far, the interval's p50 and p99 and the pre-encrypted
// queue's depth, on one line rewritten in place.
func (st *state) startProgress() *progress {
	a := st.attack
	if a.Progress == nil {
		return nil
	}
	every := a.ProgressEvery
	if every <= 0 {
		every = time.Second
	}
	p := &progress{done: make(chan struct{}), quit: make(chan struct{})}
	start := time.Now()
	go func() {
		defer close(p.done)
		t := time.NewTicker(every)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-p.quit:
				fmt.Fprintln(a.Progress)
				return
			case now := <-t.C:
				p50, p99, n := st.window.take()
				total := st.requests.Load()
				accepted := st.outcomes[outcomeIndex(Accepted)].Load()
				line := fmt.Sprintf("\r%6.1fs  %7.0f/s  %d sent  %5.1f%% accepted  "+
					"p50 %-8s p99 %-8s", now.Sub(start).Seconds(),
					float64(n)/now.Sub(last).Seconds(), total, percent(accepted, total),
					round(p50), round(p99))
				if st.pipe != nil {
					line += fmt.Sprintf("  queue %d/%d", len(st.pipe.queue), cap(st.pipe.queue))
				}
				fmt.Fprint(a.Progress, line)
				last = now
			}
		}
	}()
	return p
}

func percent(n, total uint64) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(n) / float64(total)
}

// round keeps a latency readable: three significant digits.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d >= time.Microsecond:
		return d.Round(time.Microsecond)
	}
	return d
}
