package webpush

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
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
	// almost everyone. An empty aes128gcm payload gets one octet of padding
	// unless Padding is set: Chromium drops a record of 17 octets.
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

	tokens tokenCache
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

	// Read at most maxResponseBody, then drain as much again so that the
	// connection can be reused. A 201 usually has no body at all.
	var body []byte
	if resp.ContentLength != 0 {
		lr := &io.LimitedReader{R: resp.Body, N: maxResponseBody}
		if body, err = io.ReadAll(lr); err != nil {
			return nil, fmt.Errorf("reading the answer of %s: %w", r.Audience, err)
		}
		lr.N = maxResponseBody
		_, _ = io.Copy(io.Discard, lr)
	}
	return &Response{
		StatusCode: resp.StatusCode,
		Location:   resp.Header.Get("Location"),
		RetryAfter: ParseRetryAfter(resp.Header.Get("Retry-After"), s.now()),
		Header:     resp.Header,
		Body:       body,
	}, nil
}

// A Push is one push message ready to go out: the endpoint to POST to,
// the headers (TTL, Content-Encoding, VAPID and the optional ones) and the
// encrypted body. NewRequest wraps it in an http.Request; a load generator
// hands it to its own HTTP client.
type Push struct {
	Endpoint string
	Header   http.Header
	Body     []byte
}

// Header names as http.Header keys them (canonical form).
const (
	hdrAuthorization   = "Authorization"
	hdrContentEncoding = "Content-Encoding"
	hdrCryptoKey       = "Crypto-Key"
	hdrEncryption      = "Encryption"
	hdrTTL             = "Ttl"
	hdrTopic           = "Topic"
	hdrUrgency         = "Urgency"
)

// Prepare encrypts m for r and signs it: everything NewRequest does except
// building the http.Request. Input that breaks the protocol is refused with
// a *FieldError.
func (s *Sender) Prepare(r *Recipient, m Message) (Push, error) {
	if err := checkMessage(&m); err != nil {
		return Push{}, err
	}

	// All header values share one backing array: one allocation.
	vals := make([]string, 0, 6)
	value := func(v string) []string {
		vals = append(vals, v)
		return vals[len(vals)-1 : len(vals) : len(vals)]
	}
	h := make(http.Header, 6)

	var body []byte
	cryptoKey := ""
	opts := EncryptOptions{RecordSize: m.RecordSize, Padding: m.Padding}
	if len(m.Payload) == 0 && m.Padding == 0 && m.Encoding != AESGCM {
		// A 17-octet record (delimiter and tag alone) is valid, but Chromium
		// drops it without a push event; one octet of padding gets through.
		opts.Padding = 1
	}
	if m.Encoding == AESGCM {
		msg, err := EncryptAESGCM(r, m.Payload, &opts)
		if err != nil {
			return Push{}, err
		}
		body = msg.Body
		h[hdrEncryption] = value(msg.EncryptionHeader())
		cryptoKey = msg.CryptoKeyHeader()
	} else {
		var err error
		if body, err = AppendEncrypt(nil, r, m.Payload, &opts); err != nil {
			return Push{}, err
		}
	}
	h[hdrContentEncoding] = value(string(encodingOrDefault(m.Encoding)))
	h[hdrTTL] = value(strconv.Itoa(m.TTL))
	if m.Urgency != "" {
		h[hdrUrgency] = value(string(m.Urgency))
	}
	if m.Topic != "" {
		h[hdrTopic] = value(m.Topic)
	}

	if s.VAPID != nil {
		auth, err := s.authorization(r.Audience)
		if err != nil {
			return Push{}, err
		}
		h[hdrAuthorization] = value(auth)
		if s.Scheme == SchemeWebPush {
			if cryptoKey != "" {
				cryptoKey += ";"
			}
			cryptoKey += "p256ecdsa=" + s.VAPID.PublicKeyString()
		}
	}
	if cryptoKey != "" {
		h[hdrCryptoKey] = value(cryptoKey)
	}
	return Push{Endpoint: r.Endpoint, Header: h, Body: body}, nil
}

// NewRequest builds the HTTP request that pushes m to r: encrypted body,
// TTL, Urgency, Topic, Content-Encoding and VAPID headers.
func (s *Sender) NewRequest(ctx context.Context, r *Recipient, m Message) (*http.Request, error) {
	p, err := s.Prepare(r, m)
	if err != nil {
		return nil, err
	}
	return p.Request(ctx, r)
}

