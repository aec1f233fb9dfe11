package checks

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pushspec/pushspec/webpush"
)

// A Request is one push request as a push service received it.
type Request struct {
	Method string
	// Target is the path and query the request was sent to, e.g. "/push/abc".
	Target string
	Header http.Header
	Body   []byte
	// ContentLength is the declared Content-Length, or -1 when there was
	// none (a chunked body, or HTTP/2 without the header).
	ContentLength int64
	// Chunked is true for a body sent with Transfer-Encoding: chunked.
	Chunked bool
}

// RequestFrom describes r, whose body has already been read into body.
func RequestFrom(r *http.Request, body []byte) Request {
	chunked := false
	for _, te := range r.TransferEncoding {
		if strings.EqualFold(te, "chunked") {
			chunked = true
		}
	}
	return Request{
		Method:        r.Method,
		Target:        r.URL.RequestURI(),
		Header:        r.Header,
		Body:          body,
		ContentLength: r.ContentLength,
		Chunked:       chunked,
	}
}

// Subscription is what a push service knows of the subscription a request
// is for.
type Subscription struct {
	// Endpoint is the push resource URL handed to the application server.
	Endpoint string
	// Keys are the user agent's private keys. Without them nothing is
	// decrypted and the decryption requirements are not checked.
	Keys *webpush.UserAgentKeys
	// ApplicationServerKey, if non-nil, restricts the subscription to the
	// holder of that VAPID key (RFC 8292 §4).
	ApplicationServerKey []byte
}

// Options are the push service's side of an inspection.
type Options struct {
	// Now is the time the request arrived; zero means time.Now().
	Now time.Time
	// ClockSkew is how far the sender's clock may be off when checking exp.
	ClockSkew time.Duration
	// Profile is the push service whose rules apply; empty means ProfileRFC.
	Profile Profile
	// Signatures, if non-nil, remembers VAPID signatures already verified,
	// so that a token reused for many messages is verified once.
	Signatures *SignatureCache
}

// A Result is what Inspect found.
type Result struct {
	// Findings holds one finding for every requirement that applies.
	Findings []Finding
	// Encoding is the content coding, lower case, when it is one pushspec
	// knows ("aes128gcm" or "aesgcm").
	Encoding string
	// Payload is the decrypted plaintext, when decryption succeeded.
	Payload   []byte
	Decrypted bool

	// What the rules that span messages need (see Inspector).
	Salt     []byte // the salt of the content coding
	KeyID    []byte // the sender's ephemeral ECDH key (keyid or dh)
	Token    string // the VAPID JWT
	VAPIDKey []byte // the decoded k (or p256ecdsa)
	Audience string // the aud claim
	Subject  string // the sub claim
}

// Verdict returns the worst verdict of requirement id in r, and whether
// any finding is about it.
func (r *Result) Verdict(id string) (Verdict, bool) {
	f, ok := Worst(r.Findings, id)
	return f.Verdict, ok
}

// inspection carries one request through the checks.
type inspection struct {
	req      Request
	sub      Subscription
	opt      Options
	endpoint *url.URL
	res      Result
}

// Inspect checks one push request against every requirement that applies
// to it alone. It never panics, whatever the request holds. Rules that span
// messages need an Inspector.
func Inspect(req Request, sub Subscription, opt Options) (res Result) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.Profile == "" {
		opt.Profile = ProfileRFC
	}
	in := &inspection{req: req, sub: sub, opt: opt}
	in.endpoint, _ = url.Parse(sub.Endpoint)
	if in.endpoint == nil {
		in.endpoint = &url.URL{}
	}
	if in.req.Header == nil {
		in.req.Header = http.Header{}
	}

	in.checkMethod()
	in.checkContentLength()
	in.checkTTL()
	in.checkUrgency()
	in.checkTopic()
	in.checkContentEncoding()
	switch in.res.Encoding {
	case string(webpush.AES128GCM):
		in.checkAES128GCM()
	case string(webpush.AESGCM):
		in.checkAESGCM()
	}
	in.checkEncrypted()
	in.checkCryptoKeyForm()
	in.checkVAPID()
	return in.res
}

// add records a finding.
func (in *inspection) add(id string, v Verdict, format string, args ...any) {
	if _, ok := byID[id]; !ok {
		panic("checks: finding for unknown requirement " + id) // a programming error
	}
	in.res.Findings = append(in.res.Findings, Finding{
		Requirement: id, Verdict: v, Detail: fmt.Sprintf(format, args...),
	})
}

func (in *inspection) pass(id, format string, args ...any) { in.add(id, Pass, format, args...) }

// broken records a breach of id, with the verdict the profile gives it.
func (in *inspection) broken(id, format string, args ...any) {
	in.add(id, byID[id].BrokenUnder(in.opt.Profile), format, args...)
}

// short abbreviates a long value for a detail: the first 16 characters.
// short quotes a value for a detail, abbreviating one over 64 characters.
func short(s string) string {
	if r := []rune(s); len(r) > 64 {
		return fmt.Sprintf("%q… (%d characters)", string(r[:48]), len(r))
	}
	return fmt.Sprintf("%q", s)
}

// b64short abbreviates bytes as base64url: enough to tell keys apart.
func b64short(b []byte) string {
	s := webpush.EncodeBase64(b)
	if len(s) > 20 {
		return fmt.Sprintf("%q…", s[:16])
	}
	return fmt.Sprintf("%q", s)
}
