package webpush

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
)

// Sizes of the aes128gcm content coding (RFC 8188, RFC 8291 §4).
const (
	// DefaultRecordSize is the rs pushspec writes unless told otherwise.
	DefaultRecordSize = 4096
	// MinRecordSize is the smallest valid rs (RFC 8188 §2.1).
	MinRecordSize = 18
	// SaltSize is the length of the salt in the header.
	SaltSize = 16
	// HeaderSize is the length of a Web Push aes128gcm header: salt, rs,
	// idlen and a 65-octet keyid.
	HeaderSize = SaltSize + 4 + 1 + PublicKeySize
	// TagSize is the length of the AES-GCM authentication tag.
	TagSize = 16
	// MaxBodySize is the body a push service must accept (RFC 8030 §7.2).
	MaxBodySize = 4096
	// MaxPayloadSize is the largest plaintext that fits a MaxBodySize body in
	// one record: 4096 − 86 header − 1 delimiter − 16 tag (RFC 8291 §4).
	MaxPayloadSize = MaxBodySize - HeaderSize - 1 - TagSize
)

const (
	keyInfoPrefix = "WebPush: info\x00"
	cekInfo       = "Content-Encoding: aes128gcm\x00\x01"
	nonceInfo     = "Content-Encoding: nonce\x00\x01"
)

// EncryptOptions tune Encrypt and EncryptAESGCM. The zero value (or nil)
// encrypts as RFC 8291 asks: a fresh salt and ephemeral key, rs 4096, no
// padding.
type EncryptOptions struct {
	// RecordSize is the rs header field; 0 means DefaultRecordSize.
	RecordSize int
	// Padding is the number of zero octets added after the delimiter.
	Padding int

	// Salt and Ephemeral, if non-nil, replace the fresh salt and ephemeral
	// ECDH key that every message must have (RFC 8188 §2.1, RFC 8291 §3.1).
	// They exist for known-answer tests and for building faulty messages.
	Salt      []byte
	Ephemeral *ecdh.PrivateKey
	// Rand is the source of salts and keys; nil means crypto/rand.
	Rand io.Reader
}

func (o *EncryptOptions) rand() io.Reader {
	if o == nil || o.Rand == nil {
		return rand.Reader
	}
	return o.Rand
}

// Header is the aes128gcm content-coding header (RFC 8188 §2.1).
type Header struct {
	Salt       []byte
	RecordSize uint32
	KeyID      []byte
}

// Append appends the encoded header to dst.
func (h Header) Append(dst []byte) []byte {
	dst = append(dst, h.Salt...)
	dst = binary.BigEndian.AppendUint32(dst, h.RecordSize)
	dst = append(dst, byte(len(h.KeyID)))
	return append(dst, h.KeyID...)
}

// ParseHeader splits an aes128gcm body into its header and its records.
// Errors wrap ErrHeader or ErrRecordSize.
func ParseHeader(body []byte) (Header, []byte, error) {
	const fixed = SaltSize + 4 + 1
	if len(body) < fixed {
		return Header{}, nil, fmt.Errorf("parsing header: body is %d octets, the header alone "+
			"needs at least %d: %w", len(body), fixed, ErrHeader)
	}
	idlen := int(body[fixed-1])
	if len(body) < fixed+idlen {
		return Header{}, nil, fmt.Errorf("parsing header: idlen is %d but only %d octets follow: %w",
			idlen, len(body)-fixed, ErrHeader)
	}
	h := Header{
		Salt:       body[:SaltSize],
		RecordSize: binary.BigEndian.Uint32(body[SaltSize : SaltSize+4]),
		KeyID:      body[fixed : fixed+idlen],
	}
	if h.RecordSize < MinRecordSize {
		return h, nil, fmt.Errorf("parsing header: rs is %d, below the minimum %d: %w",
			h.RecordSize, MinRecordSize, ErrRecordSize)
	}
	return h, body[fixed+idlen:], nil
}

