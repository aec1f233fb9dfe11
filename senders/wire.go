package senders

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pushspec/pushspec/webpush"
)

// The JSON lines of the adapter protocol (PROTOCOL.md). Payloads travel as
// base64url; everything else as in Request and Result.

// wireRequest is one request line, harness to adapter.
type wireRequest struct {
	ID           string               `json:"id"`
	Subscription webpush.Subscription `json:"subscription"`
	Payload      string               `json:"payload"`
	VAPID        *VAPID               `json:"vapid,omitempty"`
	TTL          int                  `json:"ttl"`
	Urgency      string               `json:"urgency,omitempty"`
	Topic        string               `json:"topic,omitempty"`
	Encoding     string               `json:"encoding,omitempty"`
	Scheme       string               `json:"scheme,omitempty"`
	RecordSize   int                  `json:"recordSize,omitempty"`
}

func toWire(r Request) wireRequest {
	return wireRequest{ID: r.ID, Subscription: r.Subscription,
		Payload: webpush.EncodeBase64(r.Payload), VAPID: r.VAPID, TTL: r.TTL,
		Urgency: r.Urgency, Topic: r.Topic, Encoding: r.Encoding, Scheme: r.Scheme,
		RecordSize: r.RecordSize}
}

// wireHello is the adapter's first line.
type wireHello struct {
	Hello *Hello `json:"hello"`
}

// parseHello reads the hello line and fills in the documented defaults.
func parseHello(line []byte) (Hello, error) {
	var w wireHello
	if err := json.Unmarshal(line, &w); err != nil || w.Hello == nil {
		return Hello{}, fmt.Errorf("the first line is not {\"hello\": {…}}: %s", clip(line))
	}
	h := *w.Hello
	if strings.TrimSpace(h.Name) == "" {
		return Hello{}, fmt.Errorf("the hello has no name: %s", clip(line))
	}
	if len(h.Encodings) == 0 {
		h.Encodings = []string{"aes128gcm"}
	}
	if len(h.VAPIDSchemes) == 0 {
		h.VAPIDSchemes = []string{"vapid"}
	}
	return h, nil
}

// parseResult reads a result line; it must carry an id and a known outcome.
func parseResult(line []byte) (Result, error) {
	var r Result
	dec := json.NewDecoder(strings.NewReader(string(line)))
	if err := dec.Decode(&r); err != nil {
		return Result{}, fmt.Errorf("not a JSON result: %s", clip(line))
	}
	if r.ID == "" {
		return Result{}, fmt.Errorf("a result without an id: %s", clip(line))
	}
	switch r.Outcome {
	case Success, Gone, Rejected, RetryAfter, Error:
	default:
		return Result{}, fmt.Errorf("result %q has outcome %q; want success, gone, rejected, "+
			"retry-after or error", r.ID, r.Outcome)
	}
	return r, nil
}

// clip quotes the start of a line for an error.
func clip(b []byte) string {
	const max = 200
	s := string(b)
	if len(s) > max {
		return fmt.Sprintf("%q… (%d bytes)", s[:max], len(s))
	}
	return fmt.Sprintf("%q", s)
}
