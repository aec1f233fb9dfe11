package webpush

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// DefaultTokenLifetime is how far ahead a Sender sets a token's exp.
const DefaultTokenLifetime = 12 * time.Hour

// maxResponseBody bounds how much of a push service's answer a Sender keeps.
const maxResponseBody = 64 << 10

// A Message is what to push and how.
type Message struct {
	Payload []byte
	// TTL is how long, in seconds, the push service may keep the message for
	// an offline user agent. RFC 8030 §5.2 makes the header mandatory; 0 is
	// a valid TTL: deliver now or never.
	TTL int
	// Urgency, if set, is sent in the Urgency header; empty means normal.
	Urgency Urgency
	// Topic, if set, lets a newer message replace a queued one (RFC 8030 §5.4).
	Topic string
	// Encoding is the content coding; empty means AES128GCM.
	Encoding Encoding
	// RecordSize and Padding tune the encryption; zero values are right for
	// almost everyone.
	RecordSize int
	Padding    int
}

// A Response is a push service's answer.
type Response struct {
	StatusCode int
	// Location is the push message resource of a 201 (RFC 8030 §5).
	Location string
	// RetryAfter is the Retry-After of a 429 or 503, zero when absent.
	RetryAfter time.Duration
	Header     http.Header
	// Body is the start of the response body (at most 64 KiB), for errors.
	Body []byte
}

// Accepted reports whether the push service took the message: 201, or 202
// for a request with Prefer: respond-async (RFC 8030 §5, §5.1).
func (r *Response) Accepted() bool { return r.StatusCode == 201 || r.StatusCode == 202 }

// Gone reports whether the subscription no longer exists: 404 or 410
// (RFC 8030 §7.3). The application server should forget it.
func (r *Response) Gone() bool { return r.StatusCode == 404 || r.StatusCode == 410 }

// A Sender is an application server: it encrypts, signs and sends push
// messages. Its fields are configuration; set them before the first Send.
// A Sender is safe for concurrent use.
type Sender struct {
	// Client sends the requests; nil means http.DefaultClient.
	Client *http.Client
	// VAPID, if non-nil, signs every request (RFC 8292). Subscriptions made
	// with an applicationServerKey need it.
	VAPID *VAPIDKey
	// Subject is the "sub" claim: a mailto: or https: contact (RFC 8292
	// §2.1). Empty leaves the claim out.
	Subject string
	// Scheme is the VAPID scheme; empty means SchemeVAPID.
	Scheme Scheme
	// TokenLifetime sets exp this far ahead; 0 means DefaultTokenLifetime.
	// A token is reused for its audience until half its lifetime is left.
	TokenLifetime time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu     sync.Mutex
	tokens map[string]cachedToken
}

type cachedToken struct {
	token, authorization string
	exp, refresh         time.Time
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Send encrypts m for sub, sends it, and returns the push service's answer.
// Input that breaks the protocol is refused with a *FieldError and nothing
// is sent; a non-2xx answer is a Response, not an error.
func (s *Sender) Send(ctx context.Context, sub Subscription, m Message) (*Response, error) {
	r, err := sub.Recipient()
	if err != nil {
		return nil, err
	}
	return s.SendTo(ctx, r, m)
}

// SendTo is Send for a Recipient parsed once.
func (s *Sender) SendTo(ctx context.Context, r *Recipient, m Message) (*Response, error) {
	req, err := s.NewRequest(ctx, r, m)
	if err != nil {
		return nil, err
	}
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sending to %s: %w", r.Audience, err)
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return nil, fmt.Errorf("reading the answer of %s: %w", r.Audience, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
	return &Response{
		StatusCode: resp.StatusCode,
		Location:   resp.Header.Get("Location"),
		RetryAfter: ParseRetryAfter(resp.Header.Get("Retry-After"), s.now()),
		Header:     resp.Header,
		Body:       body,
	}, nil
}

// NewRequest builds the HTTP request that pushes m to r: encrypted body,
// TTL, Urgency, Topic, Content-Encoding and VAPID headers.
func (s *Sender) NewRequest(ctx context.Context, r *Recipient, m Message) (*http.Request, error) {
	if err := checkMessage(&m); err != nil {
		return nil, err
	}
	opts := &EncryptOptions{RecordSize: m.RecordSize, Padding: m.Padding}

	h := make(http.Header, 8)
	var body []byte
	cryptoKey := ""
	if m.Encoding == AESGCM {
		msg, err := EncryptAESGCM(r, m.Payload, opts)
		if err != nil {
			return nil, err
		}
		body = msg.Body
		h["Encryption"] = []string{msg.EncryptionHeader()}
		cryptoKey = msg.CryptoKeyHeader()
	} else {
		var err error
		if body, err = Encrypt(r, m.Payload, opts); err != nil {
			return nil, err
		}
	}
	h["Content-Encoding"] = []string{string(encodingOrDefault(m.Encoding))}
	h["Ttl"] = []string{strconv.Itoa(m.TTL)}
	if m.Urgency != "" {
		h["Urgency"] = []string{string(m.Urgency)}
	}
	if m.Topic != "" {
		h["Topic"] = []string{m.Topic}
	}

	if s.VAPID != nil {
		auth, err := s.authorization(r.Audience)
		if err != nil {
			return nil, err
		}
		h["Authorization"] = []string{auth}
		if s.Scheme == SchemeWebPush {
			if cryptoKey != "" {
				cryptoKey += ";"
			}
			cryptoKey += "p256ecdsa=" + s.VAPID.PublicKeyString()
		}
	}
	if cryptoKey != "" {
		h["Crypto-Key"] = []string{cryptoKey}
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.Endpoint,
		bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	req.Header = h
	return req, nil
}

func encodingOrDefault(e Encoding) Encoding {
	if e == "" {
		return AES128GCM
	}
	return e
}

// authorization returns the Authorization value for audience, signing a new
// token only when the cached one has less than half its lifetime left.
func (s *Sender) authorization(audience string) (string, error) {
	now := s.now()
	s.mu.Lock()
	c, ok := s.tokens[audience]
	s.mu.Unlock()
	if ok && now.Before(c.refresh) {
		return c.authorization, nil
	}

	if s.Subject != "" {
		if err := CheckSubject(s.Subject); err != nil {
			return "", fieldErr("vapid subject", "must be one mailto: or https: URI: "+err.Error(),
				"RFC 8292 §2.1", quote(s.Subject))
		}
	}
	life := s.TokenLifetime
	if life == 0 {
		life = DefaultTokenLifetime
	}
	if life < 0 || life > MaxTokenLifetime {
		return "", fieldErr("token lifetime", "must be positive and at most 24 hours",
			"RFC 8292 §2", life.String())
	}
	exp := now.Add(life)
	token, err := s.VAPID.Sign(Claims{Audience: audience, Expiry: exp, Subject: s.Subject})
	if err != nil {
		return "", err
	}
	c = cachedToken{
		token:         token,
		authorization: AuthorizationHeader(s.Scheme, token, s.VAPID.PublicKeyString()),
		exp:           exp,
		refresh:       now.Add(life / 2),
	}
	s.mu.Lock()
	if s.tokens == nil {
		s.tokens = make(map[string]cachedToken)
	}
	s.tokens[audience] = c
	s.mu.Unlock()
	return c.authorization, nil
}

// ParseRetryAfter reads a Retry-After value: delay-seconds or an HTTP-date
// (RFC 9110 §10.2.3). It returns 0 for an absent or unreadable value.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
