package webpush

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Scheme is how a VAPID token travels: the "vapid" Authorization scheme of
// RFC 8292 §3, or the draft "WebPush" scheme with the key in
// Crypto-Key: p256ecdsa= that older push services and libraries use.
type Scheme string

const (
	SchemeVAPID   Scheme = "vapid"
	SchemeWebPush Scheme = "WebPush"
)

// MaxTokenLifetime is the longest a token may live: exp no more than 24 hours
// after the request (RFC 8292 §2).
const MaxTokenLifetime = 24 * time.Hour

// A VAPIDKey is an application server's ES256 key pair (RFC 8292 §3.2).
type VAPIDKey struct {
	priv      *ecdsa.PrivateKey
	public    []byte
	publicB64 string
}

// GenerateVAPIDKey makes a new P-256 key pair. A nil rand means crypto/rand.
func GenerateVAPIDKey(rnd io.Reader) (*VAPIDKey, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return nil, fmt.Errorf("generating VAPID key: %w", err)
	}
	return newVAPIDKey(priv)
}

// NewVAPIDKey makes a key from its 32-octet private scalar.
func NewVAPIDKey(d []byte) (*VAPIDKey, error) {
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		return nil, fieldErr("vapid private key", "must be a 32-octet P-256 scalar",
			"RFC 8292 §3.2", fmt.Sprintf("%d octets", len(d)))
	}
	return newVAPIDKey(priv)
}

// ParseVAPIDKey decodes a base64url private scalar, the form web-push
// libraries store and print.
func ParseVAPIDKey(private string) (*VAPIDKey, error) {
	d, err := DecodeBase64(private)
	if err != nil {
		return nil, fieldErr("vapid private key", "must be base64url", "RFC 8292 §3.2",
			fmt.Sprintf("%d characters", len(private)))
	}
	return NewVAPIDKey(d)
}

func newVAPIDKey(priv *ecdsa.PrivateKey) (*VAPIDKey, error) {
	pub, err := priv.PublicKey.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encoding VAPID public key: %w", err)
	}
	return &VAPIDKey{priv: priv, public: pub, publicB64: EncodeBase64(pub)}, nil
}

// PublicKey is the 65-octet uncompressed public key: the browser's
// applicationServerKey and the "k" parameter.
func (k *VAPIDKey) PublicKey() []byte { return k.public }

// PublicKeyString is PublicKey as unpadded base64url.
func (k *VAPIDKey) PublicKeyString() string { return k.publicB64 }

// PrivateKeyString is the private scalar as unpadded base64url. It is a
// secret: keep it out of logs.
func (k *VAPIDKey) PrivateKeyString() string {
	d, _ := k.priv.Bytes()
	return EncodeBase64(d)
}

// Claims are the JWT claims of RFC 8292 §2.
type Claims struct {
	Audience string    // "aud": the push resource's origin
	Expiry   time.Time // "exp": at most 24 hours ahead
	Subject  string    // "sub": a mailto: or https: contact; empty leaves it out
}

// jwtHeader is the JOSE header of every token pushspec signs.
const jwtHeader = `{"typ":"JWT","alg":"ES256"}`

var jwtHeaderB64 = EncodeBase64([]byte(jwtHeader))

type claimsJSON struct {
	Aud string `json:"aud"`
	Exp int64  `json:"exp"`
	Sub string `json:"sub,omitempty"`
}

// Sign returns an ES256 JWS compact serialization of c (RFC 8292 §2,
// RFC 7515 §7.1) with a 64-octet R‖S signature (RFC 7518 §3.4).
func (k *VAPIDKey) Sign(c Claims) (string, error) {
	payload, err := json.Marshal(claimsJSON{Aud: c.Audience, Exp: c.Expiry.Unix(), Sub: c.Subject})
	if err != nil {
		return "", fmt.Errorf("encoding claims: %w", err)
	}
	var sb strings.Builder
	sb.Grow(len(jwtHeaderB64) + 1 + b64.EncodedLen(len(payload)) + 1 + 86)
	sb.WriteString(jwtHeaderB64)
	sb.WriteByte('.')
	sb.WriteString(EncodeBase64(payload))

	digest := sha256.Sum256([]byte(sb.String()))
	der, err := ecdsa.SignASN1(rand.Reader, k.priv, digest[:])
	if err != nil {
		return "", fmt.Errorf("signing token: %w", err)
	}
	var sig [64]byte
	if !derToRS(sig[:], der) {
		return "", fmt.Errorf("signing token: crypto/ecdsa returned a malformed signature")
	}
	sb.WriteByte('.')
	sb.WriteString(EncodeBase64(sig[:]))
	return sb.String(), nil
}

// AuthorizationHeader is the value of the Authorization header for token
// and public key k in scheme s. For SchemeWebPush the key goes in
// Crypto-Key: p256ecdsa= instead.
func AuthorizationHeader(s Scheme, token, k string) string {
	if s == SchemeWebPush {
		return "WebPush " + token
	}
	return "vapid t=" + token + ", k=" + k
}

// A Token is a parsed JWS compact serialization.
type Token struct {
	Header       map[string]any
	Claims       map[string]any
	Signature    []byte
	SigningInput string // header.payload, what the signature covers
}

// Sentinel errors of token verification.
var (
	ErrTokenFormat    = errors.New("malformed token")
	ErrTokenSignature = errors.New("signature does not verify")
	ErrTokenClaims    = errors.New("claims do not hold")
)

