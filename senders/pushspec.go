package senders

import (
	"context"
	"runtime/debug"
	"sync"

	"github.com/pushspec/pushspec/webpush"
)

// pushspecSender is webpush.Sender behind the Sender interface: one
// webpush.Sender per VAPID key, subject and scheme, so that tokens are
// reused across requests as they would be in an application.
type pushspecSender struct {
	env     Env
	mu      sync.Mutex
	senders map[VAPID]map[string]*webpush.Sender
}

func newPushspec(env Env) (Sender, error) {
	return &pushspecSender{env: env, senders: map[VAPID]map[string]*webpush.Sender{}}, nil
}

func (p *pushspecSender) Hello() Hello {
	return Hello{
		Name: "pushspec", Version: version("github.com/pushspec/pushspec"),
		Encodings:    []string{"aes128gcm", "aesgcm"},
		VAPIDSchemes: []string{"vapid", "webpush"},
		Urgency:      true, Topic: true, RecordSize: true,
	}
}

func (p *pushspecSender) sender(v *VAPID, scheme string) (*webpush.Sender, error) {
	var key VAPID
	if v != nil {
		key = *v
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.senders[key][scheme]; s != nil {
		return s, nil
	}
	s := &webpush.Sender{Client: p.env.Client}
	if v != nil {
		vk, err := webpush.ParseVAPIDKey(v.PrivateKey)
		if err != nil {
			return nil, err
		}
		s.VAPID, s.Subject = vk, v.Subject
	}
	if scheme == "webpush" {
		s.Scheme = webpush.SchemeWebPush
	}
	if p.senders[key] == nil {
		p.senders[key] = map[string]*webpush.Sender{}
	}
	p.senders[key][scheme] = s
	return s, nil
}

func (p *pushspecSender) Send(ctx context.Context, r Request) Result {
	s, err := p.sender(r.VAPID, r.Scheme)
	if err != nil {
		return Result{ID: r.ID, Error: err.Error(), Outcome: Error}
	}
	resp, err := s.Send(ctx, r.Subscription, webpush.Message{
		Payload: r.Payload, TTL: r.TTL, Urgency: webpush.Urgency(r.Urgency), Topic: r.Topic,
		Encoding: webpush.Encoding(r.Encoding), RecordSize: r.RecordSize,
	})
	if err != nil {
		return Result{ID: r.ID, Error: err.Error(), Outcome: Error}
	}
	res := Result{ID: r.ID, Status: resp.StatusCode}
	switch {
	case resp.Accepted():
		res.Outcome = Success
	case resp.Gone():
		res.Outcome = Gone
	case resp.StatusCode == 429:
		res.Outcome, res.RetryAfter = RetryAfter, int(resp.RetryAfter.Seconds())
	default:
		res.Outcome, res.Error = Rejected, string(resp.Body)
	}
	return res
}

func (p *pushspecSender) Close() error { return nil }

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
