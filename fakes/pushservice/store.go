package pushservice

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/webpush"
)

// A Subscription is one push subscription of the fake, with the user agent
// keys that let it decrypt.
type Subscription struct {
	ID       string
	Endpoint string
	Keys     *webpush.UserAgentKeys
	// ApplicationServerKey, if non-nil, restricts the subscription to that
	// VAPID key (RFC 8292 §4).
	ApplicationServerKey []byte
}

// JSON is the subscription as a browser hands it to an application server.
func (s *Subscription) JSON() webpush.Subscription {
	return s.Keys.Subscription(s.Endpoint)
}

// A Message is one push request the fake received, with what it made of it.
type Message struct {
	ID       string           `json:"id"`
	Received time.Time        `json:"received"`
	Status   int              `json:"status"`
	Encoding string           `json:"encoding,omitempty"`
	Header   http.Header      `json:"headers"`
	Body     Base64           `json:"body"`
	Findings []checks.Finding `json:"findings"`
	// Payload is the decrypted plaintext, nil when it could not be.
	Payload Base64 `json:"payload"`
	// Cancelled is set when the application server deleted the message's
	// resource (RFC 8030 §5).
	Cancelled bool `json:"cancelled,omitempty"`

	// Request is the request as inspected, for checks.CheckIntent.
	Request checks.Request `json:"-"`
	// Result is the inspection, for checks.CheckIntent.
	Result checks.Result `json:"-"`
}

// Base64 is bytes that JSON carries as unpadded base64url, and nil as null.
type Base64 []byte

// MarshalJSON encodes b as a base64url string, or null.
func (b Base64) MarshalJSON() ([]byte, error) {
	if b == nil {
		return []byte("null"), nil
	}
	return []byte(`"` + webpush.EncodeBase64(b) + `"`), nil
}

// UnmarshalJSON decodes a base64url string or null.
func (b *Base64) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*b = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	v, err := webpush.DecodeBase64(s)
	if err != nil {
		return err
	}
	*b = append(Base64{}, v...)
	return nil
}

type subscription struct {
	Subscription
	deleted  bool
	messages []Message
	dropped  int
	script   []Answer
	expired  bool // deleted by expiry (404) rather than unsubscribed (410)

	// The user agent's side (delivery.go).
	offline   bool
	threshold string
	queue     []*pending
	inbox     []Delivery
	arrived   chan struct{} // closed when the inbox gets a message
	counts    Counts
	rate      *rateLimit
}

// An Answer is a scripted answer to a push: a status, headers and a body
// instead of what the service would have answered. The message is still
// inspected and recorded.
type Answer struct {
	Status int
	Header http.Header
	Body   string
}

// Script makes the next pushes to subscription id get answers, one each,
// in order; after them the service answers as it judges again.
func (s *Server) Script(id string, answers ...Answer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subs[id]
	if !ok {
		return ErrNoSubscription
	}
	sub.script = append(sub.script, answers...)
	return nil
}

// nextAnswer pops the next scripted answer of sub, if any.
func (s *Server) nextAnswer(sub *subscription) (Answer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(sub.script) == 0 {
		return Answer{}, false
	}
	a := sub.script[0]
	sub.script = sub.script[1:]
	return a, true
}

// newID returns 128 random bits in base64url: an endpoint no one guesses
// (RFC 8030 §8.3).
func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return webpush.EncodeBase64(b)
}

// SubscriptionOptions shape a new subscription.
type SubscriptionOptions struct {
	// ApplicationServerKey, if non-nil, restricts the subscription to that
	// VAPID key.
	ApplicationServerKey []byte
	// Host, if set, replaces the host and port of the endpoint handed out,
	// for a name that reaches this server another way ("LocalHost:8443").
	// The checks then hold the sender to that endpoint's origin.
	Host string
}

// CreateSubscription makes a subscription, restricted to
// applicationServerKey when it is non-nil.
func (s *Server) CreateSubscription(applicationServerKey []byte) (*Subscription, error) {
	return s.NewSubscription(SubscriptionOptions{ApplicationServerKey: applicationServerKey})
}

