package service_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/pushspec/pushspec/reports"
	"github.com/pushspec/pushspec/suites/internal/harness"
	"github.com/pushspec/pushspec/suites/internal/labels"
)

// judge runs the probe of requirement id and records its verdict.
func judge(ctx SpecContext, id string) {
	f, err := svc.Run(ctx, id)
	if err != nil {
		Fail(id + ": the probe broke down: " + err.Error())
	}
	harness.Record(id, []reports.Scenario{{Name: "probe", Verdict: f.Verdict, Detail: f.Detail}})
}

const timeout = SpecTimeout(time.Minute)

var _ = Describe("RFC 8030 §5 accepting a message", func() {
	It("answers 201 with a Location", labels.For("svc.created"),
		func(ctx SpecContext) { judge(ctx, "svc.created") }, timeout)

	It("answers Prefer: respond-async with 202, a Location and a receipt Link",
		labels.For("svc.receipt"), func(ctx SpecContext) { judge(ctx, "svc.receipt") }, timeout)

	It("takes a body of 4096 octets", labels.For("svc.size.413"),
		func(ctx SpecContext) { judge(ctx, "svc.size.413") }, timeout)

	It("answers a restricted subscription's pushes with 401 without VAPID and 403 with "+
		"the wrong key", labels.For("svc.vapid.status"),
		func(ctx SpecContext) { judge(ctx, "svc.vapid.status") }, timeout)
})

var _ = Describe("RFC 8030 §5.2 TTL", func() {
	It("refuses a push without TTL", labels.For("svc.ttl.missing"),
		func(ctx SpecContext) { judge(ctx, "svc.ttl.missing") }, timeout)

	It("delivers nothing after its TTL, and TTL 0 only to a connected user agent",
		labels.For("svc.ttl.expiry"), func(ctx SpecContext) { judge(ctx, "svc.ttl.expiry") },
		timeout)

	It("answers with a TTL no longer than the one asked", labels.For("svc.ttl.response"),
		func(ctx SpecContext) { judge(ctx, "svc.ttl.response") }, timeout)
})

var _ = Describe("RFC 8030 §5.3 and §5.4 Urgency and Topic", func() {
	It("refuses several Urgency values", labels.For("svc.urgency.multiple"),
		func(ctx SpecContext) { judge(ctx, "svc.urgency.multiple") }, timeout)

	It("refuses an invalid Topic", labels.For("svc.topic.invalid"),
		func(ctx SpecContext) { judge(ctx, "svc.topic.invalid") }, timeout)

	It("replaces a queued message with a newer one of the same Topic",
		labels.For("svc.topic.replace"),
		func(ctx SpecContext) { judge(ctx, "svc.topic.replace") }, timeout)
})

var _ = Describe("RFC 8030 §7.3, §8.3 and §8.4 subscriptions and load", func() {
	It("answers 404 or 410 for a subscription that is gone", labels.For("svc.gone"),
		func(ctx SpecContext) { judge(ctx, "svc.gone") }, timeout)

	It("hands out endpoints no one can guess", labels.For("svc.endpoint.entropy"),
		func(ctx SpecContext) { judge(ctx, "svc.endpoint.entropy") }, timeout)

	It("says when to come back past its rate limit", labels.For("svc.rate.retry_after"),
		func(ctx SpecContext) { judge(ctx, "svc.rate.retry_after") }, timeout)
})
