package pushservice

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/internal/certs"
)

// DefaultKeepMessages is how many messages a subscription keeps by default.
const DefaultKeepMessages = 1000

// A Server is a fake push service. Set its fields through the options of
// NewServer and NewTLSServer, or on a NewUnstartedServer before Start; they
// must not change once it has started.
type Server struct {
	// Addr is the address to listen on; empty means "127.0.0.1:0".
	Addr string
	// Profile is the push service whose rules apply; empty means the strict
	// RFC profile.
	Profile checks.Profile
	// RejectUndecryptable answers 400 to messages that only decryption shows
	// to be broken, instead of accepting them as real services do.
	RejectUndecryptable bool
	// ClockSkew is how far a sender's clock may be off when judging exp.
	ClockSkew time.Duration
	// Now is the service's clock; nil means time.Now.
	Now func() time.Time
	// KeepMessages bounds the messages kept per subscription, oldest dropped
	// first; 0 means DefaultKeepMessages.
	KeepMessages int
	// PublicURL, if set, is the base URL of the endpoints handed out, for a
	// server that others reach through another name than its listener's.
	PublicURL string
	// ControlToken, if set, is required as "Authorization: Bearer <token>" on
	// every control call. Push endpoints stay open, as on a real service.
	ControlToken string
	// Logger receives a debug line for every request; nil discards them.
	// Payloads and keys are never logged.
	Logger *slog.Logger
	// OnMessage, if non-nil, is called with every message after it is
	// recorded and before it is answered.
	OnMessage func(Message)
	// MaxQueued, MaxQueuedTotal and MaxInbox bound the delivery model's
	// memory (see delivery.go); 0 means the defaults.
	MaxQueued, MaxQueuedTotal, MaxInbox int
	// Misbehave breaks one rule of a push service on purpose, so that the
	// service suite can show that its specs fail (their negative controls).
	// Never set it otherwise.
	Misbehave Misbehave
	// SkipInspection answers 201 to every push to a live subscription
	// without parsing, decrypting or verifying it, and records it without
	// findings or payload. It exists to measure the service's own HTTP
	// capacity apart from the cost of its checks (an ECDH and a VAPID
	// verification per message); a conformance run never sets it.
	SkipInspection bool

	inspector checks.Inspector
	prof      *vendor
	authority *certs.Authority
	listener  net.Listener
	srv       *http.Server
	url       string
	closeOnce sync.Once
	done      chan struct{}

	mu          sync.Mutex
	subs        map[string]*subscription
	seq         int
	transports  []*http.Transport
	receipts    map[string][]Receipt
	faults      []*Fault
	queuedTotal int
	offset      time.Duration // Advance moves the clock
}

// Option configures a Server before it starts.
type Option func(*Server)

// WithCAOf makes a TLS server use the CA of other, a started TLS server, so
// that one CA file lets a sender trust both: two push services on two
// origins.
func WithCAOf(other *Server) Option {
	return func(s *Server) { s.authority = other.authority }
}

// NewUnstartedServer returns a Server that has not started listening.
func NewUnstartedServer(opts ...Option) *Server {
	s := &Server{subs: map[string]*subscription{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// NewServer starts a Server over plain HTTP: HTTP/1.1, and HTTP/2 for
// clients that speak it with prior knowledge. It panics if it cannot listen,
// as httptest does; use NewUnstartedServer and Start to get the error.
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	if err := s.Start(); err != nil {
		panic(fmt.Sprintf("pushservice: %v", err))
	}
	return s
}

// NewTLSServer starts a Server over TLS with HTTP/2 and HTTP/1.1.
func NewTLSServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	if err := s.StartTLS(); err != nil {
		panic(fmt.Sprintf("pushservice: %v", err))
	}
	return s
}

// Start listens and serves plain HTTP.
func (s *Server) Start() error { return s.start(false) }

// StartTLS makes a CA and a loopback certificate and serves HTTPS.
func (s *Server) StartTLS() error { return s.start(true) }

func (s *Server) start(useTLS bool) error {
	if s.listener != nil {
		return errors.New("already started")
	}
	s.inspector = checks.Inspector{Profile: s.Profile, ClockSkew: s.ClockSkew}
	v := vendorOf(s.Profile)
	s.prof = &v
	addr := s.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}

	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slogErrorLog(s.logger()),
	}
	scheme := "http"
	if useTLS {
		if s.authority == nil {
			if s.authority, err = certs.New(); err != nil {
				ln.Close()
				return err
			}
		}
		s.srv.TLSConfig = &tls.Config{
			Certificates: []tls.Certificate{s.authority.Server},
			NextProtos:   []string{"h2", "http/1.1"},
		}
		ln = tls.NewListener(ln, s.srv.TLSConfig)
		scheme = "https"
	} else {
		s.srv.Protocols = new(http.Protocols)
		s.srv.Protocols.SetHTTP1(true)
		s.srv.Protocols.SetUnencryptedHTTP2(true)
	}
	s.listener = ln
	s.url = scheme + "://" + ln.Addr().String()
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	return nil
}

