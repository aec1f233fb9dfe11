package webpush

import (
	"fmt"
	"strings"
)

// Urgency is the RFC 8030 §5.3 Urgency header value.
type Urgency string

const (
	UrgencyVeryLow Urgency = "very-low"
	UrgencyLow     Urgency = "low"
	UrgencyNormal  Urgency = "normal"
	UrgencyHigh    Urgency = "high"
)

// Valid reports whether u is one of the four urgencies of RFC 8030 §5.3.
// ABNF strings are case-insensitive (RFC 5234 §2.3), so "HIGH" is valid.
func (u Urgency) Valid() bool {
	switch Urgency(strings.ToLower(string(u))) {
	case UrgencyVeryLow, UrgencyLow, UrgencyNormal, UrgencyHigh:
		return true
	}
	return false
}

// Encoding is a content coding of the message body.
type Encoding string

const (
	// AES128GCM is the coding of RFC 8188 and RFC 8291.
	AES128GCM Encoding = "aes128gcm"
	// AESGCM is the legacy coding of draft-ietf-webpush-encryption-04.
	AESGCM Encoding = "aesgcm"
)

// MaxTopicLength is the longest Topic allowed (RFC 8030 §5.4).
const MaxTopicLength = 32

// ValidTopic reports whether t is a valid Topic: 1 to 32 characters of the
// URL- and filename-safe base64 alphabet, no padding (RFC 8030 §5.4).
func ValidTopic(t string) bool {
	if t == "" || len(t) > MaxTopicLength {
		return false
	}
	for i := 0; i < len(t); i++ {
		if !isBase64URLChar(t[i]) {
			return false
		}
	}
	return true
}

func isBase64URLChar(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_'
}

// checkMessage refuses a message whose headers would break RFC 8030.
func checkMessage(m *Message) error {
	if m.TTL < 0 {
		return fieldErr("ttl", "must be a non-negative number of seconds", "RFC 8030 §5.2",
			fmt.Sprint(m.TTL))
	}
	if m.Urgency != "" && !m.Urgency.Valid() {
		return fieldErr("urgency", "must be very-low, low, normal or high", "RFC 8030 §5.3",
			quote(string(m.Urgency)))
	}
	if m.Topic != "" && !ValidTopic(m.Topic) {
		return fieldErr("topic",
			"must be 1 to 32 characters of the base64url alphabet, without padding",
			"RFC 8030 §5.4", quote(m.Topic))
	}
	switch m.Encoding {
	case "", AES128GCM, AESGCM:
	default:
		return fieldErr("encoding", "must be aes128gcm or aesgcm", "RFC 8291 §4",
			quote(string(m.Encoding)))
	}
	return nil
}

// CheckSubject reports whether sub is a VAPID contact as RFC 8292 §2.1 asks:
// one mailto: URI with one address (RFC 6068), or an https: URI with a host.
// It returns nil for a valid subject and an error that says why otherwise.
func CheckSubject(sub string) error {
	lower := strings.ToLower(sub)
	switch {
	case strings.HasPrefix(lower, "mailto:"):
		return checkMailto(sub[len("mailto:"):])
	case strings.HasPrefix(lower, "https:"):
		return checkHTTPS(sub)
	}
	return fmt.Errorf("must start with mailto: or https:")
}
