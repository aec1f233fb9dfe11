package webpush

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// The legacy "aesgcm" content coding of draft-ietf-webpush-encryption-04 and
// draft-ietf-httpbis-encryption-encoding-03. No RFC defines it, but libraries
// still send it and browsers still decrypt it. The salt travels in the
// Encryption header, the sender's ECDH key in Crypto-Key: dh=, and the body
// is bare records with a 2-octet padding length in front of each plaintext.

const (
	aesgcmAuthInfo  = "Content-Encoding: auth\x00"
	aesgcmCEKInfo   = "Content-Encoding: aesgcm\x00"
	aesgcmNonceInfo = "Content-Encoding: nonce\x00"
	// aesgcmPadSize is the length of the padding-length prefix.
	aesgcmPadSize = 2
	// MaxAESGCMPayloadSize is the largest aesgcm plaintext in a 4096-octet
	// body: 4096 − 16 tag − 2 padding length.
	MaxAESGCMPayloadSize = MaxBodySize - TagSize - aesgcmPadSize
)

// An AESGCMMessage is a message encrypted with the legacy aesgcm coding: the
// body and the values of its Encryption and Crypto-Key headers.
type AESGCMMessage struct {
	Body       []byte
	Salt       []byte // 16 octets, for Encryption: salt=
	DH         []byte // the sender's 65-octet ECDH public key, for Crypto-Key: dh=
	RecordSize int    // 0 or 4096 leave rs out of the Encryption header
}

// EncryptionHeader is the value of the Encryption header.
func (m *AESGCMMessage) EncryptionHeader() string {
	v := "salt=" + EncodeBase64(m.Salt)
	if m.RecordSize != 0 && m.RecordSize != DefaultRecordSize {
		v += ";rs=" + strconv.Itoa(m.RecordSize)
	}
	return v
}

// CryptoKeyHeader is the value of the Crypto-Key header without a VAPID key:
// "dh=…". The draft VAPID scheme appends ";p256ecdsa=…".
func (m *AESGCMMessage) CryptoKeyHeader() string { return "dh=" + EncodeBase64(m.DH) }

// AESGCMKeys derives the content-encryption key and nonce of the legacy
// coding from the ECDH secret, the authentication secret, the salt and both
// public keys (draft-ietf-webpush-encryption-04 §3).
func AESGCMKeys(ecdhSecret, auth, salt, uaPublic, asPublic []byte) (cek, nonce []byte) {
	prk := hmacSHA256(salt, aesgcmIKM(ecdhSecret, auth))
	context := aesgcmContext(uaPublic, asPublic)
	cek = hmacSHA256(prk, []byte(aesgcmCEKInfo), context, []byte{1})[:16]
	nonce = hmacSHA256(prk, []byte(aesgcmNonceInfo), context, []byte{1})[:12]
	return cek, nonce
}

// aesgcmIKM is HKDF(auth, ecdh_secret, "Content-Encoding: auth" 0x00, 32).
func aesgcmIKM(ecdhSecret, auth []byte) []byte {
	return hmacSHA256(hmacSHA256(auth, ecdhSecret), []byte(aesgcmAuthInfo), []byte{1})
}

// aesgcmContext is "P-256" 0x00, then each public key after its 2-octet
// length: user agent first, then application server.
func aesgcmContext(uaPublic, asPublic []byte) []byte {
	context := make([]byte, 0, 6+2+len(uaPublic)+2+len(asPublic))
	context = append(context, "P-256\x00"...)
	context = binary.BigEndian.AppendUint16(context, uint16(len(uaPublic)))
	context = append(context, uaPublic...)
	context = binary.BigEndian.AppendUint16(context, uint16(len(asPublic)))
	return append(context, asPublic...)
}

