package senders

import (
	"context"
	"io"
	"runtime/debug"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pushspec/pushspec/webpush"
)

// webpushGoSender puts SherClockHolmes/webpush-go under test, called in
// process exactly as its README shows. The library returns the raw
// response and leaves classification to its caller, so the outcome is the
// status read as an application would read it (Classify).
type webpushGoSender struct{ env Env }

func newWebpushGo(env Env) (Sender, error) { return &webpushGoSender{env: env}, nil }

func (w *webpushGoSender) Hello() Hello {
	return Hello{
		Name: "webpush-go", Version: version("github.com/SherClockHolmes/webpush-go"),
		Encodings:    []string{"aes128gcm"},
		VAPIDSchemes: []string{"vapid"},
		Urgency:      true, Topic: true, RecordSize: true,
	}
}

func (w *webpushGoSender) Send(ctx context.Context, r Request) Result {
	if r.VAPID == nil {
		return Result{ID: r.ID, Error: errNoVAPID.Error(), Outcome: Error}
	}
	opts := &webpushgo.Options{
		Subscriber:      r.VAPID.Subject,
		VAPIDPublicKey:  r.VAPID.PublicKey,
		VAPIDPrivateKey: r.VAPID.PrivateKey,
		TTL:             r.TTL,
		Urgency:         webpushgo.Urgency(r.Urgency),
		Topic:           r.Topic,
		RecordSize:      uint32(r.RecordSize),
	}
	if w.env.Client != nil {
		opts.HTTPClient = w.env.Client
	}
	sub := &webpushgo.Subscription{Endpoint: r.Subscription.Endpoint,
		Keys: webpushgo.Keys{Auth: r.Subscription.Keys.Auth, P256dh: r.Subscription.Keys.P256DH}}

	resp, err := webpushgo.SendNotificationWithContext(ctx, r.Payload, sub, opts)
	if err != nil {
		return Result{ID: r.ID, Error: err.Error(), Outcome: Error}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	res := Result{ID: r.ID, Status: resp.StatusCode, Outcome: Classify(resp.StatusCode)}
	switch res.Outcome {
	case Rejected:
		res.Error = string(body)
	case RetryAfter:
		// The library hands back the raw response, so its caller can read it.
		res.RetryAfter = int(webpush.ParseRetryAfter(resp.Header.Get("Retry-After"),
			time.Now()).Seconds())
	}
	return res
}

func (w *webpushGoSender) Close() error { return nil }

// version is the version of module path in this binary, or "devel".
func version(path string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if info.Main.Path == path {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			return v
		}
		return "devel"
	}
	for _, d := range info.Deps {
		if d.Path == path {
			return d.Version
		}
	}
	return "unknown"
}
