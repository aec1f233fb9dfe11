package checks

import (
	"fmt"
	"strings"
)

// Level is how strongly a source states a requirement: "MUST", "SHOULD",
// "MAY", "policy" (a rule of this harness) or "vendor:<name>" (one push
// service's own rule).
type Level string

const (
	Must   Level = "MUST"
	Should Level = "SHOULD"
	May    Level = "MAY"
	Policy Level = "policy"
)

// Ref points at the text a requirement comes from.
type Ref struct {
	Doc     string // "RFC 8030", "draft-ietf-webpush-encryption-04", or "pushspec"
	Section string // "5.2"; empty for a whole document
}

func (r Ref) String() string {
	if r.Section == "" {
		return r.Doc
	}
	return r.Doc + " §" + r.Section
}

// URL links to the section, or "" for pushspec's own policies.
func (r Ref) URL() string {
	var base string
	switch {
	case strings.HasPrefix(r.Doc, "RFC "):
		base = "https://www.rfc-editor.org/rfc/rfc" + strings.TrimPrefix(r.Doc, "RFC ")
	case strings.HasPrefix(r.Doc, "draft-"):
		base = "https://datatracker.ietf.org/doc/html/" + r.Doc
	default:
		return ""
	}
	if r.Section == "" {
		return base
	}
	return base + "#section-" + r.Section
}

// A Requirement is one rule of the catalogue.
type Requirement struct {
	ID    string
	Refs  []Ref
	Level Level
	// Text states the rule in one line.
	Text string
	// Broken is the verdict of a breach under the strict rfc profile.
	Broken Verdict
	// StrictFor lists the vendor profiles under which a breach is FAIL.
	StrictFor []Profile
	// Status is what a strict push service answers when the rule is broken:
	// 0 when a service cannot see the breach (only decryption can) or
	// accepts the message anyway.
	Status int
}

// OfService reports whether the requirement is about a push service rather
// than a sender: the "svc" group.
func (r Requirement) OfService() bool { return r.Group() == "svc" }

// Group is the catalogue section of the requirement: "http", "ece",
// "vapid", "legacy", "client", "input", "svc" or "vendor".
func (r Requirement) Group() string {
	prefix, _, _ := strings.Cut(r.ID, ".")
	switch prefix {
	case "hdr", "body":
		return "http"
	}
	return prefix
}

// Source is the requirement's references, joined: "RFC 8030 §5.2, RFC 8291 §4".
func (r Requirement) Source() string {
	s := make([]string, len(r.Refs))
	for i, ref := range r.Refs {
		s[i] = ref.String()
	}
	return strings.Join(s, ", ")
}

// BrokenUnder is the verdict of a breach under profile p.
func (r Requirement) BrokenUnder(p Profile) Verdict {
	for _, s := range r.StrictFor {
		if s == p {
			return Fail
		}
	}
	return r.Broken
}

func rfc(n int, section string) Ref { return Ref{Doc: fmt.Sprintf("RFC %d", n), Section: section} }

var (
	policy    = Ref{Doc: "pushspec"}
	draftWPE  = "draft-ietf-webpush-encryption-04"
	draftEE   = "draft-ietf-httpbis-encryption-encoding-03"
	draftVAID = "draft-ietf-webpush-vapid-01"
)