// URL is the base URL, e.g. "https://127.0.0.1:41234", without a slash.
func (s *Server) URL() string { return s.url }

// Client returns an HTTP client that trusts the server's CA and speaks
// HTTP/2 to it over TLS. Each call returns a new client.
func (s *Server) Client() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ForceAttemptHTTP2 = true
	if s.authority != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: s.authority.Pool}
	}
	s.mu.Lock()
	s.transports = append(s.transports, tr)
	s.mu.Unlock()
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// CAPEM returns the PEM CA certificate of a TLS server, or nil.
func (s *Server) CAPEM() []byte {
	if s.authority == nil {
		return nil
	}
	return s.authority.CertPEM
}

// WriteCA writes the CA certificate of a TLS server to dir/ca.pem and
// returns the path.
func (s *Server) WriteCA(dir string) (string, error) {
	if s.authority == nil {
		return "", errors.New("writing CA: the server does not use TLS")
	}
	return s.authority.WriteCA(dir)
}

// Close stops the server, waiting up to five seconds for requests under way.
// It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		if s.srv == nil {
			return
		}
		// Our own clients' idle connections would hold Shutdown up.
		s.mu.Lock()
		for _, tr := range s.transports {
			tr.CloseIdleConnections()
		}
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.srv.Close()
		}
		<-s.done
	})
}

// base is the base of the URLs handed out: PublicURL, or URL.
func (s *Server) base() string {
	if s.PublicURL != "" {
		return strings.TrimSuffix(s.PublicURL, "/")
	}
	return s.url
}

// now is the service's clock: Now, or the real time, plus what Advance
// added.
func (s *Server) now() time.Time {
	t := time.Now()
	if s.Now != nil {
		t = s.Now()
	}
	return t.Add(time.Duration(atomic.LoadInt64((*int64)(&s.offset))))
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger.With("component", "pushservice")
	}
	return slog.New(slog.DiscardHandler)
}

// slogErrorLog routes net/http's own errors (TLS handshakes and the like) to
// the logger at debug level.
func slogErrorLog(l *slog.Logger) *log.Logger {
	return slog.NewLogLogger(l.Handler(), slog.LevelDebug)
}

// Misbehave lists the ways the fake can break the rules of a push service,
// one svc.* requirement each. They exist for the negative controls of the
// service suite.
type Misbehave struct {
	NoLocation            bool // svc.created: 201 without Location
	IgnoreRespondAsync    bool // svc.receipt: 201 for Prefer: respond-async
	AcceptMissingTTL      bool // svc.ttl.missing: 201 without TTL
	DeliverExpired        bool // svc.ttl.expiry: expired messages still delivered
	EchoLongerTTL         bool // svc.ttl.response: echoes the TTL plus an hour
	NoTopicReplace        bool // svc.topic.replace: same-topic messages both kept
	AcceptInvalidTopic    bool // svc.topic.invalid: 201 for a bad Topic
	AcceptMultipleUrgency bool // svc.urgency.multiple: 201 for two Urgency values
	Limit413              int  // svc.size.413: 413 above this many octets
	AcceptGone            bool // svc.gone: 201 for a deleted subscription
	NoRetryAfter          bool // svc.rate.retry_after: 429 without Retry-After
	IgnoreVAPID           bool // svc.vapid.status: VAPID faults accepted
	CountingEndpoints     bool // svc.endpoint.entropy: sub-000001, sub-000002, …
}
