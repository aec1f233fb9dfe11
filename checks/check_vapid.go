package checks

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/pushspec/pushspec/webpush"
)

// The VAPID requirements (RFC 8292).

func (in *inspection) checkVAPID() {
	restricted := in.sub.ApplicationServerKey != nil
	auths := in.req.Header.Values("Authorization")
	if len(auths) == 0 {
		if restricted {
			in.broken("vapid.present", "no Authorization header, but the subscription was made "+
				"with an applicationServerKey: the service answers 401")
		}
		return
	}
	scheme, rest, _ := strings.Cut(strings.TrimSpace(auths[0]), " ")
	in.pass("vapid.present", "Authorization: %s …", short(scheme))

	var t, k string
	var ok bool
	switch strings.ToLower(scheme) {
	case "vapid":
		in.pass("vapid.scheme", "scheme vapid")
		t, k, ok = in.vapidParams(auths, rest)
	case "webpush":
		in.add("vapid.scheme", Warn, "the draft scheme WebPush with Crypto-Key: p256ecdsa; "+
			"RFC 8292 §3 defines \"vapid t=…, k=…\"")
		t, k, ok = in.webPushParams(auths, rest)
	default:
		in.broken("vapid.scheme", "scheme %s is not vapid, so the service sees no VAPID "+
			"credentials", short(scheme))
		return
	}
	if !ok {
		return
	}

	kBytes, kPoint := in.checkK(k)
	in.res.Token, in.res.VAPIDKey = t, kBytes
	if restricted {
		if bytes.Equal(kBytes, in.sub.ApplicationServerKey) {
			in.pass("vapid.k.matches_subscription", "k is the subscription's "+
				"applicationServerKey")
		} else {
			in.broken("vapid.k.matches_subscription", "k is %s, but the subscription was made "+
				"with applicationServerKey %s", abbreviate(k),
				b64short(in.sub.ApplicationServerKey))
		}
	}
	if in.res.KeyID != nil {
		if bytes.Equal(kBytes, in.res.KeyID) {
			in.broken("vapid.k.differs_from_keyid", "k is the message's ECDH key; the signing "+
				"key must be a separate, long-lived key")
		} else {
			in.pass("vapid.k.differs_from_keyid", "k differs from the message's ECDH key")
		}
	}
	in.checkToken(t, kPoint)
}

// vapidParams reads t and k from the parameters of the vapid scheme.
func (in *inspection) vapidParams(auths []string, rest string) (t, k string, ok bool) {
	const id = "vapid.header.syntax"
	if len(auths) > 1 {
		in.broken(id, "%d Authorization fields; want one", len(auths))
		return "", "", false
	}
	entries, err := parseParams(rest)
	if err != nil {
		in.broken(id, "the parameters do not parse: %v", err)
		return "", "", false
	}
	ts, ks := values(entries, "t"), values(entries, "k")
	if len(ts) != 1 || len(ks) != 1 {
		in.broken(id, "want t and k once each; found t ×%d and k ×%d", len(ts), len(ks))
		return "", "", false
	}
	in.pass(id, "t and k each appear once")
	return ts[0], ks[0], true
}

// webPushParams reads the token of the draft WebPush scheme and the key from
// Crypto-Key: p256ecdsa.
func (in *inspection) webPushParams(auths []string, rest string) (t, k string, ok bool) {
	const id = "vapid.header.syntax"
	t = strings.TrimSpace(rest)
	entries, err := parseHeaderParams(in.req.Header.Values("Crypto-Key"))
	keys := values(entries, "p256ecdsa")
	switch {
	case len(auths) > 1:
		in.broken(id, "%d Authorization fields; want one", len(auths))
	case t == "" || strings.ContainsAny(t, " ,"):
		in.broken(id, "WebPush wants one token after the scheme, got %s", short(rest))
	case err != nil:
		in.broken(id, "Crypto-Key does not parse: %v", err)
	case len(keys) != 1:
		in.broken(id, "Crypto-Key has %d p256ecdsa parameters; the WebPush scheme needs one",
			len(keys))
	default:
		in.pass(id, "a WebPush token and one Crypto-Key p256ecdsa")
		return t, keys[0], true
	}
	return "", "", false
}

