package probe

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/webpush"
)

// The probes, one per svc.* requirement.

// sendOne pushes one valid message with TTL 60 to a new subscription.
func sendOne(ctx context.Context, s *Service, payload string) (*http.Response, error) {
	sub, err := s.subscribe(ctx)
	if err != nil {
		return nil, err
	}
	return sub.send(ctx, payload, 60, "")
}

func created(ctx context.Context, s *Service) (checks.Finding, error) {
	resp, err := sendOne(ctx, s, "created")
	if err != nil {
		return checks.Finding{}, err
	}
	return checks.CheckCreated(resp.StatusCode, resp.Header.Get("Location")), nil
}

func receipt(ctx context.Context, s *Service) (checks.Finding, error) {
	sub, err := s.subscribe(ctx)
	if err != nil {
		return checks.Finding{}, err
	}
	req, err := sub.request(ctx, "receipt", 60, "")
	if err != nil {
		return checks.Finding{}, err
	}
	req.Header.Set("Prefer", "respond-async")
	resp, err := sub.push(req)
	if err != nil {
		return checks.Finding{}, err
	}
	return checks.CheckReceipt(resp.StatusCode, resp.Header.Get("Location"),
		resp.Header.Values("Link")), nil
}

// badRequest sends a valid request changed by change, and judges its status.
func badRequest(ctx context.Context, s *Service, id, what string, change func(http.Header),
	want ...int) (checks.Finding, error) {
	sub, err := s.subscribe(ctx)
	if err != nil {
		return checks.Finding{}, err
	}
	req, err := sub.request(ctx, "bad", 60, "")
	if err != nil {
		return checks.Finding{}, err
	}
	change(req.Header)
	resp, err := sub.push(req)
	if err != nil {
		return checks.Finding{}, err
	}
	return checks.CheckStatus(id, what, resp.StatusCode, want...), nil
}

func ttlMissing(ctx context.Context, s *Service) (checks.Finding, error) {
	return badRequest(ctx, s, "svc.ttl.missing", "a push without TTL",
		func(h http.Header) { h.Del("TTL") }, 400)
}

func topicInvalid(ctx context.Context, s *Service) (checks.Finding, error) {
	return badRequest(ctx, s, "svc.topic.invalid", "a push with Topic \"not valid!\"",
		func(h http.Header) { h.Set("Topic", "not valid!") }, 400)
}

func urgencyMultiple(ctx context.Context, s *Service) (checks.Finding, error) {
	return badRequest(ctx, s, "svc.urgency.multiple", "a push with Urgency low and high",
		func(h http.Header) { h.Set("Urgency", "low"); h.Add("Urgency", "high") }, 400)
}

func ttlExpiry(ctx context.Context, s *Service) (checks.Finding, error) {
	sub, err := s.subscribe(ctx)
	if err != nil {
		return checks.Finding{}, err
	}
	if err := sub.connect(ctx, false); err != nil {
		return checks.Finding{}, err
	}
	for _, m := range []struct {
		payload string
		ttl     int
	}{{"expires", 30}, {"ttl zero", 0}, {"lasts", 3600}} {
		req, err := sub.request(ctx, m.payload, m.ttl, "")
		if err != nil {
			return checks.Finding{}, err
		}
		req.Header.Set("X-WNS-Cache-Policy", "no-cache") // WNS refuses TTL 0 without it
		resp, err := sub.push(req)
		if err != nil {
			return checks.Finding{}, err
		}
		if resp.StatusCode != 201 {
			return checks.Finding{}, fmt.Errorf("a valid push to an offline user agent got "+
				"%d", resp.StatusCode)
		}
	}
	if err := s.advance(ctx, 31*time.Second); err != nil {
		return checks.Finding{}, err
	}
	if err := sub.connect(ctx, true); err != nil {
		return checks.Finding{}, err
	}
	got, err := sub.read(ctx)
	if err != nil {
		return checks.Finding{}, err
	}
	if !slices.Contains(got, "lasts") {
		return checks.Finding{}, fmt.Errorf("the message with TTL 3600 was not delivered "+
			"after reconnecting (delivered %q): cannot judge expiry", got)
	}
	return checks.CheckExpiry(checks.Expiry{ExpiredDelivered: slices.Contains(got, "expires"),
		OfflineZeroDelivered: slices.Contains(got, "ttl zero")}), nil
}

