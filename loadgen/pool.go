package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/pushspec/pushspec/webpush"
)

// A Pool is the subscriptions an attack pushes to, parsed once. Targeters
// take them in turn; a subscription the push service calls gone (404, 410)
// leaves the pool, as an application server forgets it (RFC 8030 §7.3).
// A Pool is safe for concurrent use.
type Pool struct {
	recipients []*webpush.Recipient
	index      map[string]int // endpoint to position
	gone       []atomic.Bool
	live       atomic.Int64
	next       atomic.Uint64
}

// ErrEmptyPool is returned for a pool without subscriptions.
var ErrEmptyPool = errors.New("no subscriptions")

// NewPool parses subs. Every subscription must be valid; the error names
// the first that is not.
func NewPool(subs []webpush.Subscription) (*Pool, error) {
	if len(subs) == 0 {
		return nil, fmt.Errorf("making the pool: %w", ErrEmptyPool)
	}
	p := &Pool{index: make(map[string]int, len(subs)), gone: make([]atomic.Bool, len(subs))}
	for i, s := range subs {
		r, err := s.Recipient()
		if err != nil {
			return nil, fmt.Errorf("making the pool: subscription %d: %w", i, err)
		}
		p.recipients = append(p.recipients, r)
		p.index[r.Endpoint] = i
	}
	p.live.Store(int64(len(subs)))
	return p, nil
}

// Len is the number of subscriptions, gone ones included.
func (p *Pool) Len() int { return len(p.recipients) }

// Live is the number of subscriptions not gone.
func (p *Pool) Live() int { return int(p.live.Load()) }

// Recipients returns every subscription of the pool, parsed.
func (p *Pool) Recipients() []*webpush.Recipient { return p.recipients }

// Next returns the next live subscription in turn, or false when none is
// left.
func (p *Pool) Next() (*webpush.Recipient, bool) {
	for range len(p.recipients) {
		i := p.next.Add(1) - 1
		r := p.recipients[i%uint64(len(p.recipients))]
		if !p.gone[i%uint64(len(p.recipients))].Load() {
			return r, true
		}
	}
	return nil, false
}

// IsGone reports whether the subscription at endpoint has left the pool.
func (p *Pool) IsGone(endpoint string) bool {
	i, ok := p.index[endpoint]
	return ok && p.gone[i].Load()
}

// MarkGone takes the subscription at endpoint out of the pool and reports
// whether it was still in it.
func (p *Pool) MarkGone(endpoint string) bool {
	i, ok := p.index[endpoint]
	if !ok || p.gone[i].Swap(true) {
		return false
	}
	p.live.Add(-1)
	return true
}

// maxSubscriptionsFile bounds a subscriptions file: a million subscriptions
// of about 250 octets.
const maxSubscriptionsFile = 256 << 20

// ParseSubscriptions reads PushSubscriptions as JSON: an array of objects
// {"endpoint", "keys": {"p256dh", "auth"}} as PushSubscription.toJSON()
// gives them, or one such object per line. The fake's control API answers
// POST /subscriptions in the same shape. Keys are not validated here;
// NewPool does that.
func ParseSubscriptions(r io.Reader) ([]webpush.Subscription, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSubscriptionsFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading subscriptions: %w", err)
	}
	if len(data) > maxSubscriptionsFile {
		return nil, fmt.Errorf("reading subscriptions: over %d octets", maxSubscriptionsFile)
	}
	trimmed := bytes.TrimSpace(data)
	var subs []webpush.Subscription
	if bytes.HasPrefix(trimmed, []byte("[")) {
		if err := json.Unmarshal(trimmed, &subs); err != nil {
			return nil, fmt.Errorf("decoding subscriptions: not a JSON array of "+
				"PushSubscriptions: %w", err)
		}
	} else {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		for n := 1; dec.More(); n++ {
			var s webpush.Subscription
			if err := dec.Decode(&s); err != nil {
				return nil, fmt.Errorf("decoding subscription %d: %w", n, err)
			}
			subs = append(subs, s)
		}
	}
	for i, s := range subs {
		if s.Endpoint == "" {
			return nil, fmt.Errorf("decoding subscription %d: no endpoint", i)
		}
	}
	if len(subs) == 0 {
		return nil, fmt.Errorf("decoding subscriptions: %w", ErrEmptyPool)
	}
	return subs, nil
}

// WriteSubscriptions writes subs as a JSON array that ParseSubscriptions
// reads.
func WriteSubscriptions(w io.Writer, subs []webpush.Subscription) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(subs); err != nil {
		return fmt.Errorf("writing subscriptions: %w", err)
	}
	return nil
}

