package webpush

import (
	"errors"
	"fmt"
)

// Sentinel errors of decryption. Errors returned by Decrypt and DecryptAESGCM
// wrap one of them, after a prefix that names the failed step.
var (
	// ErrHeader: the aes128gcm header is too short or malformed (RFC 8188 §2.1).
	ErrHeader = errors.New("malformed content-coding header")
	// ErrRecordSize: the record size is invalid or records do not fit it.
	ErrRecordSize = errors.New("invalid record size")
	// ErrKeyID: the keyid is not a 65-octet uncompressed P-256 point (RFC 8291 §4).
	ErrKeyID = errors.New("keyid is not an uncompressed P-256 point")
	// ErrAuthentication: the AEAD tag does not verify: wrong keys, wrong
	// derivation, or a corrupted record.
	ErrAuthentication = errors.New("message authentication failed")
	// ErrDelimiter: a record's padding delimiter is missing or wrong
	// (RFC 8188 §2), or the padding of an aesgcm record is not zero.
	ErrDelimiter = errors.New("bad padding delimiter")
	// ErrTruncated: the body ends before its last record (RFC 8188 §2).
	ErrTruncated = errors.New("message truncated")
)

// A FieldError reports an input that breaks a rule of the protocol. Nothing
// is sent when a Sender returns one.
type FieldError struct {
	Field string // the input, e.g. "topic" or "subscription.keys.p256dh"
	Rule  string // what the field must be
	Ref   string // where the rule is written, e.g. "RFC 8030 §5.4"
	Got   string // the offending value, quoted or summarised; may be empty
}

func (e *FieldError) Error() string {
	s := e.Field + ": " + e.Rule
	if e.Ref != "" {
		s += " (" + e.Ref + ")"
	}
	if e.Got != "" {
		s += "; got " + e.Got
	}
	return s
}

// ErrInvalidInput matches every *FieldError with errors.Is.
var ErrInvalidInput = errors.New("invalid input")

// Is reports whether target is ErrInvalidInput.
func (e *FieldError) Is(target error) bool { return target == ErrInvalidInput }

func fieldErr(field, rule, ref, got string) error {
	return &FieldError{Field: field, Rule: rule, Ref: ref, Got: got}
}

// quote shortens a value for an error message without leaking a long secret.
func quote(s string) string {
	const max = 48
	if len(s) > max {
		return fmt.Sprintf("%q… (%d characters)", s[:max], len(s))
	}
	return fmt.Sprintf("%q", s)
}
