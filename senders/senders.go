package senders

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pushspec/pushspec/webpush"
)

// Hello is what a sender says of itself before the first request.
type Hello struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Encodings lists the content codings it can send: "aes128gcm", "aesgcm".
	Encodings []string `json:"encodings"`
	// VAPIDSchemes lists the Authorization schemes it can send: "vapid",
	// "webpush".
	VAPIDSchemes []string `json:"vapidSchemes"`
	Urgency      bool     `json:"urgency"`
	Topic        bool     `json:"topic"`
	RecordSize   bool     `json:"recordSize"`
}

// Supports reports whether list holds v.
func Supports(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// VAPID is the key pair and subject a request is signed with.
type VAPID struct {
	PublicKey  string `json:"publicKey"`  // base64url, 65 octets
	PrivateKey string `json:"privateKey"` // base64url, 32 octets
	Subject    string `json:"subject"`
}

// A Request asks a sender for one push.
type Request struct {
	ID           string               `json:"id"`
	Subscription webpush.Subscription `json:"subscription"`
	Payload      []byte               `json:"payload"`
	VAPID        *VAPID               `json:"vapid,omitempty"`
	TTL          int                  `json:"ttl"`
	Urgency      string               `json:"urgency,omitempty"`
	Topic        string               `json:"topic,omitempty"`
	// Encoding is "aes128gcm" or "aesgcm"; empty leaves the choice to the
	// sender.
	Encoding string `json:"encoding,omitempty"`
	// Scheme is "vapid" or "webpush"; empty leaves the choice to the sender.
	Scheme     string `json:"scheme,omitempty"`
	RecordSize int    `json:"recordSize,omitempty"`
}

// Outcome is how a sender's library classified the push service's answer.
type Outcome string

const (
	Success    Outcome = "success"
	Gone       Outcome = "gone"
	Rejected   Outcome = "rejected"
	RetryAfter Outcome = "retry-after"
	// Error: no answer to classify: refused input, or a network failure.
	Error Outcome = "error"
)

// A Result is what happened to one Request.
type Result struct {
	ID string `json:"id"`
	// Status is the HTTP status the sender saw; 0 when it sent nothing or
	// got no answer.
	Status  int     `json:"status"`
	Error   string  `json:"error,omitempty"`
	Outcome Outcome `json:"outcome"`
	// RetryAfter is the seconds of a retry-after outcome.
	RetryAfter int `json:"retryAfter,omitempty"`
	// AdapterError, set by the harness, says that the adapter broke down
	// (crashed, hung or broke the protocol) instead of answering.
	AdapterError string `json:"-"`
}

// A Sender is an implementation under test.
type Sender interface {
	Hello() Hello
	Send(ctx context.Context, r Request) Result
	Close() error
}

// Env is what the harness gives a sender to reach the push service.
type Env struct {
	// Client trusts the fake push service's CA (for in-process senders).
	Client *http.Client
	// CAFile is the path of that CA in PEM (for senders in other processes).
	CAFile string
	// Stderr, if non-nil, receives a copy of an adapter's stderr.
	Stderr io.Writer
}

// inProcess are the senders that run inside the harness.
var inProcess = map[string]func(Env) (Sender, error){
	"pushspec": newPushspec,
}

// adapters are the adapters in this repository, by name: each a command run
// in the repository's root (PROTOCOL.md).
var adapters = map[string][]string{
	"webpush-go":     {"go", "run", "./senders/webpush-go"},
	"node-web-push":  {"node", "senders/node-web-push/adapter.mjs"},
	"example-python": {"python3", "senders/example-python/adapter.py"},
}

// Names lists the senders Open knows by name.
func Names() []string {
	var names []string
	for n := range inProcess {
		names = append(names, n)
	}
	for n := range adapters {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Open returns the sender called name: one of Names, or else a command line
// that starts an adapter (run by /bin/sh in the repository's root).
func Open(name string, env Env) (Sender, error) {
	if open, ok := inProcess[name]; ok {
		return open(env)
	}
	cfg := AdapterConfig{Dir: Root(), Env: env.adapterEnv()}
	if argv, ok := adapters[name]; ok {
		cfg.Command = argv
	} else {
		if strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("opening sender: empty name; known: %s",
				strings.Join(Names(), ", "))
		}
		cfg.Command = []string{"/bin/sh", "-c", name}
	}
	if cfg.Command[0] == "go" {
		bin, err := buildGo(cfg.Dir, cfg.Command)
		if err != nil {
			return nil, err
		}
		cfg.Command = []string{bin}
	}
	cfg.Stderr = env.Stderr
	if v := os.Getenv(TimeoutEnv); v != "" {
		secs, err := strconv.Atoi(v)
		if err != nil || secs <= 0 {
			return nil, fmt.Errorf("opening sender: %s=%q is not a positive number of seconds",
				TimeoutEnv, v)
		}
		cfg.RequestTimeout = time.Duration(secs) * time.Second
		cfg.StartTimeout = cfg.RequestTimeout
	}
	a, err := StartAdapter(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("opening sender %q: %w", name, err)
	}
	return a, nil
}

// TimeoutEnv names the variable that sets an adapter's timeouts, for the
// hello and for each answer, in seconds.
const TimeoutEnv = "PUSHSPEC_ADAPTER_TIMEOUT"

// adapterEnv is what an adapter needs to trust the fake push service.
func (e Env) adapterEnv() []string {
	if e.CAFile == "" {
		return nil
	}
	return []string{"SSL_CERT_FILE=" + e.CAFile, "NODE_EXTRA_CA_CERTS=" + e.CAFile}
}

// buildGo builds the Go adapter of a "go run <pkg>" command once, without
// the adapter's environment (whose SSL_CERT_FILE would keep the go command
// from its module proxy), and returns the binary.
func buildGo(dir string, argv []string) (string, error) {
	if len(argv) != 3 || argv[1] != "run" {
		return "", fmt.Errorf("building adapter: want \"go run <package>\", got %q", argv)
	}
	out, err := os.MkdirTemp("", "pushspec-adapter-")
	if err != nil {
		return "", fmt.Errorf("building adapter: %w", err)
	}
	bin := filepath.Join(out, filepath.Base(argv[2]))
	cmd := exec.Command("go", "build", "-o", bin, argv[2])
	cmd.Dir = dir
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building adapter %s: %w: %s", argv[2], err, msg)
	}
	return bin, nil
}

// Root is the repository's root: the nearest directory upwards that holds
// go.mod, or the current directory.
func Root() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// Classify turns a status into the outcome an application should act on,
// for libraries that leave classification to their caller.
func Classify(status int) Outcome {
	switch {
	case status == 201 || status == 202 || status == 200:
		return Success
	case status == 404 || status == 410:
		return Gone
	case status == 429:
		return RetryAfter
	case status == 0:
		return Error
	}
	return Rejected
}

// Failed is a sender that could not start: every request fails with err.
func Failed(name string, err error) Sender { return failed{name, err} }

type failed struct {
	name string
	err  error
}

func (f failed) Hello() Hello {
	return Hello{Name: f.name, Version: "(did not start)", Encodings: []string{"aes128gcm"},
		VAPIDSchemes: []string{"vapid"}, Urgency: true, Topic: true, RecordSize: true}
}

func (f failed) Send(_ context.Context, r Request) Result {
	msg := "the sender did not start: " + f.err.Error()
	return Result{ID: r.ID, Outcome: Error, Error: msg, AdapterError: msg}
}

func (f failed) Close() error { return nil }
