package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/webpush"
)

// A Service is a push service under test.
type Service struct {
	// URL is the base of its control API, e.g. "https://127.0.0.1:8443".
	URL string
	// Client reaches it (trusting its CA).
	Client *http.Client
	// Token, if set, is sent as a Bearer token on control calls.
	Token string
}

// A Probe checks one requirement of a push service.
type Probe func(ctx context.Context, s *Service) (checks.Finding, error)

// Probes are the probes by requirement ID, one per svc.* requirement.
var Probes = map[string]Probe{
	"svc.created":          created,
	"svc.receipt":          receipt,
	"svc.ttl.missing":      ttlMissing,
	"svc.ttl.expiry":       ttlExpiry,
	"svc.ttl.response":     ttlResponse,
	"svc.topic.replace":    topicReplace,
	"svc.topic.invalid":    topicInvalid,
	"svc.urgency.multiple": urgencyMultiple,
	"svc.size.413":         size413,
	"svc.gone":             gone,
	"svc.rate.retry_after": rateRetryAfter,
	"svc.vapid.status":     vapidStatus,
	"svc.endpoint.entropy": endpointEntropy,
}

// Run runs the probe of requirement id.
func (s *Service) Run(ctx context.Context, id string) (checks.Finding, error) {
	p, ok := Probes[id]
	if !ok {
		return checks.Finding{}, fmt.Errorf("no probe for %q", id)
	}
	return p(ctx, s)
}

// IDs lists the requirements that have probes, sorted.
func IDs() []string {
	var ids []string
	for id := range Probes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// subscription is a subscription the probe made, with the sender that
// signs for it.
type subscription struct {
	ID       string                   `json:"id"`
	Endpoint string                   `json:"endpoint"`
	Keys     webpush.SubscriptionKeys `json:"keys"`

	sender *webpush.Sender
	svc    *Service
}

// subscribe makes a subscription restricted to a fresh VAPID key.
func (s *Service) subscribe(ctx context.Context) (*subscription, error) {
	vk, err := webpush.GenerateVAPIDKey(nil)
	if err != nil {
		return nil, err
	}
	sub := &subscription{svc: s, sender: &webpush.Sender{Client: s.Client, VAPID: vk,
		Subject: "mailto:webpush-ops@pushspec.dev"}}
	body := fmt.Sprintf(`{"applicationServerKey":%q}`, vk.PublicKeyString())
	if err := s.call(ctx, "POST", "/subscriptions", body, http.StatusCreated, sub); err != nil {
		return nil, fmt.Errorf("creating a subscription: %w", err)
	}
	return sub, nil
}

// call makes a control call and decodes its JSON answer into v (when v is
// not nil).
func (s *Service) call(ctx context.Context, method, path, body string, want int, v any) error {
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	if s.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.Token)
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s, want %d", method, path, resp.StatusCode,
			bytes.TrimSpace(b), want)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", method, path, err)
		}
	}
	return nil
}

// request builds a valid push of payload with TTL ttl, for the probe to
// change before sending.
func (sub *subscription) request(ctx context.Context, payload string, ttl int,
	topic string) (*http.Request, error) {
	r, err := webpush.Subscription{Endpoint: sub.Endpoint, Keys: sub.Keys}.Recipient()
	if err != nil {
		return nil, err
	}
	return sub.sender.NewRequest(ctx, r, webpush.Message{Payload: []byte(payload), TTL: ttl,
		Topic: topic})
}

// push sends req and returns the answer, its body read and closed.
func (sub *subscription) push(req *http.Request) (*http.Response, error) {
	resp, err := sub.svc.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("pushing: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp, nil
}

// send pushes a valid message and returns the answer.
func (sub *subscription) send(ctx context.Context, payload string, ttl int,
	topic string) (*http.Response, error) {
	req, err := sub.request(ctx, payload, ttl, topic)
	if err != nil {
		return nil, err
	}
	return sub.push(req)
}

func (sub *subscription) connect(ctx context.Context, on bool) error {
	path := "/subscriptions/" + sub.ID + "/disconnect"
	if on {
		path = "/subscriptions/" + sub.ID + "/connect"
	}
	return sub.svc.call(ctx, "POST", path, "", http.StatusOK, nil)
}

// read takes what the user agent has been delivered, as payloads.
func (sub *subscription) read(ctx context.Context) ([]string, error) {
	var got []struct {
		Payload *string `json:"payload"`
	}
	err := sub.svc.call(ctx, "GET", "/subscriptions/"+sub.ID+"/stream?wait=0s", "",
		http.StatusOK, &got)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range got {
		p := "(not decrypted)"
		if d.Payload != nil {
			b, _ := webpush.DecodeBase64(*d.Payload)
			p = string(b)
		}
		out = append(out, p)
	}
	return out, nil
}

func (s *Service) advance(ctx context.Context, d time.Duration) error {
	return s.call(ctx, "POST", "/clock", fmt.Sprintf(`{"advance":%q}`, d.String()),
		http.StatusOK, nil)
}
