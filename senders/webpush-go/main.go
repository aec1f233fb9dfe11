// Command webpush-go is the pushspec adapter for SherClockHolmes/webpush-go
// (the version pinned in go.mod): it speaks the JSON-lines protocol of
// senders/PROTOCOL.md on stdin and stdout and sends each push exactly as the
// library's README shows. The library returns the raw response and leaves
// classification to its caller, so the outcome is read from the status as
// an application would; a 429's Retry-After is read from the response the
// library hands back.
//
//	make conformance SENDER=webpush-go
package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
)

const module = "github.com/SherClockHolmes/webpush-go"

type request struct {
	ID           string `json:"id"`
	Subscription struct {
		Endpoint string `json:"endpoint"`
		Keys     struct {
			P256DH string `json:"p256dh"`
			Auth   string `json:"auth"`
		} `json:"keys"`
	} `json:"subscription"`
	Payload string `json:"payload"`
	VAPID   *struct {
		PublicKey  string `json:"publicKey"`
		PrivateKey string `json:"privateKey"`
		Subject    string `json:"subject"`
	} `json:"vapid"`
	TTL        int    `json:"ttl"`
	Urgency    string `json:"urgency"`
	Topic      string `json:"topic"`
	RecordSize int    `json:"recordSize"`
}

type result struct {
	ID         string `json:"id"`
	Status     int    `json:"status"`
	Outcome    string `json:"outcome"`
	Error      string `json:"error,omitempty"`
	RetryAfter int    `json:"retryAfter,omitempty"`
}

func main() {
	out := json.NewEncoder(os.Stdout)
	out.Encode(map[string]any{"hello": map[string]any{
		"name": "webpush-go", "version": version(),
		"encodings": []string{"aes128gcm"}, "vapidSchemes": []string{"vapid"},
		"urgency": true, "topic": true, "recordSize": true,
	}})

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 16<<20)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			fmt.Fprintf(os.Stderr, "webpush-go adapter: bad request line: %v\n", err)
			continue
		}
		out.Encode(send(req))
	}
}

func send(req request) result {
	res := result{ID: req.ID}
	payload, err := base64.RawURLEncoding.DecodeString(req.Payload)
	if err != nil {
		res.Outcome, res.Error = "error", "payload is not base64url: "+err.Error()
		return res
	}
	opts := &webpush.Options{TTL: req.TTL, Urgency: webpush.Urgency(req.Urgency),
		Topic: req.Topic, RecordSize: uint32(req.RecordSize)}
	if v := req.VAPID; v != nil {
		opts.Subscriber, opts.VAPIDPublicKey, opts.VAPIDPrivateKey = v.Subject, v.PublicKey,
			v.PrivateKey
	}
	sub := &webpush.Subscription{Endpoint: req.Subscription.Endpoint,
		Keys: webpush.Keys{P256dh: req.Subscription.Keys.P256DH, Auth: req.Subscription.Keys.Auth}}

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	resp, err := webpush.SendNotificationWithContext(ctx, payload, sub, opts)
	if err != nil {
		res.Outcome, res.Error = "error", err.Error()
		return res
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))

	res.Status = resp.StatusCode
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		res.Outcome = "success"
	case s == 404 || s == 410:
		res.Outcome = "gone"
	case s == 429:
		res.Outcome = "retry-after"
		res.RetryAfter, _ = strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After")))
	default:
		res.Outcome, res.Error = "rejected", string(body)
	}
	return res
}

func version() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == module {
				return d.Version
			}
		}
	}
	return "unknown"
}