func ttlResponse(ctx context.Context, s *Service) (checks.Finding, error) {
	resp, err := sendOne(ctx, s, "ttl")
	if err != nil {
		return checks.Finding{}, err
	}
	return checks.CheckTTLResponse(60, resp.Header.Get("TTL")), nil
}

func topicReplace(ctx context.Context, s *Service) (checks.Finding, error) {
	sub, err := s.subscribe(ctx)
	if err != nil {
		return checks.Finding{}, err
	}
	if err := sub.connect(ctx, false); err != nil {
		return checks.Finding{}, err
	}
	for _, p := range []string{"older", "newer"} {
		if _, err := sub.send(ctx, p, 3600, "scores"); err != nil {
			return checks.Finding{}, err
		}
	}
	if err := sub.connect(ctx, true); err != nil {
		return checks.Finding{}, err
	}
	got, err := sub.read(ctx)
	if err != nil {
		return checks.Finding{}, err
	}
	return checks.CheckTopicReplace("older", "newer", got), nil
}

func size413(ctx context.Context, s *Service) (checks.Finding, error) {
	sub, err := s.subscribe(ctx)
	if err != nil {
		return checks.Finding{}, err
	}
	payload := string(make([]byte, webpush.MaxPayloadSize))
	req, err := sub.request(ctx, payload, 60, "")
	if err != nil {
		return checks.Finding{}, err
	}
	size := int(req.ContentLength)
	resp, err := sub.push(req)
	if err != nil {
		return checks.Finding{}, err
	}
	return checks.CheckNot413(size, resp.StatusCode), nil
}

func gone(ctx context.Context, s *Service) (checks.Finding, error) {
	sub, err := s.subscribe(ctx)
	if err != nil {
		return checks.Finding{}, err
	}
	if err := s.call(ctx, "DELETE", "/subscriptions/"+sub.ID, "", http.StatusNoContent,
		nil); err != nil {
		return checks.Finding{}, err
	}
	resp, err := sub.send(ctx, "too late", 60, "")
	if err != nil {
		return checks.Finding{}, err
	}
	return checks.CheckStatus("svc.gone", "a push to an unsubscribed subscription",
		resp.StatusCode, 404, 410), nil
}

func rateRetryAfter(ctx context.Context, s *Service) (checks.Finding, error) {
	sub, err := s.subscribe(ctx)
	if err != nil {
		return checks.Finding{}, err
	}
	if err := s.call(ctx, "PUT", "/subscriptions/"+sub.ID+"/rate",
		`{"messages":1,"per":"1m"}`, http.StatusNoContent, nil); err != nil {
		return checks.Finding{}, err
	}
	var resp *http.Response
	for i := 0; i < 2; i++ {
		if resp, err = sub.send(ctx, "rate", 60, ""); err != nil {
			return checks.Finding{}, err
		}
	}
	return checks.CheckRetryAfter(resp.StatusCode, resp.Header.Get("Retry-After")), nil
}

func vapidStatus(ctx context.Context, s *Service) (checks.Finding, error) {
	sub, err := s.subscribe(ctx)
	if err != nil {
		return checks.Finding{}, err
	}
	req, err := sub.request(ctx, "no auth", 60, "")
	if err != nil {
		return checks.Finding{}, err
	}
	req.Header.Del("Authorization")
	missing, err := sub.push(req)
	if err != nil {
		return checks.Finding{}, err
	}
	other, err := webpush.GenerateVAPIDKey(nil)
	if err != nil {
		return checks.Finding{}, err
	}
	sub.sender = &webpush.Sender{Client: s.Client, VAPID: other,
		Subject: "mailto:webpush-ops@pushspec.dev"}
	invalid, err := sub.send(ctx, "wrong key", 60, "")
	if err != nil {
		return checks.Finding{}, err
	}
	return checks.CheckVAPIDStatus(missing.StatusCode, invalid.StatusCode), nil
}

func endpointEntropy(ctx context.Context, s *Service) (checks.Finding, error) {
	var endpoints []string
	for i := 0; i < 5; i++ {
		sub, err := s.subscribe(ctx)
		if err != nil {
			return checks.Finding{}, err
		}
		endpoints = append(endpoints, sub.Endpoint)
	}
	return checks.CheckEndpointEntropy(endpoints), nil
}