// Request builds the POST request of p. The Recipient, if non-nil, lends
// its endpoint parsed once, which saves parsing it again.
func (p Push) Request(ctx context.Context, r *Recipient) (*http.Request, error) {
	// The request, its URL and its body are one allocation.
	pr := &pushRequest{body: pushBody{b: p.Body}}
	if r != nil && r.url != nil && r.Endpoint == p.Endpoint {
		pr.url = *r.url
	} else {
		u, err := url.Parse(p.Endpoint)
		if err != nil {
			return nil, fmt.Errorf("building request: parsing endpoint: %w", err)
		}
		pr.url = *u
	}
	pr.req = http.Request{
		Method:        http.MethodPost,
		URL:           &pr.url,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        p.Header,
		Body:          &pr.body,
		GetBody:       pr.body.again,
		ContentLength: int64(len(p.Body)),
		Host:          pr.url.Host,
	}
	if ctx != context.Background() {
		return pr.req.WithContext(ctx), nil
	}
	return &pr.req, nil
}

type pushRequest struct {
	req  http.Request
	url  url.URL
	body pushBody
}

// pushBody is a request body over a byte slice that the client may read
// again (for a retry on a new connection) through GetBody.
type pushBody struct {
	b   []byte
	off int
}

func (pb *pushBody) Read(p []byte) (int, error) {
	if pb.off >= len(pb.b) {
		return 0, io.EOF
	}
	n := copy(p, pb.b[pb.off:])
	pb.off += n
	return n, nil
}

// WriteTo lets net/http write the body in one call.
func (pb *pushBody) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(pb.b[pb.off:])
	pb.off += n
	return int64(n), err
}

func (pb *pushBody) Close() error { return nil }

func (pb *pushBody) again() (io.ReadCloser, error) { return &pushBody{b: pb.b}, nil }

func encodingOrDefault(e Encoding) Encoding {
	if e == "" {
		return AES128GCM
	}
	return e
}

// A tokenCache holds the Authorization value of each (VAPID key, audience)
// and the time to sign a new one. Reads take no lock: they load an
// immutable map; a writer copies it under mu. Tokens change once per
// audience per half lifetime, so copying is cheap.
type tokenCache struct {
	m  atomic.Pointer[map[tokenKey]*cachedToken]
	mu sync.Mutex
}

// tokenKey is what a token depends on besides the clock.
type tokenKey struct {
	key      *VAPIDKey
	audience string
	subject  string
	scheme   Scheme
}

type cachedToken struct {
	token, authorization string
	exp, refresh         time.Time
}

func (c *tokenCache) get(k tokenKey, now time.Time) (*cachedToken, bool) {
	m := c.m.Load()
	if m == nil {
		return nil, false
	}
	t, ok := (*m)[k]
	if !ok || !now.Before(t.refresh) {
		return nil, false
	}
	return t, true
}

// putLocked stores t for k; c.mu must be held.
func (c *tokenCache) putLocked(k tokenKey, t *cachedToken) {
	old := c.m.Load()
	next := make(map[tokenKey]*cachedToken, 1)
	if old != nil {
		next = make(map[tokenKey]*cachedToken, len(*old)+1)
		for k, v := range *old {
			next[k] = v
		}
	}
	next[k] = t
	c.m.Store(&next)
}

// Authorization returns the value of the Authorization header for
// audience (an endpoint's origin, Recipient.Audience): a token from the
// cache, or a new one when the cached one has less than half its lifetime
// left. Prepare and NewRequest call it; it is exported for callers that
// build their own requests. It needs s.VAPID.
func (s *Sender) Authorization(audience string) (string, error) {
	if s.VAPID == nil {
		return "", fieldErr("vapid key", "must be set to sign a token", "RFC 8292 §3", "")
	}
	return s.authorization(audience)
}

// authorization returns the Authorization value for audience, signing a new
// token only when the cached one has less than half its lifetime left. One
// caller signs; the others wait for it rather than sign too.
func (s *Sender) authorization(audience string) (string, error) {
	k := tokenKey{key: s.VAPID, audience: audience, subject: s.Subject, scheme: s.Scheme}
	now := s.now()
	if t, ok := s.tokens.get(k, now); ok {
		return t.authorization, nil
	}

	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	if t, ok := s.tokens.get(k, now); ok {
		return t.authorization, nil
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
	t := &cachedToken{
		token:         token,
		authorization: AuthorizationHeader(s.Scheme, token, s.VAPID.PublicKeyString()),
		exp:           exp,
		refresh:       now.Add(life / 2),
	}
	s.tokens.putLocked(k, t)
	return t.authorization, nil
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
