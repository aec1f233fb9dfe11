package probe

import (
	"context"
	"testing"
	"time"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/fakes/pushservice"
)

// misbehaviour breaks each svc.* rule in the fake: the negative controls.
var misbehaviour = map[string]pushservice.Misbehave{
	"svc.created":          {NoLocation: true},
	"svc.receipt":          {IgnoreRespondAsync: true},
	"svc.ttl.missing":      {AcceptMissingTTL: true},
	"svc.ttl.expiry":       {DeliverExpired: true},
	"svc.ttl.response":     {EchoLongerTTL: true},
	"svc.topic.replace":    {NoTopicReplace: true},
	"svc.topic.invalid":    {AcceptInvalidTopic: true},
	"svc.urgency.multiple": {AcceptMultipleUrgency: true},
	"svc.size.413":         {Limit413: 1000},
	"svc.gone":             {AcceptGone: true},
	"svc.rate.retry_after": {NoRetryAfter: true},
	"svc.vapid.status":     {IgnoreVAPID: true},
	"svc.endpoint.entropy": {CountingEndpoints: true},
}

func service(t *testing.T, mb pushservice.Misbehave) *Service {
	t.Helper()
	fake := pushservice.NewTLSServer(func(s *pushservice.Server) { s.Misbehave = mb })
	t.Cleanup(fake.Close)
	return &Service{URL: fake.URL(), Client: fake.Client()}
}

func TestEveryServiceRequirementHasAProbeAndANegativeControl(t *testing.T) {
	for _, r := range checks.Catalogue() {
		if !r.OfService() {
			continue
		}
		if Probes[r.ID] == nil {
			t.Errorf("%s has no probe", r.ID)
		}
		if _, ok := misbehaviour[r.ID]; !ok {
			t.Errorf("%s has no negative control", r.ID)
		}
	}
}

func TestProbes(t *testing.T) {
	for _, id := range IDs() {
		t.Run(id, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			f, err := service(t, pushservice.Misbehave{}).Run(ctx, id)
			if err != nil || f.Verdict != checks.Pass || f.Requirement != id {
				t.Errorf("the fake as it is: %+v, %v; want PASS", f, err)
			}

			f, err = service(t, misbehaviour[id]).Run(ctx, id)
			if err != nil {
				t.Fatalf("the misbehaving fake: %v", err)
			}
			if f.Verdict == checks.Pass {
				t.Errorf("the fake with %+v still passes: %s", misbehaviour[id], f.Detail)
			}
			t.Logf("%s %s: %s", id, f.Verdict, f.Detail)
		})
	}
}
