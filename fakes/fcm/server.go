package fcm

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/internal/certs"
)

const (
	// DefaultKeepMessages is how many messages Messages remembers by default.
	DefaultKeepMessages = 10000
	// DefaultMaxQueue is how many messages wait for one offline device by
	// default; past it the oldest are dropped.
	DefaultMaxQueue = 1000
	// DefaultStableLogin is a little over the 10 seconds after its login
	// within which Chromium counts a dropped connection as a failure.
	DefaultStableLogin = 10*time.Second + 500*time.Millisecond
	// pushPath is the path of the push endpoint, before the token.
	pushPath = "/fcm/send/"
)

// A Server is a fake of Chromium's push backend. Set its fields through the
// options of NewServer, or on a NewUnstartedServer before Start; they must
// not change once it has started.
type Server struct {
	// Profile is the push service whose rules the push endpoint applies;
	// empty means the strict RFC profile. Under checks.ProfileFCM errors are
	// answered in plain text, as FCM does.
	Profile checks.Profile
	// ClockSkew is how far a sender's clock may be off when judging exp.
	ClockSkew time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// KeepMessages bounds the messages Messages returns, oldest forgotten
	// first; 0 means DefaultKeepMessages.
	KeepMessages int
	// MaxQueue bounds the messages queued for one device; 0 means
	// DefaultMaxQueue.
	MaxQueue int
	// Logger receives debug lines about checkins, registrations, MCS
	// connections and pushes, and warnings about protocol errors; nil
	// discards them. Payloads and keys are never logged.
	Logger *slog.Logger
	// StableLogin is how long Disconnect lets a connection stay logged in
	// before it closes it; 0 means DefaultStableLogin.
	StableLogin time.Duration
	// OnMessage, if non-nil, is called with every message the push endpoint
	// received, after it is judged and queued and before it is answered.
	OnMessage func(Message)

	inspector checks.Inspector
	authority *certs.Authority
	pushSrv   *http.Server
	gcmSrv    *http.Server
	mcsLn     net.Listener
	url       string
	gcmURL    string
	mcsURL    string
	closeOnce sync.Once
	wg        sync.WaitGroup

	mu         sync.Mutex
	closed     bool
	changed    chan struct{}
	devices    map[uint64]*device
	regs       map[string]*Registration
	messages   []*message
	conns      map[*mcsConn]bool
	checkins   int
	seq        int
	transports []*http.Transport
}

// Option configures a Server before it starts.
type Option func(*Server)

// NewUnstartedServer returns a Server that has not started listening.
func NewUnstartedServer(opts ...Option) *Server {
	s := &Server{
		changed: make(chan struct{}),
		devices: map[uint64]*device{},
		regs:    map[string]*Registration{},
		conns:   map[*mcsConn]bool{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// NewServer starts a Server. It panics if it cannot listen, as httptest
// does; use NewUnstartedServer and Start to get the error.
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	if err := s.Start(); err != nil {
		panic(fmt.Sprintf("fcm: %v", err))
	}
	return s
}

// Start makes a throwaway CA and listens on three loopback ports: the push
// endpoint over HTTPS (HTTP/2 and HTTP/1.1), checkin and registration over
// plain HTTP as Chromium's switches take them, and MCS over TLS.
func (s *Server) Start() error {
	if s.pushSrv != nil {
		return errors.New("starting the fake FCM: already started")
	}
	s.inspector = checks.Inspector{Profile: s.Profile, ClockSkew: s.ClockSkew}
	var err error
	if s.authority, err = certs.New(); err != nil {
		return fmt.Errorf("starting the fake FCM: %w", err)
	}
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{s.authority.Server},
		NextProtos: []string{"h2", "http/1.1"}}

	var lns []net.Listener
	for range 3 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return fmt.Errorf("starting the fake FCM: listening on loopback: %w", err)
		}
		lns = append(lns, ln)
	}
	errLog := slog.NewLogLogger(s.logger().Handler(), slog.LevelDebug)

	s.url = "https://" + lns[0].Addr().String()
	s.pushSrv = newHTTPServer(s.pushHandler(), errLog)
	s.pushSrv.TLSConfig = tlsConfig
	s.gcmURL = "http://" + lns[1].Addr().String()
	s.gcmSrv = newHTTPServer(s.gcmHandler(), errLog)
	s.mcsURL = "https://" + lns[2].Addr().String()
	s.mcsLn = tls.NewListener(lns[2], &tls.Config{Certificates: tlsConfig.Certificates})

	s.wg.Add(3)
	go func() {
		defer s.wg.Done()
		s.pushSrv.Serve(tls.NewListener(lns[0], tlsConfig))
	}()
	go func() {
		defer s.wg.Done()
		s.gcmSrv.Serve(lns[1])
	}()
	go s.serveMCS(s.mcsLn)
	return nil
}

