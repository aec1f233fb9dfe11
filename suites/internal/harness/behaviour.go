package harness

import (
	"context"
	"fmt"

	"github.com/onsi/ginkgo/v2"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/fakes/pushservice"
	"github.com/pushspec/pushspec/reports"
	"github.com/pushspec/pushspec/senders"
	"github.com/pushspec/pushspec/webpush"
)

// Judging how a sender behaves: what it reports of the push service's
// answers, what it refuses to send, whether it keeps two services apart.

// JudgeAnswers gives requirement id the verdict of how the sender reported
// the scripted answers of runs (checks.CheckAnswer).
func (h *Harness) JudgeAnswers(id string, runs ...*Run) {
	var scenarios []reports.Scenario
	for _, r := range runs {
		s := h.base(r)
		switch {
		case r.Unsupported != "":
			s.Verdict, s.Detail = checks.Unsupported, r.Unsupported
		case brokeDown(r) != "":
			s.Verdict, s.Detail = checks.Fail, brokeDown(r)
		case len(r.Messages) < len(r.Results) && len(r.Case.Faults) == 0:
			s.Verdict, s.Detail = checks.Fail, "the sender sent nothing for a valid request: "+
				orNone(s.Error)
		default:
			var fs []checks.Finding
			for i, res := range r.Results {
				a := checks.Answer{Outcome: string(res.Outcome), ReportedStatus: res.Status,
					ReportedRetryAfter: res.RetryAfter}
				if i < len(r.Case.Answers) {
					sa := r.Case.Answers[i]
					a.Status = sa.Status
					a.RetryAfter = int(webpush.ParseRetryAfter(sa.Header.Get("Retry-After"),
						r.Messages[i].Received).Seconds())
				} else if i < len(r.Messages) {
					a.Status = r.Messages[i].Status // what the fake answered
				}
				fs = append(fs, checks.CheckAnswer(a, h.Profile)...)
			}
			f, ok := checks.Worst(fs, id)
			if !ok {
				continue
			}
			s.Verdict, s.Detail = f.Verdict, f.Detail
		}
		scenarios = append(scenarios, s)
	}
	h.Record(id, scenarios)
}

// JudgeRefusals gives requirement id (input.*) the verdict of whether the
// sender refused each run's input and sent nothing.
func (h *Harness) JudgeRefusals(id string, runs ...*Run) {
	var scenarios []reports.Scenario
	for _, r := range runs {
		s := h.base(r)
		if why := brokeDown(r); why != "" {
			s.Verdict, s.Detail = checks.Fail, why
		} else {
			f := checks.CheckRefusal(id, len(r.Messages), s.Outcome, s.Error)
			s.Verdict, s.Detail = f.Verdict, f.Detail
		}
		scenarios = append(scenarios, s)
	}
	h.Record(id, scenarios)
}

// base is a scenario's facts before a verdict.
func (h *Harness) base(r *Run) reports.Scenario {
	s := reports.Scenario{Name: r.Case.Name, Asked: r.Case.Asked(), Sent: len(r.Results),
		Received: len(r.Messages)}
	s.Status, s.Outcome, s.Error = describeResults(r.Results)
	if len(r.Messages) > 0 {
		s.Request = map[string][]string(r.Messages[0].Header)
	}
	return s
}

// brokeDown returns the adapter's breakdown in a run, or "".
func brokeDown(r *Run) string {
	for _, res := range r.Results {
		if res.AdapterError != "" {
			return res.AdapterError
		}
	}
	return ""
}

// JudgeInterleaved sends n messages, in turn, to a subscription on each of
// the two fakes (different origins), and judges client.multi_origin: every
// message must carry its own service's aud.
func (h *Harness) JudgeInterleaved(ctx context.Context, n int) {
	const id = "client.multi_origin"
	name := fmt.Sprintf("%d messages alternating between two push services", n)
	subs := make([]*pushservice.Subscription, 2)
	for i, f := range []*pushservice.Server{h.Fake, h.Fake2} {
		sub, err := f.CreateSubscription(h.VAPID.PublicKey())
		if err != nil {
			ginkgo.Fail(err.Error())
		}
		subs[i] = sub
	}
	r := &Run{Case: Case{Name: name, Payload: []byte("two services"), TTL: 60, Count: n}}
	for i := 0; i < n; i++ {
		req := senders.Request{ID: fmt.Sprintf("interleaved-%d", i),
			Subscription: subs[i%2].JSON(), Payload: r.Case.Payload, TTL: r.Case.TTL,
			VAPID: &senders.VAPID{PublicKey: h.VAPID.PublicKeyString(),
				PrivateKey: h.VAPID.PrivateKeyString(), Subject: DefaultSubject}}
		sctx, cancel := context.WithTimeout(ctx, sendTimeout)
		r.Results = append(r.Results, h.Sender.Send(sctx, req))
		cancel()
	}

	var samples []checks.OriginSample
	var all []pushservice.Message
	for i, f := range []*pushservice.Server{h.Fake, h.Fake2} {
		msgs, err := f.Messages(subs[i].ID)
		if err != nil {
			ginkgo.Fail(err.Error())
		}
		all = append(all, msgs...)
		origin := webpush.Origin(mustParse(subs[i].Endpoint))
		for _, m := range msgs {
			samples = append(samples, checks.OriginSample{Origin: origin,
				Audience: m.Result.Audience})
		}
	}
	r.Messages = all
	s := h.base(r)
	switch {
	case brokeDown(r) != "":
		s.Verdict, s.Detail = checks.Fail, brokeDown(r)
	case len(all) < n:
		s.Verdict, s.Detail = checks.Fail, fmt.Sprintf("only %d of %d messages reached the "+
			"push services: %s", len(all), n, orNone(s.Error))
	default:
		f := checks.CheckMultiOrigin(samples)
		s.Verdict, s.Detail = f.Verdict, f.Detail
	}
	h.Record(id, []reports.Scenario{s})
}

// JudgeDefaultEncoding judges legacy.aesgcm.used: runs that ask for no
// coding must get aes128gcm, not the draft aesgcm.
func (h *Harness) JudgeDefaultEncoding(runs ...*Run) {
	var scenarios []reports.Scenario
	for _, r := range runs {
		s := h.base(r)
		s.Verdict, s.Detail = checks.Pass, "aes128gcm, with no coding asked for"
		switch {
		case brokeDown(r) != "":
			s.Verdict, s.Detail = checks.Fail, brokeDown(r)
		case len(r.Messages) == 0:
			s.Verdict, s.Detail = checks.Fail, "the sender sent nothing for a valid request: "+
				orNone(s.Error)
		}
		for _, m := range r.Messages {
			if m.Encoding == string(webpush.AESGCM) {
				s.Verdict, s.Detail = checks.Warn, "sent the draft aesgcm coding when no "+
					"coding was asked for; RFC 8291 uses aes128gcm"
			}
		}
		scenarios = append(scenarios, s)
	}
	h.Record("legacy.aesgcm.used", scenarios)
}
