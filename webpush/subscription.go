package webpush

import (
	"crypto/ecdh"
	"crypto/rand"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// AuthSize is the length of a subscription's authentication secret
// (RFC 8291 §3.2).
const AuthSize = 16

// PublicKeySize is the length of an uncompressed P-256 point: 0x04, X, Y.
const PublicKeySize = 65

// A Subscription is what a user agent hands an application server, in the
// shape of the browser's PushSubscription.toJSON().
type Subscription struct {
	Endpoint       string           `json:"endpoint"`
	ExpirationTime *int64           `json:"expirationTime"`
	Keys           SubscriptionKeys `json:"keys"`
}

// SubscriptionKeys are the user agent's public key and authentication
// secret, each base64url encoded.
type SubscriptionKeys struct {
	P256DH string `json:"p256dh"`
	Auth   string `json:"auth"`
}

// A Recipient is a Subscription parsed and validated once, ready to encrypt
// to many times. It is safe for concurrent use.
type Recipient struct {
	Endpoint string
	// Audience is the origin of Endpoint (RFC 6454 §6.1), the VAPID "aud".
	Audience string
	// P256DH is the user agent's ECDH public key, and P256DHBytes its
	// uncompressed encoding.
	P256DH      *ecdh.PublicKey
	P256DHBytes []byte
	// Auth is the 16-octet authentication secret.
	Auth []byte

	url *url.URL // Endpoint parsed, when Recipient made it
}

// Recipient parses and validates s. The errors are *FieldError values that
// name the subscription field and the rule it breaks.
func (s Subscription) Recipient() (*Recipient, error) {
	u, err := url.Parse(s.Endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fieldErr("subscription.endpoint", "must be an absolute http or https URL",
			"RFC 8030 §4", quote(s.Endpoint))
	}

	p256dh, err := DecodeBase64(s.Keys.P256DH)
	if err != nil {
		return nil, fieldErr("subscription.keys.p256dh", "must be base64url",
			"RFC 8291 §3.2", quote(s.Keys.P256DH))
	}
	pub, err := ParsePublicKey(p256dh)
	if err != nil {
		return nil, fieldErr("subscription.keys.p256dh",
			"must be a 65-octet uncompressed P-256 point on the curve", "RFC 8291 §3.2",
			fmt.Sprintf("%d octets", len(p256dh)))
	}

	auth, err := DecodeBase64(s.Keys.Auth)
	if err != nil {
		return nil, fieldErr("subscription.keys.auth", "must be base64url",
			"RFC 8291 §3.2", quote(s.Keys.Auth))
	}
	if len(auth) != AuthSize {
		return nil, fieldErr("subscription.keys.auth", "must be 16 octets", "RFC 8291 §3.2",
			fmt.Sprintf("%d octets", len(auth)))
	}

	return &Recipient{
		Endpoint:    s.Endpoint,
		Audience:    Origin(u),
		P256DH:      pub,
		P256DHBytes: p256dh,
		Auth:        auth,
		url:         u,
	}, nil
}

// ParsePublicKey parses a 65-octet uncompressed P-256 point and checks that
// it lies on the curve.
func ParsePublicKey(b []byte) (*ecdh.PublicKey, error) {
	if len(b) != PublicKeySize || b[0] != 4 {
		return nil, fmt.Errorf("parsing P-256 point: want %d octets starting 0x04, got %d",
			PublicKeySize, len(b))
	}
	return ecdh.P256().NewPublicKey(b)
}

// Origin serializes the origin of u as RFC 6454 §6.1 says: scheme, "://",
// the host in lower case, and ":port" only when the port is not the
// scheme's default. The VAPID "aud" claim must be exactly this string.
func Origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if port == "" || (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		return scheme + "://" + host
	}
	return scheme + "://" + host + ":" + port
}

// UserAgentKeys are the private half of a subscription, held by the user
// agent (or a fake push service standing in for one) to decrypt messages.
type UserAgentKeys struct {
	Private *ecdh.PrivateKey
	Auth    []byte
}

// GenerateUserAgentKeys makes a fresh key pair and authentication secret,
// as a browser does in PushManager.subscribe. A nil rand means crypto/rand.
func GenerateUserAgentKeys(rnd io.Reader) (*UserAgentKeys, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	priv, err := ecdh.P256().GenerateKey(rnd)
	if err != nil {
		return nil, fmt.Errorf("generating user agent key: %w", err)
	}
	auth := make([]byte, AuthSize)
	if _, err := io.ReadFull(rnd, auth); err != nil {
		return nil, fmt.Errorf("generating auth secret: %w", err)
	}
	return &UserAgentKeys{Private: priv, Auth: auth}, nil
}

// Subscription returns the public subscription for endpoint.
func (k *UserAgentKeys) Subscription(endpoint string) Subscription {
	return Subscription{
		Endpoint: endpoint,
		Keys: SubscriptionKeys{
			P256DH: EncodeBase64(k.Private.PublicKey().Bytes()),
			Auth:   EncodeBase64(k.Auth),
		},
	}
}