func newHTTPServer(h http.Handler, errLog *log.Logger) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: errLog}
}

func (s *Server) gcmHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /checkin", s.handleCheckin)
	mux.HandleFunc("POST /register", s.handleRegister)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.logger().Warn("unexpected route", "method", r.Method, "path", r.URL.Path)
		http.Error(w, r.Method+" "+r.URL.Path+" is not a route of the fake GCM: "+
			"POST /checkin or /register", http.StatusNotFound)
	})
	return mux
}

// URL is the base of the push endpoint, e.g. "https://127.0.0.1:41234".
// Endpoint maps a Chromium subscription endpoint below it.
func (s *Server) URL() string { return s.url }

// CheckinURL is the value of Chromium's --gcm-checkin-url.
func (s *Server) CheckinURL() string { return s.gcmURL + "/checkin" }

// RegistrationURL is the value of Chromium's --gcm-registration-url.
func (s *Server) RegistrationURL() string { return s.gcmURL + "/register" }

// MCSEndpoint is the value of Chromium's --gcm-mcs-endpoint: a TLS server.
func (s *Server) MCSEndpoint() string { return s.mcsURL }

// Client returns an HTTP client that trusts the server's CA and speaks
// HTTP/2 to the push endpoint. Each call returns a new client.
func (s *Server) Client() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ForceAttemptHTTP2 = true
	tr.TLSClientConfig = &tls.Config{RootCAs: s.authority.Pool}
	s.mu.Lock()
	s.transports = append(s.transports, tr)
	s.mu.Unlock()
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// CAPEM returns the CA certificate in PEM.
func (s *Server) CAPEM() []byte { return s.authority.CertPEM }

// WriteCA writes the CA certificate to dir/ca.pem and returns the path.
func (s *Server) WriteCA(dir string) (string, error) { return s.authority.WriteCA(dir) }

// Close stops the listeners, closes every MCS connection and waits for every
// goroutine of the server, and up to five seconds for HTTP requests under
// way. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		if s.pushSrv == nil {
			return
		}
		s.mu.Lock()
		s.closed = true
		for _, tr := range s.transports {
			tr.CloseIdleConnections()
		}
		conns := make([]*mcsConn, 0, len(s.conns))
		for c := range s.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()

		s.mcsLn.Close()
		for _, c := range conns {
			c.close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, srv := range []*http.Server{s.pushSrv, s.gcmSrv} {
			if err := srv.Shutdown(ctx); err != nil {
				srv.Close()
			}
		}
		s.wg.Wait()
	})
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) stableLogin() time.Duration {
	if s.StableLogin > 0 {
		return s.StableLogin
	}
	return DefaultStableLogin
}

func (s *Server) maxQueue() int {
	if s.MaxQueue > 0 {
		return s.MaxQueue
	}
	return DefaultMaxQueue
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger.With("component", "fcm")
	}
	return slog.New(slog.DiscardHandler)
}
