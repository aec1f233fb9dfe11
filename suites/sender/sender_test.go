package sender_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/pushspec/pushspec/suites/internal/harness"
	"github.com/pushspec/pushspec/suites/internal/labels"
)

const timeout = SpecTimeout(2 * time.Minute)

// answered runs one case per scripted status.
func answered(ctx SpecContext, statuses ...int) []*harness.Run {
	var runs []*harness.Run
	for _, s := range statuses {
		retryAfter := ""
		if s == 429 {
			retryAfter = "120"
		}
		runs = append(runs, h.Run(ctx, harness.Answered(s, retryAfter)))
	}
	return runs
}

var every = []int{201, 202, 400, 401, 403, 404, 410, 413, 429, 500}

var _ = Describe("RFC 8030 §5 and §7.3 the push service's answer", func() {
	It("reports 201 and 202 as success, and nothing else: not a reset connection either",
		labels.For("client.status.success"), func(ctx SpecContext) {
			runs := append(answered(ctx, every...),
				h.RunAll(ctx, harness.Reset, harness.GoAway, harness.Delayed)...)
			h.JudgeAnswers("client.status.success", runs...)
		}, timeout)

	It("reports 404 and 410 as a subscription gone", labels.For("client.status.gone"),
		func(ctx SpecContext) {
			h.JudgeAnswers("client.status.gone", answered(ctx, 404, 410)...)
		}, timeout)

	It("never reports a refusal as a subscription gone", labels.For("client.status.not_gone"),
		func(ctx SpecContext) {
			h.JudgeAnswers("client.status.not_gone", answered(ctx, 400, 401, 403, 413, 500)...)
		}, timeout)
})

var _ = Describe("RFC 8030 §8.4 Retry-After", func() {
	It("hands a 429's Retry-After to its caller", labels.For("client.retry_after"),
		func(ctx SpecContext) {
			h.JudgeAnswers("client.retry_after", answered(ctx, 429)...)
		}, timeout)
})

var _ = Describe("RFC 8292 §2 one token per audience", func() {
	It("signs for each push service's own origin when it alternates between two",
		labels.For("client.multi_origin"), func(ctx SpecContext) {
			h.JudgeInterleaved(ctx, 6)
		}, timeout)
})

var _ = Describe("RFC 8291 input a sender must refuse", func() {
	It("refuses a subscription with a malformed p256dh or auth, sending nothing",
		labels.For("input.subscription_keys"), func(ctx SpecContext) {
			h.JudgeRefusals("input.subscription_keys", h.RunAll(ctx, harness.BadKeys...)...)
		}, timeout)

	It("refuses a payload too large for one record, sending nothing",
		labels.For("input.oversize"), func(ctx SpecContext) {
			h.JudgeRefusals("input.oversize", h.Run(ctx, harness.TooLarge))
		}, timeout)
})
