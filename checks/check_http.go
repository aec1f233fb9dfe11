package checks

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/pushspec/pushspec/webpush"
)

// The HTTP and RFC 8030 header requirements.

func (in *inspection) checkMethod() {
	want := in.endpoint.RequestURI()
	switch {
	case in.req.Method != http.MethodPost:
		in.broken("http.method", "method is %s; a push message is a POST", short(in.req.Method))
	case in.req.Target != want:
		in.broken("http.method", "request target %s is not the endpoint's %s",
			short(in.req.Target), short(want))
	default:
		in.pass("http.method", "POST %s", short(in.req.Target))
	}
}

func (in *inspection) checkContentLength() {
	n := len(in.req.Body)
	switch {
	case in.req.Chunked || in.req.ContentLength < 0:
		v := Warn
		if in.opt.Profile == ProfileWNS {
			v = Fail
		}
		how := "without Content-Length"
		if in.req.Chunked {
			how = "chunked, " + how
		}
		in.add("http.content_length", v, "the %d-octet body was sent %s: legal, but WNS "+
			"answers 411 Length Required", n, how)
	case in.req.ContentLength != int64(n):
		in.broken("http.content_length", "Content-Length is %d but the body is %d octets",
			in.req.ContentLength, n)
	default:
		in.pass("http.content_length", "Content-Length %d matches the body", n)
	}
}