// catalogue is in the order of REQUIREMENTS.md; reports follow it.
var catalogue = []Requirement{
	// HTTP and RFC 8030 headers.
	{ID: "http.method", Refs: []Ref{rfc(8030, "5")}, Level: Must, Broken: Fail, Status: 405,
		Text: "POST to exactly the subscription's endpoint URL"},
	{ID: "http.content_length", Refs: []Ref{rfc(9112, "6")}, Level: Must, Broken: Fail,
		Status: 400, StrictFor: []Profile{ProfileWNS},
		Text: "Content-Length present and equal to the body (chunked is legal; WNS answers 411)"},
	{ID: "hdr.ttl.present", Refs: []Ref{rfc(8030, "5.2")}, Level: Must, Broken: Fail, Status: 400,
		Text: "a TTL header is present"},
	{ID: "hdr.ttl.syntax", Refs: []Ref{rfc(8030, "5.2")}, Level: Must, Broken: Fail, Status: 400,
		Text: "exactly one TTL field, 1*DIGIT"},
	{ID: "hdr.ttl.intent", Refs: []Ref{policy}, Level: Policy, Broken: Warn,
		Text: "the TTL on the wire is the TTL the sender was asked for"},
	{ID: "hdr.urgency.syntax", Refs: []Ref{rfc(8030, "5.3")}, Level: Must, Broken: Fail,
		Status: 400, Text: "at most one Urgency field: very-low, low, normal or high"},
	{ID: "hdr.urgency.intent", Refs: []Ref{policy}, Level: Policy, Broken: Warn,
		Text: "the urgency on the wire is the one asked for (absent means normal)"},
	{ID: "hdr.topic.syntax", Refs: []Ref{rfc(8030, "5.4")}, Level: Must, Broken: Fail, Status: 400,
		Text: "at most one Topic field, 1 to 32 characters of the base64url alphabet, no '='"},
	{ID: "hdr.topic.intent", Refs: []Ref{policy}, Level: Policy, Broken: Warn,
		Text: "the topic on the wire is the one asked for"},
	{ID: "hdr.topic.b64len", Refs: []Ref{{Doc: "Apple Web Push"}}, Level: "vendor:apple",
		Status: 400, Broken: Warn, StrictFor: []Profile{ProfileApple},
		Text: "topic length is not 1 more than a multiple of 4 (Apple decodes it as base64)"},
	{ID: "hdr.content_encoding", Refs: []Ref{rfc(8291, "4")}, Level: Must, Broken: Fail,
		Status: 400,
		Text:   "a non-empty body has exactly one Content-Encoding: aes128gcm (or legacy aesgcm)"},
	{ID: "body.encrypted", Refs: []Ref{rfc(8030, "8.1")}, Level: Must, Broken: Fail, Status: 400,
		Text: "a non-empty body is encrypted"},
	{ID: "body.size", Refs: []Ref{rfc(8030, "7.2"), rfc(8291, "4")}, Level: Should, Broken: Warn,
		Status: 413, Text: "the body is at most 4096 octets (a service may refuse more with 413)"},

	// Payload encryption.
	{ID: "ece.header.length", Refs: []Ref{rfc(8188, "2.1")}, Level: Must, Broken: Fail,
		Status: 400, Text: "the body holds the 21-octet header, the keyid and a 17-octet record"},
	{ID: "ece.header.rs", Refs: []Ref{rfc(8188, "2.1"), rfc(8291, "4")}, Level: Must,
		Broken: Fail, Status: 400,
		Text: "rs is at least 18 and greater than the record: plaintext, delimiter, padding, tag"},
	{ID: "ece.header.keyid", Refs: []Ref{rfc(8291, "4")}, Level: Must, Broken: Fail, Status: 400,
		Text: "idlen is 65 and keyid is an uncompressed P-256 point on the curve"},
	{ID: "ece.single_record", Refs: []Ref{rfc(8291, "4")}, Level: Must, Broken: Fail,
		Status: 400, Text: "the body is exactly one record"},
	{ID: "ece.decrypt", Refs: []Ref{rfc(8291, "3"), rfc(8188, "2")}, Level: Must, Broken: Fail,
		Text: "the record decrypts (the AEAD tag verifies) with the subscription's keys"},
	{ID: "ece.ecdh_truncated", Refs: []Ref{rfc(8291, "3.1")}, Level: Must, Broken: Fail,
		Text: "the ECDH secret keeps its leading zero octets (all 32 octets are used)"},
	{ID: "ece.record.delimiter", Refs: []Ref{rfc(8188, "2")}, Level: Must, Broken: Fail,
		Text: "the last record ends with delimiter 0x02 followed only by zero octets"},
	{ID: "ece.salt.unique", Refs: []Ref{rfc(8188, "2.1")}, Level: Must, Broken: Fail,
		Text: "no salt is reused with the same keying material across messages"},
	{ID: "ece.keyid.fresh", Refs: []Ref{rfc(8291, "3.1")}, Level: Should, Broken: Warn,
		Text: "a new ephemeral ECDH key pair for every message"},
	{ID: "ece.plaintext.roundtrip", Refs: []Ref{policy}, Level: Must, Broken: Fail,
		Text: "the decrypted bytes are exactly what the sender was asked to send"},

	// VAPID.
	{ID: "vapid.present", Refs: []Ref{rfc(8292, "4.2")}, Level: Must, Broken: Fail, Status: 401,
		Text: "a subscription restricted to an applicationServerKey gets an Authorization header"},
	{ID: "vapid.scheme", Refs: []Ref{rfc(8292, "3")}, Level: Must, Broken: Fail, Status: 401,
		Text: "the scheme is vapid, with parameters t and k (the draft WebPush scheme is legacy)"},
	{ID: "vapid.header.syntax", Refs: []Ref{rfc(8292, "3")}, Level: Must, Broken: Fail,
		Status: 403, Text: "t and k each appear once; other parameters and spaces are tolerated"},
	{ID: "vapid.k.encoding", Refs: []Ref{rfc(8292, "3.2"), rfc(7515, "2")}, Level: Must,
		Broken: Fail, Status: 403, Text: "k is unpadded base64url"},
	{ID: "vapid.k.point", Refs: []Ref{rfc(8292, "3.2")}, Level: Must, Broken: Fail, Status: 403,
		Text: "k is a 65-octet uncompressed P-256 point on the curve"},
	{ID: "vapid.k.matches_subscription", Refs: []Ref{rfc(8292, "4.2")}, Level: Must, Broken: Fail,
		Status: 403, Text: "k is the applicationServerKey the subscription was made with"},
	{ID: "vapid.k.differs_from_keyid", Refs: []Ref{rfc(8292, "3.2")}, Level: Must, Broken: Fail,
		Status: 403, Text: "the signing key is not the message's ECDH key"},
	{ID: "vapid.t.encoding", Refs: []Ref{rfc(8292, "3.1"), rfc(7515, "7.1")}, Level: Must,
		Broken: Fail, Status: 403,
		Text: "t is a JWS compact serialization: three unpadded base64url parts"},
	{ID: "vapid.jwt.alg", Refs: []Ref{rfc(8292, "2")}, Level: Must, Broken: Fail, Status: 403,
		Text: "the JOSE header's alg is ES256"},
	{ID: "vapid.jwt.sig_format", Refs: []Ref{rfc(7518, "3.4")}, Level: Must, Broken: Fail,
		Status: 403, Text: "the signature is the 64-octet R‖S form, not DER"},
	{ID: "vapid.jwt.signature", Refs: []Ref{rfc(8292, "2")}, Level: Must, Broken: Fail,
		Status: 403, Text: "the signature verifies with k"},
	{ID: "vapid.aud.origin", Refs: []Ref{rfc(8292, "2"), rfc(6454, "6.1")}, Level: Must,
		Broken: Fail, Status: 403,
		Text: "aud is exactly the endpoint's origin: no path, no trailing slash, default port left out"},
	{ID: "vapid.exp.present", Refs: []Ref{rfc(8292, "2")}, Level: Must, Broken: Fail, Status: 403,
		Text: "the exp claim is present"},
	{ID: "vapid.exp.type", Refs: []Ref{rfc(7519, "4.1.4")}, Level: Must, Broken: Fail,
		Status: 403, Text: "exp is a JSON number"},
	{ID: "vapid.exp.max24h", Refs: []Ref{rfc(8292, "2")}, Level: Must, Broken: Fail, Status: 403,
		Text: "exp is at most 24 hours after the request"},
	{ID: "vapid.exp.expired", Refs: []Ref{rfc(8292, "4.2")}, Level: Must, Broken: Fail,
		Status: 403, Text: "exp is later than the request"},
	{ID: "vapid.sub.syntax", Refs: []Ref{rfc(8292, "2.1")}, Level: Should, Status: 403, Broken: Warn,
		StrictFor: []Profile{ProfileApple},
		Text:      "when present, sub is one valid mailto: (RFC 6068) or https: URI"},
	{ID: "vapid.sub.absent", Refs: []Ref{rfc(8292, "2.1")}, Level: May, Status: 403, Broken: Info,
		StrictFor: []Profile{ProfileApple}, Text: "sub gives the push service a contact"},
	{ID: "vapid.sub.contact", Refs: []Ref{{Doc: "Apple Web Push"}}, Level: "vendor:apple",
		Status: 403, Broken: Warn, StrictFor: []Profile{ProfileApple},
		Text: "sub names a reachable contact, not localhost or a reserved domain"},
	{ID: "vapid.jwt.reuse", Refs: []Ref{rfc(8292, "2")}, Level: Policy, Broken: Info,
		Text: "a token is reused for its audience rather than signed for every message"},

	// Legacy encodings.
	{ID: "legacy.aesgcm.used", Refs: []Ref{policy}, Level: Policy, Broken: Warn,
		Text: "Content-Encoding: aesgcm is in no RFC; aes128gcm replaces it"},
	{ID: "legacy.encryption.salt", Refs: []Ref{{Doc: draftEE, Section: "3.1"}}, Level: Must,
		Broken: Fail, Status: 400,
		Text: "Encryption has one entry with a 16-octet base64url salt (and an optional rs)"},
	{ID: "legacy.crypto_key.dh", Refs: []Ref{{Doc: draftWPE, Section: "3.1"}}, Level: Must,
		Broken: Fail, Status: 400,
		Text: "Crypto-Key has exactly one dh, a 65-octet uncompressed point"},
	{ID: "legacy.crypto_key.parse", Refs: []Ref{{Doc: draftEE, Section: "4"}}, Level: "—",
		Status: 400, Broken: Warn, StrictFor: []Profile{ProfileWNS},
		Text: "Crypto-Key is in the canonical form dh=…;p256ecdsa=… that every service parses"},
	{ID: "legacy.crypto_key.p256ecdsa.encoding", Refs: []Ref{{Doc: draftVAID, Section: "4"}},
		Level: Must, Broken: Fail, Status: 403, Text: "p256ecdsa is unpadded base64url"},
	{ID: "legacy.padding", Refs: []Ref{{Doc: draftEE, Section: "2"}}, Level: Must, Broken: Fail,
		Text: "the plaintext starts with a 2-octet padding length and that many zero octets"},
	{ID: "legacy.headers_with_aes128gcm", Refs: []Ref{rfc(8291, "4")}, Level: "—", Status: 400, Broken: Warn,
		StrictFor: []Profile{ProfileMozilla},
		Text:      "no Encryption or Crypto-Key: dh beside aes128gcm (they confuse some services)"},

	// How a sender handles answers and input (judged from what it reports).
	{ID: "client.status.success", Refs: []Ref{rfc(8030, "5")}, Level: Must, Broken: Fail,
		Text: "201 and 202 are reported as success, and nothing else is"},
	{ID: "client.status.gone", Refs: []Ref{rfc(8030, "7.3")}, Level: Should, Broken: Warn,
		Text: "404 and 410 are reported as \"subscription gone\""},
	{ID: "client.status.not_gone", Refs: []Ref{policy}, Level: Policy, Broken: Warn,
		Text: "400, 401, 403, 413 and 500 are never reported as \"gone\""},
	{ID: "client.retry_after", Refs: []Ref{rfc(8030, "8.4")}, Level: Should, Broken: Warn,
		Text: "a 429's Retry-After reaches the caller"},
	{ID: "client.multi_origin", Refs: []Ref{rfc(8292, "2")}, Level: Must, Broken: Fail,
		Text: "interleaved sends to two push services each carry their own service's aud"},
	{ID: "input.subscription_keys", Refs: []Ref{rfc(8291, "3.2")}, Level: Must, Broken: Fail,
		Text: "a p256dh that is not a 65-octet point, or an auth that is not 16 octets, is " +
			"refused with an error and nothing is sent"},
	{ID: "input.oversize", Refs: []Ref{rfc(8291, "4")}, Level: Must, Broken: Fail,
		Text: "a payload too large for one record is refused with an error; nothing is sent"},

	// What a push service does (judged by probing it through its endpoints).
	{ID: "svc.created", Refs: []Ref{rfc(8030, "5")}, Level: Must, Broken: Fail,
		Text: "an accepted message gets 201 with a Location"},
	{ID: "svc.receipt", Refs: []Ref{rfc(8030, "5.1")}, Level: Must, Broken: Fail,
		Text: "Prefer: respond-async gets 202, a Location and a receipt Link"},
	{ID: "svc.ttl.missing", Refs: []Ref{rfc(8030, "5.2")}, Level: Must, Broken: Fail,
		Text: "a push without TTL gets 400"},
	{ID: "svc.ttl.expiry", Refs: []Ref{rfc(8030, "5.2")}, Level: "MUST NOT", Broken: Fail,
		Text: "no delivery after the TTL has passed; TTL 0 delivers only to a connected user agent"},
	{ID: "svc.ttl.response", Refs: []Ref{rfc(8030, "5.2")}, Level: Must, Broken: Fail,
		Text: "a TTL header in the response is at most the one requested"},
	{ID: "svc.topic.replace", Refs: []Ref{rfc(8030, "5.4")}, Level: "—", Broken: Fail,
		Text: "a queued message is replaced by a newer one with the same Topic"},
	{ID: "svc.topic.invalid", Refs: []Ref{rfc(8030, "5.4")}, Level: Must, Broken: Fail,
		Text: "an invalid Topic gets 400"},
	{ID: "svc.urgency.multiple", Refs: []Ref{rfc(8030, "5.3")}, Level: Must, Broken: Fail,
		Text: "several Urgency values get 400"},
	{ID: "svc.size.413", Refs: []Ref{rfc(8030, "7.2")}, Level: "MUST NOT", Broken: Fail,
		Text: "no 413 for a body of 4096 octets or less"},
	{ID: "svc.gone", Refs: []Ref{rfc(8030, "7.3")}, Level: Must, Broken: Fail,
		Text: "a push to an expired subscription gets 404 or 410"},
	{ID: "svc.rate.retry_after", Refs: []Ref{rfc(8030, "8.4")}, Level: Should, Broken: Warn,
		Text: "a 429 carries Retry-After"},
	{ID: "svc.vapid.status", Refs: []Ref{rfc(8292, "4.2")}, Level: Must, Broken: Fail,
		Text: "for a restricted subscription: 401 without authentication, 403 when it is invalid"},
	{ID: "svc.endpoint.entropy", Refs: []Ref{rfc(8030, "8.3")}, Level: "—", Broken: Warn,
		Text: "endpoints carry at least 120 bits of randomness"},

	// One push service's own rules, judged only under its profile.
	{ID: "vendor.fcm.urgency", Refs: []Ref{{Doc: "FCM Web Push"}}, Level: "vendor:fcm",
		Broken: Warn, StrictFor: []Profile{ProfileFCM}, Status: 400,
		Text: "no Urgency: very-low, which FCM has refused"},
	{ID: "vendor.wns.ttl0_cache", Refs: []Ref{{Doc: "WNS push"}}, Level: "vendor:wns",
		Broken: Warn, StrictFor: []Profile{ProfileWNS}, Status: 400,
		Text: "TTL 0 only with X-WNS-Cache-Policy: no-cache"},
}

var byID = func() map[string]*Requirement {
	m := make(map[string]*Requirement, len(catalogue))
	for i := range catalogue {
		if _, dup := m[catalogue[i].ID]; dup {
			panic("checks: duplicate requirement " + catalogue[i].ID)
		}
		m[catalogue[i].ID] = &catalogue[i]
	}
	return m
}()

// Catalogue returns every requirement, in catalogue order.
func Catalogue() []Requirement {
	out := make([]Requirement, len(catalogue))
	copy(out, catalogue)
	return out
}

// Lookup returns the requirement with the given ID.
func Lookup(id string) (Requirement, bool) {
	r, ok := byID[id]
	if !ok {
		return Requirement{}, false
	}
	return *r, true
}