// WebPushIKM derives the input keying material of RFC 8291 §3.3 from the
// ECDH secret, the authentication secret and both public keys: one HKDF
// extract with auth as salt, one expand with "WebPush: info" as info.
func WebPushIKM(ecdhSecret, auth, uaPublic, asPublic []byte) []byte {
	sc := getScratch()
	defer putScratch(sc)
	var prkKey, ikm [32]byte
	prkKey, sc.buf = hmacInto(sc.buf, auth, ecdhSecret)
	ikm, sc.buf = hmacInto(sc.buf, prkKey[:], keyInfoPrefixBytes, uaPublic, asPublic, one)
	return ikm[:]
}

// keyInfo is the HKDF info of RFC 8291 §3.4: "WebPush: info" 0x00 ua as.
func keyInfo(uaPublic, asPublic []byte) []byte {
	info := make([]byte, 0, len(keyInfoPrefix)+len(uaPublic)+len(asPublic))
	info = append(info, keyInfoPrefix...)
	info = append(info, uaPublic...)
	return append(info, asPublic...)
}

// DeriveContentKeys derives the 16-octet content-encryption key and the
// 12-octet nonce from the IKM and salt (RFC 8188 §2.2, §2.3).
func DeriveContentKeys(ikm, salt []byte) (cek, nonce []byte) {
	sc := getScratch()
	defer putScratch(sc)
	var prk [32]byte
	prk, sc.buf = sc.contentPRK(ikm, salt)
	sc.expand(prk[:])
	return append([]byte(nil), sc.cek[:]...), append([]byte(nil), sc.nonce[:]...)
}

func newGCM(cek []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, fmt.Errorf("creating AES cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// recordNonce is the nonce of record seq: the base nonce XOR seq, as a
// 96-bit big-endian integer (RFC 8188 §2.3).
func recordNonce(dst, nonce []byte, seq uint64) []byte {
	dst = append(dst[:0], nonce...)
	if seq == 0 {
		return dst
	}
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], seq)
	for i := range s {
		dst[4+i] ^= s[i]
	}
	return dst
}

// SealRecords appends to dst the records of plaintext for record size rs:
// every record but the last carries rs−17 octets and delimiter 0x01; the
// last carries the rest, delimiter 0x02 and padding zero octets, which must
// fit in it. This is RFC 8188 in general; Web Push uses one record.
// Each record is sealed in place in dst, which grows once.
func SealRecords(dst, cek, nonce []byte, rs int, plaintext []byte, padding int) ([]byte, error) {
	if rs < MinRecordSize {
		return nil, fmt.Errorf("sealing records: rs %d is below %d: %w", rs, MinRecordSize,
			ErrRecordSize)
	}
	per := rs - TagSize - 1
	records := len(plaintext)/per + 1
	if len(plaintext)%per == 0 && len(plaintext) > 0 {
		records--
	}
	last := len(plaintext) - (records-1)*per
	if last+1+padding+TagSize > rs {
		return nil, fmt.Errorf("sealing records: %d octets of padding do not fit the "+
			"last record of rs %d: %w", padding, rs, ErrRecordSize)
	}
	gcm, err := newGCM(cek)
	if err != nil {
		return nil, fmt.Errorf("sealing records: %w", err)
	}

	dst = slices.Grow(dst, len(plaintext)+records*(1+TagSize)+padding)
	var n [12]byte
	for seq := 0; seq < records; seq++ {
		chunk := plaintext[:min(per, len(plaintext))]
		plaintext = plaintext[len(chunk):]
		start := len(dst)
		dst = append(dst, chunk...)
		if seq < records-1 {
			dst = append(dst, 1)
		} else {
			dst = append(dst, 2)
			dst = append(dst, make([]byte, padding)...)
		}
		dst = gcm.Seal(dst[:start], recordNonce(n[:0], nonce, uint64(seq)), dst[start:], nil)
	}
	return dst, nil
}