// NewSubscription makes a subscription as opts say.
func (s *Server) NewSubscription(opts SubscriptionOptions) (*Subscription, error) {
	applicationServerKey := opts.ApplicationServerKey
	if applicationServerKey != nil {
		if _, err := webpush.ParsePublicKey(applicationServerKey); err != nil {
			return nil, fmt.Errorf("applicationServerKey: must be a 65-octet uncompressed "+
				"P-256 point (RFC 8292 §3.2): %w", err)
		}
	}
	keys, err := webpush.GenerateUserAgentKeys(nil)
	if err != nil {
		return nil, err
	}
	id := newID()
	if s.Misbehave.CountingEndpoints {
		s.mu.Lock()
		id = fmt.Sprintf("sub-%06d", len(s.subs)+1)
		s.mu.Unlock()
	}
	base := s.base()
	if opts.Host != "" {
		scheme, _, _ := strings.Cut(s.url, "://")
		base = scheme + "://" + opts.Host
	}
	sub := &subscription{Subscription: Subscription{
		ID:                   id,
		Endpoint:             base + "/push/" + id,
		Keys:                 keys,
		ApplicationServerKey: applicationServerKey,
	}}
	s.mu.Lock()
	s.subs[id] = sub
	s.mu.Unlock()
	return &sub.Subscription, nil
}

// ErrNoSubscription is returned for an ID the server never handed out.
var ErrNoSubscription = errors.New("no such subscription")

// DeleteSubscription ends a subscription as an unsubscribe does: later
// pushes get 410 Gone.
func (s *Server) DeleteSubscription(id string) error { return s.end(id, false) }

// ExpireSubscription ends a subscription as if it had expired: later pushes
// get 404 Not Found.
func (s *Server) ExpireSubscription(id string) error { return s.end(id, true) }

func (s *Server) end(id string, expired bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subs[id]
	if !ok {
		return ErrNoSubscription
	}
	sub.deleted, sub.expired = true, expired
	return nil
}

// Messages returns the messages received for subscription id, oldest first.
func (s *Server) Messages(id string) ([]Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subs[id]
	if !ok {
		return nil, ErrNoSubscription
	}
	return append([]Message(nil), sub.messages...), nil
}

// recordLocked keeps m for subscription sub, dropping the oldest past the
// limit. The caller holds s.mu.
func (s *Server) recordLocked(sub *subscription, m *Message) {
	keep := s.KeepMessages
	if keep <= 0 {
		keep = DefaultKeepMessages
	}
	if len(sub.messages) >= keep {
		n := len(sub.messages) - keep + 1
		sub.messages = append(sub.messages[:0], sub.messages[n:]...)
		sub.dropped += n
	}
	sub.messages = append(sub.messages, *m)
}

// goneStatus is what a push to a deleted subscription gets: 404 for one
// that expired, 410 for one that was unsubscribed.
func (sub *subscription) goneStatus() int {
	if sub.expired {
		return http.StatusNotFound
	}
	return http.StatusGone
}

// message finds a message by its ID, "<subscription>.<n>".
func (s *Server) message(id string) (Message, bool) {
	i := s.find(id)
	if i == nil {
		return Message{}, false
	}
	return *i, true
}

// cancel marks a message cancelled and takes it out of the queue if it is
// still waiting there.
func (s *Server) cancel(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findLocked(id)
	if m == nil {
		return false
	}
	m.Cancelled = true
	subID, _, _ := strings.Cut(id, ".")
	s.cancelQueuedLocked(s.subs[subID], id)
	return true
}

func (s *Server) find(id string) *Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.findLocked(id); m != nil {
		c := *m
		return &c
	}
	return nil
}

func (s *Server) findLocked(id string) *Message {
	subID, _, ok := strings.Cut(id, ".")
	if !ok {
		return nil
	}
	sub, ok := s.subs[subID]
	if !ok {
		return nil
	}
	for i := range sub.messages {
		if sub.messages[i].ID == id {
			return &sub.messages[i]
		}
	}
	return nil
}

func (s *Server) lookup(id string) (*subscription, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subs[id]
	return sub, ok
}
