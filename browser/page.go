package browser

import (
	"embed"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

//go:embed assets/index.html assets/sw.js
var assets embed.FS

// maxPushed bounds what the page server reads of a reported push: a Web Push
// payload is at most 4096 octets.
const maxPushed = 64 << 10

// A Push is what a service worker saw in one push event.
type Push struct {
	// Data holds the exact bytes of event.data; nil when event.data was null.
	Data []byte
	// Null is true when event.data was null: the message had no payload.
	Null bool
	// At is when the page server got the report.
	At time.Time
}

// pageServer serves the test page and the service workers on loopback, and
// takes the service workers' reports of push events.
type pageServer struct {
	srv  *http.Server
	ln   net.Listener
	log  *slog.Logger
	done chan struct{}

	mu     sync.Mutex
	scopes map[string]chan Push
}

func startPageServer(log *slog.Logger) (*pageServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &pageServer{ln: ln, log: log, done: make(chan struct{}),
		scopes: map[string]chan Push{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", p.asset("assets/index.html", "text/html; charset=utf-8"))
	mux.HandleFunc("GET /s/{scope}/sw.js", p.asset("assets/sw.js", "text/javascript"))
	mux.HandleFunc("POST /pushed/{scope}", p.handlePushed)
	mux.HandleFunc("GET /favicon.ico", http.NotFound)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		log.Warn("unexpected request to the page server", "method", r.Method, "path", r.URL.Path)
		http.NotFound(w, r)
	})
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	go func() {
		defer close(p.done)
		p.srv.Serve(ln)
	}()
	return p, nil
}

// origin is the page's origin. localhost over HTTP is a secure context, so
// service workers and push work on it.
func (p *pageServer) origin() string {
	_, port, _ := net.SplitHostPort(p.ln.Addr().String())
	return "http://localhost:" + port
}

func (p *pageServer) asset(name, contentType string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := assets.ReadFile(name)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(b)
	}
}

// scope returns the channel of a scope's pushes, making it if need be.
func (p *pageServer) scope(id string) chan Push {
	p.mu.Lock()
	defer p.mu.Unlock()
	ch := p.scopes[id]
	if ch == nil {
		ch = make(chan Push, 256)
		p.scopes[id] = ch
	}
	return ch
}

func (p *pageServer) handlePushed(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPushed))
	if err != nil {
		p.log.Warn("reading a push report", "error", err)
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	push := Push{Data: body, At: time.Now()}
	if strings.EqualFold(r.Header.Get("X-Pushspec-Data"), "null") {
		push.Data, push.Null = nil, true
	} else if push.Data == nil {
		push.Data = []byte{}
	}
	id := r.PathValue("scope")
	p.log.Debug("push event", "scope", id, "octets", len(push.Data), "null", push.Null)
	select {
	case p.scope(id) <- push:
	default:
		p.log.Warn("dropping a push report: nobody reads scope " + id)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (p *pageServer) close() {
	p.srv.Close()
	<-p.done
}