// OpenRecords decrypts the records of an aes128gcm body with record size rs
// and returns the plaintext without delimiters and padding. Errors name the
// record and wrap ErrAuthentication, ErrDelimiter, ErrTruncated or
// ErrRecordSize.
func OpenRecords(cek, nonce, records []byte, rs uint32) ([]byte, error) {
	if rs < MinRecordSize {
		return nil, fmt.Errorf("opening records: rs %d is below %d: %w", rs, MinRecordSize,
			ErrRecordSize)
	}
	gcm, err := newGCM(cek)
	if err != nil {
		return nil, fmt.Errorf("opening records: %w", err)
	}

	var out, n []byte
	for seq := 0; ; seq++ {
		rec := records
		last := uint64(len(rec)) <= uint64(rs)
		if !last {
			rec = rec[:rs]
		}
		records = records[len(rec):]
		if len(rec) < TagSize+1 {
			return nil, fmt.Errorf("opening record %d: %d octets, a record needs at least %d: %w",
				seq, len(rec), TagSize+1, ErrTruncated)
		}

		n = recordNonce(n, nonce, uint64(seq))
		start := len(out)
		out, err = gcm.Open(out, n, rec, nil)
		if err != nil {
			return nil, fmt.Errorf("opening record %d: %w", seq, ErrAuthentication)
		}

		data, delim, err := unpadRecord(out[start:])
		if err != nil {
			return nil, fmt.Errorf("opening record %d: %w", seq, err)
		}
		switch {
		case last && delim == 1:
			return nil, fmt.Errorf("opening record %d: the last record has delimiter 0x01, "+
				"so more records were expected: %w", seq, ErrTruncated)
		case !last && delim == 2:
			return nil, fmt.Errorf("opening record %d: delimiter 0x02 ends the message but "+
				"%d octets follow: %w", seq, len(records), ErrDelimiter)
		}
		out = out[:start+len(data)]
		if last {
			return out, nil
		}
	}
}

// unpadRecord strips the zero padding and the delimiter from a decrypted
// record and returns the data and the delimiter.
func unpadRecord(p []byte) ([]byte, byte, error) {
	i := len(p) - 1
	for i >= 0 && p[i] == 0 {
		i--
	}
	if i < 0 {
		return nil, 0, fmt.Errorf("the record is all zero octets, no delimiter: %w",
			ErrDelimiter)
	}
	if d := p[i]; d != 1 && d != 2 {
		return nil, 0, fmt.Errorf("the octet before the padding is 0x%02x, want delimiter "+
			"0x01 or 0x02: %w", d, ErrDelimiter)
	}
	return p[:i], p[i], nil
}

// Encrypt encrypts plaintext for r with the aes128gcm content coding of
// RFC 8291 and returns the message body: header and one record.
func Encrypt(r *Recipient, plaintext []byte, o *EncryptOptions) ([]byte, error) {
	return AppendEncrypt(nil, r, plaintext, o)
}

// AppendEncrypt is Encrypt appending the body to dst, for callers that reuse
// buffers. Per message it makes one ephemeral key, one ECDH secret, the
// five HMACs of the key derivation and one AES-GCM seal, and it allocates
// only the body (when dst is short), the keys and the cipher.
func AppendEncrypt(dst []byte, r *Recipient, plaintext []byte, o *EncryptOptions) ([]byte, error) {
	rs, padding := DefaultRecordSize, 0
	if o != nil {
		if o.RecordSize != 0 {
			rs = o.RecordSize
		}
		padding = o.Padding
	}
	if err := checkSizes(len(plaintext), padding, rs); err != nil {
		return nil, err
	}

	eph, secret, err := ephemeralSecret(r, o)
	if err != nil {
		return nil, err
	}
	asPublic := eph.PublicKey().Bytes()

	dst = slices.Grow(dst, HeaderSize+len(plaintext)+1+padding+TagSize)
	start := len(dst)
	dst = dst[:start+SaltSize]
	salt := dst[start:]
	if err := readSalt(salt, o); err != nil {
		return nil, err
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(rs))
	dst = append(dst, byte(len(asPublic)))
	dst = append(dst, asPublic...)

	sc := getScratch()
	defer putScratch(sc)
	sc.deriveAES128GCM(secret, r.Auth, r.P256DHBytes, asPublic, salt)
	gcm, err := newGCM(sc.cek[:])
	if err != nil {
		return nil, err
	}

	// One record, sealed in place: plaintext, delimiter 0x02, zero padding.
	body := len(dst)
	dst = append(dst, plaintext...)
	dst = append(dst, 2)
	dst = dst[:len(dst)+padding]
	clear(dst[len(dst)-padding:])
	return gcm.Seal(dst[:body], sc.nonce[:], dst[body:], nil), nil
}