func (in *inspection) checkTTL() {
	vals := in.req.Header.Values("TTL")
	if len(vals) == 0 {
		in.broken("hdr.ttl.present", "no TTL header; it is mandatory and services answer 400 "+
			"without it")
		return
	}
	in.pass("hdr.ttl.present", "TTL: %s", short(vals[0]))

	switch v := vals[0]; {
	case len(vals) > 1:
		in.broken("hdr.ttl.syntax", "%d TTL fields %q; want exactly one", len(vals), vals)
	case !isDigits(v):
		in.broken("hdr.ttl.syntax", "TTL %s is not 1*DIGIT (delta-seconds)", short(v))
	default:
		in.pass("hdr.ttl.syntax", "TTL %s is delta-seconds", v)
	}

	if in.opt.Profile == ProfileWNS {
		policy := in.req.Header.Get("X-WNS-Cache-Policy")
		if vals[0] == "0" && !strings.EqualFold(policy, "no-cache") {
			in.broken("vendor.wns.ttl0_cache", "TTL 0 without X-WNS-Cache-Policy: no-cache; "+
				"WNS answers 400")
		} else {
			in.pass("vendor.wns.ttl0_cache", "TTL %s, X-WNS-Cache-Policy %q", vals[0], policy)
		}
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (in *inspection) checkUrgency() {
	vals := in.req.Header.Values("Urgency")
	switch {
	case len(vals) == 0:
		in.pass("hdr.urgency.syntax", "absent, which means normal")
	case len(vals) > 1:
		in.broken("hdr.urgency.syntax", "%d Urgency fields %q; want at most one", len(vals), vals)
	case !webpush.Urgency(vals[0]).Valid():
		in.broken("hdr.urgency.syntax", "Urgency %s is not very-low, low, normal or high",
			short(vals[0]))
	default:
		in.pass("hdr.urgency.syntax", "Urgency: %s", vals[0])
	}

	if in.opt.Profile == ProfileFCM {
		if len(vals) == 1 && strings.EqualFold(vals[0], string(webpush.UrgencyVeryLow)) {
			in.broken("vendor.fcm.urgency", "Urgency: very-low, which FCM has refused")
		} else {
			in.pass("vendor.fcm.urgency", "no very-low urgency")
		}
	}
}

func (in *inspection) checkTopic() {
	vals := in.req.Header.Values("Topic")
	if len(vals) == 0 {
		in.pass("hdr.topic.syntax", "absent")
		return
	}
	if len(vals) > 1 {
		in.broken("hdr.topic.syntax", "%d Topic fields %q; want at most one", len(vals), vals)
		return
	}
	t := vals[0]
	if why := topicFault(t); why != "" {
		in.broken("hdr.topic.syntax", "Topic %s %s", short(t), why)
		return
	}
	in.pass("hdr.topic.syntax", "Topic %s: %d base64url characters", short(t), len(t))

	if len(t)%4 == 1 {
		in.broken("hdr.topic.b64len", "Topic %s has %d characters, 1 more than a multiple of "+
			"4: no base64 decodes to that, and Apple refuses it", short(t), len(t))
	} else {
		in.pass("hdr.topic.b64len", "%d characters decode as base64", len(t))
	}
}

// topicFault says what is wrong with a Topic value, or "" when nothing is.
func topicFault(t string) string {
	switch {
	case t == "":
		return "is empty"
	case len(t) > webpush.MaxTopicLength:
		return "is " + itoa(len(t)) + " characters; at most 32"
	case strings.HasSuffix(t, "="):
		return "ends with base64 padding '='"
	}
	for i, r := range t {
		if r >= utf8.RuneSelf || !webpush.ValidTopic(string(r)) {
			return "holds " + quoteRune(r) + " at offset " + itoa(i) +
				", outside the base64url alphabet"
		}
	}
	return ""
}

func (in *inspection) checkContentEncoding() {
	vals := in.req.Header.Values("Content-Encoding")
	n := len(in.req.Body)
	if n == 0 {
		return // an empty body needs no coding
	}

	var codings []string
	for _, v := range vals {
		for _, c := range strings.Split(v, ",") {
			codings = append(codings, strings.ToLower(strings.TrimSpace(c)))
		}
	}
	switch {
	case len(codings) == 0:
		in.broken("hdr.content_encoding", "absent; the %d-octet body names no content coding", n)
	case len(codings) > 1:
		in.broken("hdr.content_encoding", "%d content codings %q; want exactly one, aes128gcm",
			len(codings), codings)
	case codings[0] == string(webpush.AES128GCM) || codings[0] == string(webpush.AESGCM):
		in.res.Encoding = codings[0]
		in.pass("hdr.content_encoding", "Content-Encoding: %s", codings[0])
	default:
		in.broken("hdr.content_encoding", "Content-Encoding %s is not aes128gcm", short(vals[0]))
	}

	if n <= webpush.MaxBodySize {
		in.pass("body.size", "%d octets, within %d", n, webpush.MaxBodySize)
	} else {
		in.broken("body.size", "%d octets; push services must accept only %d and answer 413 "+
			"above", n, webpush.MaxBodySize)
	}
}

// checkEncrypted judges body.encrypted once the coding has been parsed: a
// body that names no encryption coding, or whose aes128gcm framing does not
// hold and which reads as text, is in the clear.
func (in *inspection) checkEncrypted() {
	n := len(in.req.Body)
	if n == 0 {
		return
	}
	hint := plaintextHint(in.req.Body)
	framed := true
	if f, ok := Worst(in.res.Findings, "ece.header.length"); ok && f.Verdict != Pass {
		framed = false
	}
	switch {
	case in.res.Encoding == "":
		in.broken("body.encrypted", "the %d-octet body has no encryption coding%s, so the "+
			"push service can read it", n, hint)
	case !framed && hint != "":
		in.broken("body.encrypted", "the body is labelled %s but is no %s message%s: it "+
			"looks like plaintext", in.res.Encoding, in.res.Encoding, hint)
	default:
		in.pass("body.encrypted", "encrypted with %s", in.res.Encoding)
	}
}

// plaintextHint quotes the start of a body that looks like text.
func plaintextHint(b []byte) string {
	head := b[:min(len(b), 24)]
	if !utf8.Valid(head) {
		return ""
	}
	for _, c := range head {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			return ""
		}
	}
	return "; it reads " + short(string(head))
}