// checkK checks the encoding and the point of k, and returns its bytes and,
// when it is a valid point, the key.
func (in *inspection) checkK(k string) ([]byte, *ecdsa.PublicKey) {
	if webpush.IsStrictBase64URL(k) {
		in.pass("vapid.k.encoding", "k is unpadded base64url")
	} else {
		in.broken("vapid.k.encoding", "k %s is not unpadded base64url%s", short(k),
			encodingHint(k))
	}

	kBytes, err := webpush.DecodeBase64(k)
	if err != nil {
		in.broken("vapid.k.point", "k does not decode at all")
		return nil, nil
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), kBytes)
	switch {
	case err == nil:
		in.pass("vapid.k.point", "k is a P-256 point")
		return kBytes, pub
	case len(kBytes) == 91:
		in.broken("vapid.k.point", "k is 91 octets, the size of a DER SubjectPublicKeyInfo; k "+
			"is the raw 65-octet point")
	case len(kBytes) == 33:
		in.broken("vapid.k.point", "k is a 33-octet compressed point; k must be uncompressed "+
			"(65 octets, 0x04 first)")
	case len(kBytes) == 32:
		in.broken("vapid.k.point", "k is 32 octets: the private key was sent where the public "+
			"key belongs")
	case len(kBytes) != 65 || kBytes[0] != 4:
		in.broken("vapid.k.point", "k is %d octets; want 65 starting with 0x04", len(kBytes))
	default:
		in.broken("vapid.k.point", "k is not a point on the P-256 curve")
	}
	return kBytes, nil
}

var jwsPart = []string{"header", "payload", "signature"}

// checkToken checks the JWT: its encoding, header, signature and claims.
func (in *inspection) checkToken(t string, k *ecdsa.PublicKey) {
	parts := strings.Split(t, ".")
	if len(parts) != 3 {
		in.broken("vapid.t.encoding", "t has %d dot-separated parts; a JWS has 3", len(parts))
		return
	}
	raw := make([][]byte, 3)
	for i, p := range parts {
		b, err := base64.RawURLEncoding.Strict().DecodeString(p)
		if err != nil || p == "" {
			in.broken("vapid.t.encoding", "the JWS %s is not unpadded base64url%s", jwsPart[i],
				encodingHint(p))
			return
		}
		raw[i] = b
	}
	in.pass("vapid.t.encoding", "three unpadded base64url parts")

	var header map[string]any
	if err := json.Unmarshal(raw[0], &header); err != nil || header == nil {
		in.broken("vapid.jwt.alg", "the JOSE header is not a JSON object")
	} else if alg, _ := header["alg"].(string); alg != "ES256" {
		in.broken("vapid.jwt.alg", "alg is %s, want \"ES256\"", jsonShort(header["alg"]))
	} else {
		in.pass("vapid.jwt.alg", "alg ES256")
	}

	in.checkSignature(parts[0]+"."+parts[1], raw[2], k)
	in.checkClaims(raw[1])
}

func (in *inspection) checkSignature(signingInput string, sig []byte, k *ecdsa.PublicKey) {
	der := isDERSignature(sig)
	switch {
	case len(sig) == 64:
		in.pass("vapid.jwt.sig_format", "64-octet R‖S")
	case der:
		in.broken("vapid.jwt.sig_format", "the signature is %d octets of DER (an ASN.1 "+
			"SEQUENCE of r and s); ES256 in JWS is the 64-octet R‖S of RFC 7518 §3.4", len(sig))
	default:
		in.broken("vapid.jwt.sig_format", "the signature is %d octets; ES256 is 64", len(sig))
	}

	if k == nil {
		in.broken("vapid.jwt.signature", "cannot verify: k is not a P-256 key")
		return
	}
	digest := sha256.Sum256([]byte(signingInput))
	switch {
	case len(sig) == 64:
		if in.opt.Signatures.verify(k, digest[:], sig) {
			in.pass("vapid.jwt.signature", "the signature verifies with k")
		} else {
			in.broken("vapid.jwt.signature", "the signature does not verify with k: signed "+
				"with another key, or over other bytes")
		}
	case der && ecdsa.VerifyASN1(k, digest[:], sig):
		in.broken("vapid.jwt.signature", "as sent, the signature does not verify; read as DER "+
			"it would, so only its format is wrong")
	default:
		in.broken("vapid.jwt.signature", "the %d-octet signature does not verify with k",
			len(sig))
	}
}

func isDERSignature(sig []byte) bool {
	var v struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(sig, &v)
	return err == nil && len(rest) == 0 && v.R != nil && v.S != nil
}

func (in *inspection) checkClaims(payload []byte) {
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil || claims == nil {
		in.broken("vapid.aud.origin", "the JWT claims are not a JSON object")
		in.broken("vapid.exp.present", "the JWT claims are not a JSON object")
		return
	}
	in.checkAudience(claims["aud"])
	in.checkExpiry(claims)
	in.checkSubject(claims)
}

