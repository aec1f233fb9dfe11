package vapid_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/pushspec/pushspec/suites/internal/harness"
	"github.com/pushspec/pushspec/suites/internal/labels"
)

const timeout = SpecTimeout(2 * time.Minute)

// judge judges requirement id over the standard cases.
func judge(ctx SpecContext, id string, extra ...harness.Case) {
	h.Judge(id, h.RunAll(ctx, append(extra, harness.Standard...)...)...)
}

var _ = Describe("RFC 8292 §3 the vapid Authorization scheme", func() {
	It("signs every message for a restricted subscription", labels.For("vapid.present"),
		func(ctx SpecContext) { judge(ctx, "vapid.present") }, timeout)

	It("uses the vapid scheme", labels.For("vapid.scheme"),
		func(ctx SpecContext) { judge(ctx, "vapid.scheme") }, timeout)

	It("sends t and k once each", labels.For("vapid.header.syntax"),
		func(ctx SpecContext) { judge(ctx, "vapid.header.syntax") }, timeout)
})

var _ = Describe("RFC 8292 §3.2 the public key k", func() {
	It("encodes k as unpadded base64url", labels.For("vapid.k.encoding"),
		func(ctx SpecContext) { judge(ctx, "vapid.k.encoding") }, timeout)

	It("sends k as an uncompressed P-256 point", labels.For("vapid.k.point"),
		func(ctx SpecContext) { judge(ctx, "vapid.k.point") }, timeout)

	It("sends the key the subscription was made with",
		labels.For("vapid.k.matches_subscription"),
		func(ctx SpecContext) { judge(ctx, "vapid.k.matches_subscription") }, timeout)

	It("signs with a key other than the message's ECDH key",
		labels.For("vapid.k.differs_from_keyid"),
		func(ctx SpecContext) { judge(ctx, "vapid.k.differs_from_keyid") }, timeout)
})

var _ = Describe("RFC 8292 §2 the JWT", func() {
	It("sends a JWS compact serialization", labels.For("vapid.t.encoding"),
		func(ctx SpecContext) { judge(ctx, "vapid.t.encoding") }, timeout)

	It("signs with ES256", labels.For("vapid.jwt.alg"),
		func(ctx SpecContext) { judge(ctx, "vapid.jwt.alg") }, timeout)

	It("encodes the signature as 64-octet R‖S", labels.For("vapid.jwt.sig_format"),
		func(ctx SpecContext) { judge(ctx, "vapid.jwt.sig_format") }, timeout)

	It("makes a signature that verifies with k", labels.For("vapid.jwt.signature"),
		func(ctx SpecContext) { judge(ctx, "vapid.jwt.signature") }, timeout)

	It("sets aud to exactly the endpoint's origin", labels.For("vapid.aud.origin"),
		func(ctx SpecContext) { judge(ctx, "vapid.aud.origin", h.UpperCaseHost()) }, timeout)

	It("sets exp", labels.For("vapid.exp.present"),
		func(ctx SpecContext) { judge(ctx, "vapid.exp.present") }, timeout)

	It("writes exp as a number", labels.For("vapid.exp.type"),
		func(ctx SpecContext) { judge(ctx, "vapid.exp.type") }, timeout)

	It("sets exp no more than 24 hours ahead", labels.For("vapid.exp.max24h"),
		func(ctx SpecContext) { judge(ctx, "vapid.exp.max24h") }, timeout)

	It("sends tokens that have not expired", labels.For("vapid.exp.expired"),
		func(ctx SpecContext) { judge(ctx, "vapid.exp.expired") }, timeout)

	It("reuses a token for its audience", labels.For("vapid.jwt.reuse"),
		func(ctx SpecContext) { h.Judge("vapid.jwt.reuse", h.Run(ctx, harness.Stream)) },
		timeout)
})

var _ = Describe("RFC 8292 §2.1 the subject", func() {
	It("sends a mailto: or https: subject as given", labels.For("vapid.sub.syntax"),
		func(ctx SpecContext) { judge(ctx, "vapid.sub.syntax") }, timeout)

	It("includes the subject it was given", labels.For("vapid.sub.absent"),
		func(ctx SpecContext) { judge(ctx, "vapid.sub.absent") }, timeout)

	It("names a contact that can be reached", labels.For("vapid.sub.contact"),
		func(ctx SpecContext) { judge(ctx, "vapid.sub.contact") }, timeout)
})
