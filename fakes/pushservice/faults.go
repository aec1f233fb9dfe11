package pushservice

import (
	"fmt"
	"time"
)

// A Fault is injected into the answers of the next pushes, to see how a
// sender copes: a status (with Retry-After), a delay, a connection reset
// mid-request, or an HTTP/2 GOAWAY (Connection: close on HTTP/1.1).
type Fault struct {
	// Subscription limits the fault to one subscription; empty means any.
	Subscription string `json:"subscription,omitempty"`
	// Count is how many pushes the fault applies to; 0 means 1.
	Count int `json:"count,omitempty"`
	// Status, if set, is answered instead of the service's verdict, with
	// RetryAfter seconds in Retry-After when set.
	Status     int `json:"status,omitempty"`
	RetryAfter int `json:"retryAfter,omitempty"`
	// Delay holds the answer back this long (bounded by the request).
	Delay Duration `json:"delay,omitempty"`
	// Reset drops the connection without an answer.
	Reset bool `json:"reset,omitempty"`
	// GoAway answers, then closes the connection: GOAWAY on HTTP/2.
	GoAway bool `json:"goaway,omitempty"`
}

// check refuses a fault that cannot be injected.
func (f Fault) check() error {
	switch {
	case f.Count < 0:
		return fmt.Errorf("fault: count %d is negative", f.Count)
	case f.Status != 0 && (f.Status < 200 || f.Status > 599):
		return fmt.Errorf("fault: status %d is not an HTTP status", f.Status)
	case f.RetryAfter < 0:
		return fmt.Errorf("fault: retryAfter %d is negative", f.RetryAfter)
	case f.Delay < 0 || time.Duration(f.Delay) > 5*time.Minute:
		return fmt.Errorf("fault: delay %s is not between 0 and 5m", time.Duration(f.Delay))
	case f.Status == 0 && f.Delay == 0 && !f.Reset && !f.GoAway:
		return fmt.Errorf("fault: nothing to inject: set status, delay, reset or goaway")
	}
	return nil
}

// Inject queues a fault for the next pushes.
func (s *Server) Inject(f Fault) error {
	if err := f.check(); err != nil {
		return err
	}
	if f.Count == 0 {
		f.Count = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, &f)
	s.mu.Unlock()
	return nil
}

// nextFault takes one use of the first fault that applies to subscription.
func (s *Server) nextFault(subscription string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Subscription != "" && f.Subscription != subscription {
			continue
		}
		f.Count--
		if f.Count == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return *f, true
	}
	return Fault{}, false
}

// Duration is a time.Duration that JSON carries as a string such as "1.5s".
type Duration time.Duration

// MarshalJSON writes d as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Duration(d).String() + `"`), nil
}

// UnmarshalJSON reads a duration string ("1.5s") or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] != '"' {
		var secs float64
		if _, err := fmt.Sscan(string(b), &secs); err != nil {
			return fmt.Errorf("duration %s: want a string such as \"2s\" or seconds", b)
		}
		*d = Duration(secs * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(string(b[1 : len(b)-1]))
	if err != nil {
		return fmt.Errorf("duration %s: %w", b, err)
	}
	*d = Duration(v)
	return nil
}