func (in *inspection) checkAudience(v any) {
	const id = "vapid.aud.origin"
	want := webpush.Origin(in.endpoint)
	aud, isString := v.(string)
	in.res.Audience = aud
	switch {
	case v == nil:
		in.broken(id, "no aud claim; want %q", want)
	case !isString:
		in.broken(id, "aud is %s, want the string %q", jsonShort(v), want)
	case aud == want:
		in.pass(id, "aud %q is the endpoint's origin", aud)
	case aud == want+"/":
		in.broken(id, "aud %q has a trailing slash; the origin is %q", aud, want)
	case strings.HasPrefix(aud, want+"/"):
		in.broken(id, "aud %s includes the path; the origin is %q", short(aud), want)
	case strings.EqualFold(aud, want):
		in.broken(id, "aud %q is not in lower case; the origin is %q (RFC 6454 §6.1)", aud, want)
	default:
		u, err := url.Parse(aud)
		if err == nil && u.Host != "" && webpush.Origin(u) == want {
			in.broken(id, "aud %q names the origin in a non-canonical form: the default port "+
				"and upper case are left out; want %q", aud, want)
		} else {
			in.broken(id, "aud is %s, want %q", short(aud), want)
		}
	}
}

func (in *inspection) checkExpiry(claims map[string]any) {
	v, present := claims["exp"]
	if !present {
		in.broken("vapid.exp.present", "no exp claim")
		return
	}
	in.pass("vapid.exp.present", "exp present")
	exp, isNumber := v.(float64)
	if !isNumber {
		in.broken("vapid.exp.type", "exp is %s, want a JSON number (NumericDate)", jsonShort(v))
		return
	}
	in.pass("vapid.exp.type", "exp is a number")

	now := float64(in.opt.Now.UnixNano()) / 1e9
	skew := in.opt.ClockSkew.Seconds()
	ahead := exp - now
	max := webpush.MaxTokenLifetime.Seconds()
	if ahead > max+skew {
		in.broken("vapid.exp.max24h", "exp is %s after the request; at most 24h", seconds(ahead))
	} else {
		in.pass("vapid.exp.max24h", "exp is %s after the request", seconds(ahead))
	}
	if ahead <= -skew {
		in.broken("vapid.exp.expired", "exp %s is %s before the request", expString(exp),
			seconds(-ahead))
	} else {
		in.pass("vapid.exp.expired", "exp is in the future")
	}
}

// seconds renders a span of seconds for a detail, whatever its size.
func seconds(s float64) string {
	if math.IsNaN(s) || math.Abs(s) > 9e9 {
		return fmt.Sprintf("%.3gs", s)
	}
	return (time.Duration(s) * time.Second).String()
}

func expString(exp float64) string {
	if math.Abs(exp) > 1e12 {
		return fmt.Sprintf("%.0f", exp)
	}
	return time.Unix(int64(exp), 0).UTC().Format(time.RFC3339)
}

func (in *inspection) checkSubject(claims map[string]any) {
	v, present := claims["sub"]
	if !present {
		in.broken("vapid.sub.absent", "no sub claim: the push service has no contact for this "+
			"application server")
		return
	}
	in.pass("vapid.sub.absent", "sub present")
	sub, isString := v.(string)
	in.res.Subject = sub
	if !isString {
		in.broken("vapid.sub.syntax", "sub is %s, want a mailto: or https: URI string",
			jsonShort(v))
		return
	}
	if err := webpush.CheckSubject(sub); err != nil {
		in.broken("vapid.sub.syntax", "sub %s: %v", short(sub), err)
		return
	}
	in.pass("vapid.sub.syntax", "sub %s", short(sub))

	if host := contactHost(sub); reservedHost(host) {
		in.broken("vapid.sub.contact", "sub %s names %q, which reaches no one", short(sub), host)
	} else {
		in.pass("vapid.sub.contact", "sub names %q", host)
	}
}

// contactHost is the domain of a mailto: subject or the host of an https: one.
func contactHost(sub string) string {
	if strings.HasPrefix(strings.ToLower(sub), "mailto:") {
		addr, _, _ := strings.Cut(sub[len("mailto:"):], "?")
		if unescaped, err := url.PathUnescape(addr); err == nil {
			addr = unescaped
		}
		return strings.ToLower(addr[strings.LastIndexByte(addr, '@')+1:])
	}
	u, err := url.Parse(sub)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// reservedHost reports whether host is localhost or in a reserved domain
// (RFC 2606, RFC 6761, RFC 6762) that no mail or web server answers for.
func reservedHost(host string) bool {
	host = strings.TrimSuffix(host, ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	for _, d := range []string{"invalid", "test", "example", "local", "example.com",
		"example.net", "example.org"} {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// jsonShort renders a decoded JSON value with its type for a detail.
func jsonShort(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "the string " + short(x)
	case float64:
		return fmt.Sprintf("the number %g", x)
	case bool:
		return fmt.Sprintf("the boolean %t", x)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// abbreviate quotes the start of a key as it was sent.
func abbreviate(s string) string {
	if len(s) > 20 {
		return fmt.Sprintf("%q…", s[:16])
	}
	return fmt.Sprintf("%q", s)
}