// EncryptAESGCM encrypts plaintext for r with the legacy aesgcm coding, in
// one record with o.Padding octets of padding.
func EncryptAESGCM(r *Recipient, plaintext []byte, o *EncryptOptions) (*AESGCMMessage, error) {
	if o == nil {
		o = &EncryptOptions{}
	}
	rs := o.RecordSize
	if rs == 0 {
		rs = DefaultRecordSize
	}
	if o.Padding < 0 || o.Padding > 0xffff {
		return nil, fieldErr("padding", "must be 0 to 65535 octets in aesgcm", "",
			fmt.Sprint(o.Padding))
	}
	record := aesgcmPadSize + o.Padding + len(plaintext)
	if record >= rs || record+TagSize > MaxBodySize {
		return nil, fieldErr("payload", fmt.Sprintf("with padding must be at most %d octets "+
			"in one aesgcm record of a %d-octet body", min(rs-1, MaxBodySize-TagSize)-aesgcmPadSize,
			MaxBodySize), "draft-ietf-webpush-encryption-04 §4",
			fmt.Sprintf("%d octets of payload and %d of padding", len(plaintext), o.Padding))
	}

	eph, secret, err := ephemeralSecret(r, o)
	if err != nil {
		return nil, err
	}
	salt, err := saltFor(o)
	if err != nil {
		return nil, err
	}
	asPublic := eph.PublicKey().Bytes()
	cek, nonce := AESGCMKeys(secret, r.Auth, salt, r.P256DHBytes, asPublic)

	gcm, err := newGCM(cek)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 0, record)
	buf = binary.BigEndian.AppendUint16(buf, uint16(o.Padding))
	buf = append(buf, make([]byte, o.Padding)...)
	buf = append(buf, plaintext...)
	body := gcm.Seal(make([]byte, 0, record+TagSize), nonce, buf, nil)

	return &AESGCMMessage{Body: body, Salt: salt, DH: asPublic, RecordSize: o.RecordSize}, nil
}

// DecryptAESGCM decrypts a legacy aesgcm body with the user agent's keys,
// given the salt from the Encryption header, the sender's key from
// Crypto-Key: dh= and the record size (0 means 4096). Errors name the step
// and wrap ErrKeyID, ErrAuthentication, ErrDelimiter or ErrTruncated.
func DecryptAESGCM(ua *UserAgentKeys, body, salt, dh []byte, rs int) ([]byte, error) {
	if rs == 0 {
		rs = DefaultRecordSize
	}
	if rs <= aesgcmPadSize {
		return nil, fmt.Errorf("checking rs: %d is too small for aesgcm: %w", rs, ErrRecordSize)
	}
	if len(salt) != SaltSize {
		return nil, fmt.Errorf("checking salt: %d octets, want 16: %w", len(salt), ErrHeader)
	}
	asPublic, err := ParsePublicKey(dh)
	if err != nil {
		return nil, fmt.Errorf("parsing dh (%d octets): %w", len(dh), ErrKeyID)
	}
	secret, err := ua.Private.ECDH(asPublic)
	if err != nil {
		return nil, fmt.Errorf("computing ECDH secret: %w", err)
	}
	cek, nonce := AESGCMKeys(secret, ua.Auth, salt, ua.Private.PublicKey().Bytes(), dh)
	return OpenAESGCMRecords(cek, nonce, body, rs)
}

// OpenAESGCMRecords decrypts the records of an aesgcm body with record size
// rs and strips each record's padding. Errors name the record and wrap
// ErrAuthentication, ErrDelimiter (bad padding) or ErrTruncated.
func OpenAESGCMRecords(cek, nonce, body []byte, rs int) ([]byte, error) {
	gcm, err := newGCM(cek)
	if err != nil {
		return nil, err
	}
	full := rs + TagSize
	var out, n []byte
	for seq := 0; ; seq++ {
		rec := body
		if len(rec) > full {
			rec = rec[:full]
		}
		body = body[len(rec):]
		if len(rec) < TagSize+aesgcmPadSize {
			return nil, fmt.Errorf("opening record %d: %d octets, a record needs at least %d: %w",
				seq, len(rec), TagSize+aesgcmPadSize, ErrTruncated)
		}

		n = recordNonce(n, nonce, uint64(seq))
		p, err := gcm.Open(nil, n, rec, nil)
		if err != nil {
			return nil, fmt.Errorf("opening record %d: %w", seq, ErrAuthentication)
		}
		data, err := unpadAESGCM(p)
		if err != nil {
			return nil, fmt.Errorf("opening record %d: %w", seq, err)
		}
		out = append(out, data...)

		if len(rec) < full {
			return out, nil
		}
		if len(body) == 0 {
			return nil, fmt.Errorf("opening record %d: the last record is full-sized, so a "+
				"shorter one was expected after it: %w", seq, ErrTruncated)
		}
	}
}

// unpadAESGCM strips the 2-octet padding length and the padding, which must
// be zero octets.
func unpadAESGCM(p []byte) ([]byte, error) {
	pad := int(binary.BigEndian.Uint16(p))
	if aesgcmPadSize+pad > len(p) {
		return nil, fmt.Errorf("padding length %d exceeds the %d octets of the record: %w",
			pad, len(p)-aesgcmPadSize, ErrDelimiter)
	}
	for _, b := range p[aesgcmPadSize : aesgcmPadSize+pad] {
		if b != 0 {
			return nil, fmt.Errorf("padding holds a non-zero octet: %w", ErrDelimiter)
		}
	}
	return p[aesgcmPadSize+pad:], nil
}