// ParseToken splits and decodes a JWS compact serialization. It is strict
// about the form (three unpadded base64url parts, JSON objects) and says
// which part is wrong; it does not verify the signature.
func ParseToken(t string) (*Token, error) {
	parts := strings.Split(t, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("splitting token: %d parts, want 3: %w", len(parts), ErrTokenFormat)
	}
	raw := make([][]byte, 3)
	for i, name := range []string{"header", "payload", "signature"} {
		b, err := b64.Strict().DecodeString(parts[i])
		if err != nil {
			return nil, fmt.Errorf("decoding %s: not unpadded base64url: %w", name, ErrTokenFormat)
		}
		raw[i] = b
	}
	tok := &Token{Signature: raw[2], SigningInput: parts[0] + "." + parts[1]}
	if err := json.Unmarshal(raw[0], &tok.Header); err != nil || tok.Header == nil {
		return nil, fmt.Errorf("decoding header: not a JSON object: %w", ErrTokenFormat)
	}
	if err := json.Unmarshal(raw[1], &tok.Claims); err != nil || tok.Claims == nil {
		return nil, fmt.Errorf("decoding payload: not a JSON object: %w", ErrTokenFormat)
	}
	return tok, nil
}

// VerifySignature checks the ES256 signature with the 65-octet public key k.
// The signature must be the 64-octet R‖S form of RFC 7518 §3.4.
func (t *Token) VerifySignature(k []byte) error {
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), k)
	if err != nil {
		return fmt.Errorf("parsing key: not an uncompressed P-256 point: %w", ErrTokenSignature)
	}
	if len(t.Signature) != 64 {
		return fmt.Errorf("checking signature: %d octets, want 64 (R‖S): %w",
			len(t.Signature), ErrTokenSignature)
	}
	digest := sha256.Sum256([]byte(t.SigningInput))
	if !ecdsaVerifyRS(pub, digest[:], t.Signature) {
		return fmt.Errorf("checking signature: %w", ErrTokenSignature)
	}
	return nil
}

// VerifyToken verifies a VAPID token as a push service does (RFC 8292 §4.2):
// ES256 signature by k, aud equal to audience, exp after now and no more
// than 24 hours ahead. It returns the claims.
func VerifyToken(token string, k []byte, audience string, now time.Time) (Claims, error) {
	t, err := ParseToken(token)
	if err != nil {
		return Claims{}, err
	}
	if alg, _ := t.Header["alg"].(string); alg != "ES256" {
		return Claims{}, fmt.Errorf("checking alg: %q, want ES256: %w", alg, ErrTokenFormat)
	}
	if err := t.VerifySignature(k); err != nil {
		return Claims{}, err
	}

	aud, _ := t.Claims["aud"].(string)
	exp, ok := t.Claims["exp"].(float64)
	sub, _ := t.Claims["sub"].(string)
	c := Claims{Audience: aud, Expiry: time.Unix(int64(exp), 0), Subject: sub}
	switch {
	case aud != audience:
		return c, fmt.Errorf("checking aud: %q, want %q: %w", aud, audience, ErrTokenClaims)
	case !ok:
		return c, fmt.Errorf("checking exp: missing or not a number: %w", ErrTokenClaims)
	case !c.Expiry.After(now):
		return c, fmt.Errorf("checking exp: expired at %s: %w", c.Expiry.UTC(), ErrTokenClaims)
	case c.Expiry.Sub(now) > MaxTokenLifetime:
		return c, fmt.Errorf("checking exp: %s is more than 24 hours ahead: %w",
			c.Expiry.UTC(), ErrTokenClaims)
	}
	return c, nil
}

// ecdsaVerifyRS verifies a 64-octet R‖S signature (RFC 7518 §3.4), as
// crypto/ecdsa's DER form, which spares converting through big.Int.
func ecdsaVerifyRS(pub *ecdsa.PublicKey, digest, sig []byte) bool {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addASN1Unsigned(b, sig[:32])
		addASN1Unsigned(b, sig[32:])
	})
	der, err := b.Bytes()
	return err == nil && ecdsa.VerifyASN1(pub, digest, der)
}

// addASN1Unsigned adds the big-endian unsigned integer n as a DER INTEGER:
// leading zeros dropped, a zero octet added when the high bit is set.
func addASN1Unsigned(b *cryptobyte.Builder, n []byte) {
	for len(n) > 1 && n[0] == 0 {
		n = n[1:]
	}
	b.AddASN1(asn1.INTEGER, func(b *cryptobyte.Builder) {
		if n[0]&0x80 != 0 {
			b.AddUint8(0)
		}
		b.AddBytes(n)
	})
}

// derToRS writes the DER ECDSA signature's r and s into sig as two
// 32-octet big-endian integers. It reports false for anything but a
// SEQUENCE of two non-negative INTEGERs that fit 32 octets.
func derToRS(sig, der []byte) bool {
	in := cryptobyte.String(der)
	var seq, r, s cryptobyte.String
	if !in.ReadASN1(&seq, asn1.SEQUENCE) || !in.Empty() ||
		!seq.ReadASN1(&r, asn1.INTEGER) || !seq.ReadASN1(&s, asn1.INTEGER) || !seq.Empty() {
		return false
	}
	return fillUnsigned(sig[:32], r) && fillUnsigned(sig[32:], s)
}

func fillUnsigned(dst, n []byte) bool {
	if len(n) == 0 || n[0]&0x80 != 0 {
		return false
	}
	for len(n) > 0 && n[0] == 0 {
		n = n[1:]
	}
	if len(n) > len(dst) {
		return false
	}
	clear(dst[:len(dst)-len(n)])
	copy(dst[len(dst)-len(n):], n)
	return true
}
