package senders

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

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
}

var registry = map[string]func(Env) (Sender, error){
	"pushspec":   newPushspec,
	"webpush-go": newWebpushGo,
}

// Names lists the senders Open knows by name.
func Names() []string {
	var names []string
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Open returns the sender called name.
func Open(name string, env Env) (Sender, error) {
	open, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("opening sender: no sender %q; known: %s", name,
			strings.Join(Names(), ", "))
	}
	return open(env)
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