// checkSizes refuses what cannot go in one record of one 4096-octet body.
func checkSizes(payload, padding, rs int) error {
	if rs < MinRecordSize || int64(rs) > 1<<32-1 {
		return fieldErr("record size", "must be at least 18 and fit 32 bits", "RFC 8188 §2.1",
			fmt.Sprint(rs))
	}
	if padding < 0 {
		return fieldErr("padding", "must not be negative", "", fmt.Sprint(padding))
	}
	record := payload + 1 + padding + TagSize
	if record >= rs {
		return fieldErr("payload",
			fmt.Sprintf("with delimiter, padding and tag must be smaller than the record size "+
				"%d, to fit one record", rs), "RFC 8291 §4",
			fmt.Sprintf("%d octets of payload and %d of padding", payload, padding))
	}
	if HeaderSize+record > MaxBodySize {
		return fieldErr("payload",
			fmt.Sprintf("with padding must be at most %d octets, so that the body fits %d",
				MaxPayloadSize, MaxBodySize), "RFC 8291 §4",
			fmt.Sprintf("%d octets of payload and %d of padding", payload, padding))
	}
	return nil
}

func ephemeralSecret(r *Recipient, o *EncryptOptions) (*ecdh.PrivateKey, []byte, error) {
	var eph *ecdh.PrivateKey
	if o != nil {
		eph = o.Ephemeral
	}
	if eph == nil {
		var err error
		if eph, err = ecdh.P256().GenerateKey(o.rand()); err != nil {
			return nil, nil, fmt.Errorf("generating ephemeral key: %w", err)
		}
	}
	secret, err := eph.ECDH(r.P256DH)
	if err != nil {
		return nil, nil, fmt.Errorf("computing ECDH secret: %w", err)
	}
	return eph, secret, nil
}

// readSalt fills salt with o.Salt, or with fresh random octets.
func readSalt(salt []byte, o *EncryptOptions) error {
	if o != nil && o.Salt != nil {
		if len(o.Salt) != SaltSize {
			return fieldErr("salt", "must be 16 octets", "RFC 8188 §2.1",
				fmt.Sprintf("%d octets", len(o.Salt)))
		}
		copy(salt, o.Salt)
		return nil
	}
	if o == nil || o.Rand == nil {
		rand.Read(salt) // never fails (crypto/rand, Go 1.24)
		return nil
	}
	if _, err := io.ReadFull(o.Rand, salt); err != nil {
		return fmt.Errorf("generating salt: %w", err)
	}
	return nil
}

// saltFor returns o.Salt, or a fresh random salt.
func saltFor(o *EncryptOptions) ([]byte, error) {
	salt := make([]byte, SaltSize)
	if err := readSalt(salt, o); err != nil {
		return nil, err
	}
	return salt, nil
}

// Decrypt decrypts an aes128gcm body with the user agent's keys, as a
// browser does (RFC 8291 §3, RFC 8188 §2). It accepts any number of records
// and any padding; errors name the failed step.
func Decrypt(ua *UserAgentKeys, body []byte) ([]byte, error) {
	h, records, err := ParseHeader(body)
	if err != nil {
		return nil, err
	}
	asPublic, err := ParsePublicKey(h.KeyID)
	if err != nil {
		return nil, fmt.Errorf("parsing keyid (%d octets): %w", len(h.KeyID), ErrKeyID)
	}
	secret, err := ua.Private.ECDH(asPublic)
	if err != nil {
		return nil, fmt.Errorf("computing ECDH secret: %w", err)
	}
	ikm := WebPushIKM(secret, ua.Auth, ua.Private.PublicKey().Bytes(), h.KeyID)
	cek, nonce := DeriveContentKeys(ikm, h.Salt)
	return OpenRecords(cek, nonce, records, h.RecordSize)
}
