package pushservice

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pushspec/pushspec/webpush"
)

// The user agent side of the fake: a subscription is connected (the
// default) or offline. A message for a connected user agent whose urgency
// it wants goes to its inbox at once, where GET /subscriptions/{id}/stream
// reads it; any other message waits in the subscription's queue until the
// user agent connects, its TTL passes, or a newer message with the same
// Topic replaces it. TTL 0 reaches only a connected user agent. Nothing is
// lost without a count: Counts always adds up.

// Default limits of the delivery model.
const (
	// DefaultMaxQueued bounds the messages queued per subscription; past it
	// a push gets 429 with Retry-After.
	DefaultMaxQueued = 1000
	// DefaultMaxQueuedTotal bounds the messages queued in all; past it a
	// push gets 507.
	DefaultMaxQueuedTotal = 100000
	// DefaultMaxInbox bounds the delivered messages kept for reading per
	// subscription; past it the oldest unread one is dropped (and counted as
	// evicted), as a user agent that nobody reads would lose them.
	DefaultMaxInbox = 1000
)

// Counts say what became of the messages a subscription accepted:
// Accepted = Delivered + Expired + Replaced + Dropped + Cancelled + Queued.
type Counts struct {
	Accepted  int `json:"accepted"`
	Delivered int `json:"delivered"`
	// Expired: their TTL passed while they waited.
	Expired int `json:"expired"`
	// Replaced: a newer message with the same Topic took their place.
	Replaced int `json:"replaced"`
	// Dropped: TTL 0 while the user agent could not take them.
	Dropped int `json:"dropped"`
	// Cancelled: the application server deleted them before delivery.
	Cancelled int `json:"cancelled"`
	// Queued: still waiting.
	Queued int `json:"queued"`
	// Read: delivered messages the user agent has read from its inbox.
	Read int `json:"read"`
	// Evicted: delivered messages dropped unread from a full inbox.
	Evicted int `json:"evicted"`
}

// A Delivery is a message as the user agent gets it.
type Delivery struct {
	ID        string    `json:"id"`
	Topic     string    `json:"topic,omitempty"`
	Urgency   string    `json:"urgency,omitempty"`
	TTL       int       `json:"ttl"`
	Received  time.Time `json:"received"`
	Delivered time.Time `json:"delivered"`
	// Payload is what the fake decrypted of the message (null when it could
	// not, or did not inspect it). The encrypted body is in the message log.
	Payload Base64 `json:"payload"`

	receipt string
}

// pending is a message waiting in a subscription's queue.
type pending struct {
	Delivery
	expires time.Time
}

// urgencyRank orders the urgencies of RFC 8030 §5.3; "" is normal.
func urgencyRank(u string) int {
	switch webpush.Urgency(strings.ToLower(u)) {
	case webpush.UrgencyVeryLow:
		return 0
	case webpush.UrgencyLow:
		return 1
	case webpush.UrgencyHigh:
		return 3
	}
	return 2
}

// wants reports whether a user agent with urgency threshold t takes a
// message of urgency u, under this service's profile.
func (s *Server) wants(t, u string) bool {
	return t == "" || urgencyRank(u) >= urgencyRank(t) || s.vendor().ignoreUrgency
}

// admission is what the delivery model decides for a message that the
// checks accepted: refused (status and Retry-After seconds), or accepted.
type admission struct {
	status     int
	retryAfter int
	why        string
}

