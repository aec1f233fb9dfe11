package headers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/pushspec/pushspec/suites/internal/harness"
	"github.com/pushspec/pushspec/suites/internal/labels"
)

const timeout = SpecTimeout(2 * time.Minute)

var _ = Describe("RFC 8030 §5 the push request", func() {
	It("POSTs to exactly the subscription's endpoint", labels.For("http.method"),
		func(ctx SpecContext) {
			h.Judge("http.method", h.RunAll(ctx, harness.Standard...)...)
		}, timeout)

	It("sends a Content-Length equal to the body", labels.For("http.content_length"),
		func(ctx SpecContext) {
			h.Judge("http.content_length", h.RunAll(ctx, harness.Standard...)...)
		}, timeout)
})

var _ = Describe("RFC 8030 §5.2 TTL", func() {
	It("sends a TTL header with every message", labels.For("hdr.ttl.present"),
		func(ctx SpecContext) {
			h.Judge("hdr.ttl.present", h.RunAll(ctx, harness.Standard...)...)
		}, timeout)

	It("sends exactly one TTL of delta-seconds", labels.For("hdr.ttl.syntax"),
		func(ctx SpecContext) {
			h.Judge("hdr.ttl.syntax", h.RunAll(ctx, harness.Standard...)...)
		}, timeout)

	It("sends the TTL it was asked for, 0 included", labels.For("hdr.ttl.intent"),
		func(ctx SpecContext) {
			h.Judge("hdr.ttl.intent", h.RunAll(ctx, harness.Standard...)...)
		}, timeout)
})

var _ = Describe("RFC 8030 §5.3 Urgency", func() {
	It("sends at most one Urgency of very-low, low, normal or high",
		labels.For("hdr.urgency.syntax"), func(ctx SpecContext) {
			runs := h.RunAll(ctx, append(harness.Urgencies, harness.Standard...)...)
			h.Judge("hdr.urgency.syntax", runs...)
		}, timeout)

	It("sends the urgency it was asked for", labels.For("hdr.urgency.intent"),
		func(ctx SpecContext) {
			runs := h.RunAll(ctx, append(harness.Urgencies, harness.Standard...)...)
			h.Judge("hdr.urgency.intent", runs...)
		}, timeout)
})

var _ = Describe("RFC 8030 §5.4 Topic", func() {
	It("sends a valid Topic, and refuses to send an invalid one",
		labels.For("hdr.topic.syntax"), func(ctx SpecContext) {
			runs := h.RunAll(ctx, harness.Topic, harness.LongTopic, harness.InvalidTopic)
			h.Judge("hdr.topic.syntax", runs...)
		}, timeout)

	It("sends the topic it was asked for, unchanged", labels.For("hdr.topic.intent"),
		func(ctx SpecContext) {
			runs := h.RunAll(ctx, harness.Topic, harness.LongTopic, harness.Empty)
			h.Judge("hdr.topic.intent", runs...)
		}, timeout)

	It("sends topics whose length Apple can decode as base64", labels.For("hdr.topic.b64len"),
		func(ctx SpecContext) {
			h.Judge("hdr.topic.b64len", h.RunAll(ctx, harness.Topic, harness.LongTopic)...)
		}, timeout)
})

var _ = Describe("RFC 8291 §4 content coding", func() {
	It("labels every body with exactly one Content-Encoding",
		labels.For("hdr.content_encoding"), func(ctx SpecContext) {
			h.Judge("hdr.content_encoding", h.RunAll(ctx, harness.Standard...)...)
		}, timeout)

	It("never sends a payload in the clear", labels.For("body.encrypted"),
		func(ctx SpecContext) {
			h.Judge("body.encrypted", h.RunAll(ctx, harness.Standard...)...)
		}, timeout)
})

var _ = Describe("RFC 8030 §7.2 message size", func() {
	It("keeps bodies within 4096 octets, refusing what does not fit",
		labels.For("body.size"), func(ctx SpecContext) {
			runs := h.RunAll(ctx, harness.Largest, harness.Oversize, harness.OneOctet)
			h.Judge("body.size", runs...)
		}, timeout)
})