// Subscribe creates n subscriptions on a pushspec fake push service through
// its control API (POST /subscriptions), restricted to the VAPID key
// applicationServerKey when it is non-nil. token, if set, is sent as the
// control API's Bearer token.
func Subscribe(ctx context.Context, c *http.Client, base string, n int,
	applicationServerKey []byte, token string) ([]webpush.Subscription, error) {
	body := []byte("{}")
	if applicationServerKey != nil {
		body = []byte(`{"applicationServerKey":"` + webpush.EncodeBase64(applicationServerKey) +
			`"}`)
	}
	subs := make([]webpush.Subscription, 0, n)
	for i := range n {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost,
			strings.TrimSuffix(base, "/")+"/subscriptions", bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("subscribing: %w", err)
		}
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, fmt.Errorf("subscribing %d of %d: %w", i+1, n, err)
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("subscribing %d of %d: reading the answer: %w", i+1, n, err)
		}
		if resp.StatusCode != http.StatusCreated {
			return nil, fmt.Errorf("subscribing %d of %d: POST /subscriptions answered %d: %s",
				i+1, n, resp.StatusCode, bytes.TrimSpace(b))
		}
		var s webpush.Subscription
		if err := json.Unmarshal(b, &s); err != nil || s.Endpoint == "" {
			return nil, fmt.Errorf("subscribing %d of %d: the answer is not a subscription: %s",
				i+1, n, bytes.TrimSpace(b))
		}
		subs = append(subs, s)
	}
	return subs, nil
}

// Generate makes n subscriptions with fresh user agent keys, spread over
// the endpoints in turn. They suit a push service that does not decrypt,
// or a sink; the keys' private halves are dropped.
func Generate(endpoints []string, n int) ([]webpush.Subscription, error) {
	if len(endpoints) == 0 {
		return nil, fmt.Errorf("generating subscriptions: no endpoints")
	}
	for _, e := range endpoints {
		if u, err := url.Parse(e); err != nil || u.Host == "" {
			return nil, fmt.Errorf("generating subscriptions: %q is not an absolute URL", e)
		}
	}
	subs := make([]webpush.Subscription, 0, n)
	for i := range n {
		k, err := webpush.GenerateUserAgentKeys(nil)
		if err != nil {
			return nil, fmt.Errorf("generating subscriptions: %w", err)
		}
		subs = append(subs, k.Subscription(endpoints[i%len(endpoints)]))
	}
	return subs, nil
}

// A Shard is one of Count generators attacking together: it takes every
// Count-th subscription and every Count-th sequence number, from Index.
// The zero value is the whole (one shard of one).
type Shard struct {
	Index, Count int
}

// ParseShard reads "i/n": shard i (from 0) of n.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, fmt.Errorf("parsing shard %q: want i/n, e.g. 0/4", s)
	}
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	switch {
	case err1 != nil || err2 != nil:
		return Shard{}, fmt.Errorf("parsing shard %q: i and n must be integers", s)
	case n < 1 || n > 1<<20:
		return Shard{}, fmt.Errorf("parsing shard %q: n must be 1 to %d", s, 1<<20)
	case i < 0 || i >= n:
		return Shard{}, fmt.Errorf("parsing shard %q: i must be 0 to n-1", s)
	}
	return Shard{Index: i, Count: n}, nil
}

func (s Shard) count() int {
	if s.Count < 1 {
		return 1
	}
	return s.Count
}

// String is "i/n".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.count()) }

// Whole reports whether s is the only shard.
func (s Shard) Whole() bool { return s.count() == 1 }

// Subscriptions returns the subscriptions of this shard: those at
// positions Index, Index+Count, …
func (s Shard) Subscriptions(all []webpush.Subscription) []webpush.Subscription {
	var out []webpush.Subscription
	for i := s.Index; i < len(all); i += s.count() {
		out = append(out, all[i])
	}
	return out
}

// Share returns this shard's part of total: total/Count, one more for the
// first total%Count shards, so that the parts add up to total.
func (s Shard) Share(total uint64) uint64 {
	n := uint64(s.count())
	share := total / n
	if uint64(s.Index) < total%n {
		share++
	}
	return share
}

// Seq returns the sequence number of this shard's local-th message:
// local·Count + Index. The shards' numbers never meet, and together they
// are 0, 1, 2, … with no gap.
func (s Shard) Seq(local uint64) uint64 { return local*uint64(s.count()) + uint64(s.Index) }

// audienceOf returns the origin of the subscription at endpoint, or "".
func (p *Pool) audienceOf(endpoint string) string {
	if i, ok := p.index[endpoint]; ok {
		return p.recipients[i].Audience
	}
	return ""
}