// admitLocked decides whether sub can take d (TTL ttl) and, if so, delivers
// or queues it. The caller holds s.mu.
func (s *Server) admitLocked(sub *subscription, d Delivery, ttl int, now time.Time) admission {
	s.sweepLocked(sub, now)

	if rl := sub.rate; rl != nil {
		if now.Sub(rl.start) >= rl.per {
			rl.start, rl.used = now, 0
		}
		if rl.used >= rl.messages {
			wait := rl.start.Add(rl.per).Sub(now)
			return admission{status: 429, retryAfter: int(wait.Seconds()) + 1,
				why: fmt.Sprintf("over the rate limit of %d messages per %s", rl.messages, rl.per)}
		}
		rl.used++
	}

	// A newer message with the same topic replaces a queued one.
	if d.Topic != "" && !s.Misbehave.NoTopicReplace {
		kept := sub.queue[:0]
		for _, p := range sub.queue {
			if p.Topic == d.Topic {
				sub.counts.Replaced++
				s.queuedTotal--
				continue
			}
			kept = append(kept, p)
		}
		sub.queue = kept
	}

	// After the sweep, what still waits is below the urgency threshold: a
	// message the user agent wants does not wait behind it.
	deliverable := !sub.offline && s.wants(sub.threshold, d.Urgency)
	switch {
	case deliverable:
		s.deliverLocked(sub, d, now)
	case ttl == 0:
		sub.counts.Dropped++
	case len(sub.queue) >= s.maxQueued():
		return admission{status: 429, retryAfter: 60, why: fmt.Sprintf("%d messages are "+
			"already queued for this subscription", len(sub.queue))}
	case s.queuedTotal >= s.maxQueuedTotal():
		return admission{status: 507, why: fmt.Sprintf("the service holds %d queued messages, "+
			"its limit", s.queuedTotal)}
	default:
		sub.queue = append(sub.queue, &pending{Delivery: d,
			expires: d.Received.Add(time.Duration(ttl) * time.Second)})
		s.queuedTotal++
	}
	sub.counts.Accepted++
	return admission{}
}

// deliverLocked puts d in sub's inbox, evicting the oldest unread message
// when it is full, and wakes its readers.
func (s *Server) deliverLocked(sub *subscription, d Delivery, now time.Time) {
	d.Delivered = now
	if len(sub.inbox) >= s.maxInbox() {
		sub.inbox[0] = Delivery{}
		sub.inbox = sub.inbox[1:]
		sub.counts.Evicted++
	}
	sub.inbox = append(sub.inbox, d)
	sub.counts.Delivered++
	if sub.arrived != nil {
		close(sub.arrived)
		sub.arrived = nil
	}
}

// sweepLocked expires queued messages whose TTL has passed, and delivers
// what the user agent can now take, in order.
func (s *Server) sweepLocked(sub *subscription, now time.Time) {
	kept := sub.queue[:0]
	for _, p := range sub.queue {
		switch {
		case !now.Before(p.expires) && !s.Misbehave.DeliverExpired:
			sub.counts.Expired++
			s.queuedTotal--
		case !sub.offline && s.wants(sub.threshold, p.Urgency):
			s.deliverLocked(sub, p.Delivery, now)
			s.queuedTotal--
		default:
			kept = append(kept, p)
		}
	}
	for i := len(kept); i < len(sub.queue); i++ {
		sub.queue[i] = nil
	}
	sub.queue = kept
	sub.counts.Queued = len(sub.queue)
}

// SetConnected connects a subscription's user agent (taking messages of
// urgency threshold and above; "" takes all) or takes it offline.
func (s *Server) SetConnected(id string, connected bool, threshold string) error {
	if threshold != "" && !webpush.Urgency(threshold).Valid() {
		return fmt.Errorf("urgency %q: want very-low, low, normal or high", threshold)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subs[id]
	if !ok {
		return ErrNoSubscription
	}
	sub.offline, sub.threshold = !connected, strings.ToLower(threshold)
	s.sweepLocked(sub, s.now())
	return nil
}

// Read takes up to max delivered messages (0: all) from a subscription's
// inbox, oldest first, acknowledging each (which fills its receipt). With
// wait > 0 it waits that long for a first one.
func (s *Server) Read(id string, max int, wait time.Duration) ([]Delivery, error) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		sub, ok := s.subs[id]
		if !ok {
			s.mu.Unlock()
			return nil, ErrNoSubscription
		}
		s.sweepLocked(sub, s.now())
		if len(sub.inbox) > 0 || wait <= 0 {
			n := len(sub.inbox)
			if max > 0 && max < n {
				n = max
			}
			out := append([]Delivery(nil), sub.inbox[:n]...)
			sub.inbox = append(sub.inbox[:0], sub.inbox[n:]...)
			sub.counts.Read += n
			for _, d := range out {
				s.acknowledgeLocked(d)
			}
			s.mu.Unlock()
			return out, nil
		}
		if sub.arrived == nil {
			sub.arrived = make(chan struct{})
		}
		arrived := sub.arrived
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-deadline.C:
			wait = 0
		}
	}
}

// SubscriptionState is what GET /subscriptions/{id} shows.
type SubscriptionState struct {
	ID        string `json:"id"`
	Endpoint  string `json:"endpoint"`
	Connected bool   `json:"connected"`
	Threshold string `json:"urgency,omitempty"`
	Deleted   bool   `json:"deleted,omitempty"`
	Counts    Counts `json:"counts"`
	// Inbox is the number of delivered messages not yet read.
	Inbox int `json:"inbox"`
}

// State returns a subscription's delivery state and counts.
func (s *Server) State(id string) (SubscriptionState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subs[id]
	if !ok {
		return SubscriptionState{}, ErrNoSubscription
	}
	s.sweepLocked(sub, s.now())
	return SubscriptionState{ID: sub.ID, Endpoint: sub.Endpoint, Connected: !sub.offline,
		Threshold: sub.threshold, Deleted: sub.deleted, Counts: sub.counts,
		Inbox: len(sub.inbox)}, nil
}

// Totals adds up the counts of every subscription.
func (s *Server) Totals() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	var t Counts
	now := s.now()
	for _, sub := range s.subs {
		s.sweepLocked(sub, now)
		c := sub.counts
		t.Accepted += c.Accepted
		t.Delivered += c.Delivered
		t.Expired += c.Expired
		t.Replaced += c.Replaced
		t.Dropped += c.Dropped
		t.Cancelled += c.Cancelled
		t.Queued += c.Queued
		t.Read += c.Read
		t.Evicted += c.Evicted
	}
	return t
}

// Advance moves the service's clock forward by d, for testing TTL expiry
// without waiting. It returns the new time.
func (s *Server) Advance(d time.Duration) time.Time {
	atomic.AddInt64((*int64)(&s.offset), int64(d))
	return s.now()
}

// cancelLocked removes a queued message the application server deleted.
func (s *Server) cancelQueuedLocked(sub *subscription, id string) bool {
	for i, p := range sub.queue {
		if p.ID == id {
			sub.queue = append(sub.queue[:i], sub.queue[i+1:]...)
			sub.counts.Cancelled++
			sub.counts.Queued = len(sub.queue)
			s.queuedTotal--
			return true
		}
	}
	return false
}

// rateLimit is a fixed window: messages per period.
type rateLimit struct {
	messages int
	per      time.Duration
	start    time.Time
	used     int
}

// SetRateLimit limits a subscription to messages per period; past it a push
// gets 429 with Retry-After. messages 0 lifts the limit.
func (s *Server) SetRateLimit(id string, messages int, per time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subs[id]
	if !ok {
		return ErrNoSubscription
	}
	if messages <= 0 {
		sub.rate = nil
		return nil
	}
	if per <= 0 {
		return fmt.Errorf("rate limit: the period must be positive, got %s", per)
	}
	sub.rate = &rateLimit{messages: messages, per: per, start: s.now()}
	return nil
}

func (s *Server) maxQueued() int      { return positive(s.MaxQueued, DefaultMaxQueued) }
func (s *Server) maxQueuedTotal() int { return positive(s.MaxQueuedTotal, DefaultMaxQueuedTotal) }
func (s *Server) maxInbox() int       { return positive(s.MaxInbox, DefaultMaxInbox) }

func positive(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
