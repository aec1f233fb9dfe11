package checks

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"

	"github.com/pushspec/pushspec/webpush"
)

// The aes128gcm requirements (RFC 8188, RFC 8291).

const fixedHeader = webpush.SaltSize + 4 + 1 // salt, rs, idlen

func (in *inspection) checkAES128GCM() {
	body := in.req.Body
	if len(body) < fixedHeader {
		in.broken("ece.header.length", "the body is %d octets; the header alone needs %d",
			len(body), fixedHeader)
		in.broken("ece.decrypt", "not attempted: the body is too short to hold a header")
		return
	}
	salt := body[:webpush.SaltSize]
	rs := binary.BigEndian.Uint32(body[webpush.SaltSize:])
	idlen := int(body[fixedHeader-1])
	in.res.Salt = salt

	if len(body) < fixedHeader+idlen {
		in.broken("ece.header.length", "idlen is %d but only %d octets follow the header",
			idlen, len(body)-fixedHeader)
		in.broken("ece.decrypt", "not attempted: the keyid runs past the end of the body")
		return
	}
	keyid := body[fixedHeader : fixedHeader+idlen]
	records := body[fixedHeader+idlen:]
	whole := len(records) >= webpush.TagSize+1
	if whole {
		in.pass("ece.header.length", "a header of %d octets and %d octets of records",
			fixedHeader+idlen, len(records))
	} else {
		in.broken("ece.header.length", "%d octets follow the %d-octet header; a record needs "+
			"at least 17 (a delimiter and the 16-octet tag)", len(records), fixedHeader+idlen)
	}

	keyOK := in.checkKeyID(keyid, idlen)
	rsOK := in.checkRecordSize(rs, len(records), whole)

	switch {
	case in.sub.Keys == nil:
		return
	case !keyOK:
		in.broken("ece.decrypt", "not attempted: no usable keyid, so no ECDH secret")
		return
	case !rsOK:
		in.broken("ece.decrypt", "not attempted: rs %d cannot frame records", rs)
		return
	case len(records) < webpush.TagSize+1:
		in.broken("ece.decrypt", "not attempted: no complete record")
		return
	}
	in.decryptAES128GCM(salt, rs, keyid, records)
}

// checkKeyID checks the sender's ephemeral key and reports whether it is a
// usable point.
func (in *inspection) checkKeyID(keyid []byte, idlen int) bool {
	switch {
	case idlen != webpush.PublicKeySize:
		hint := ""
		if idlen == 0 {
			hint = " (an empty keyid: the sender may have put its key in Crypto-Key, as " +
				"aesgcm does)"
		}
		in.broken("ece.header.keyid", "idlen is %d, want 65: the sender's uncompressed ECDH "+
			"public key%s", idlen, hint)
		return false
	case keyid[0] != 4:
		in.broken("ece.header.keyid", "keyid starts with 0x%02x, want 0x04 (an uncompressed "+
			"point)", keyid[0])
		return false
	}
	if _, err := webpush.ParsePublicKey(keyid); err != nil {
		in.broken("ece.header.keyid", "keyid %s is not a point on the P-256 curve",
			b64short(keyid))
		return false
	}
	in.res.KeyID = keyid
	in.pass("ece.header.keyid", "keyid is a P-256 point, %s", b64short(keyid))
	return true
}

// checkRecordSize checks rs and the record count, and reports whether rs
// can frame the records for decryption.
func (in *inspection) checkRecordSize(rs uint32, n int, whole bool) bool {
	if rs < webpush.MinRecordSize {
		in.broken("ece.header.rs", "rs is %d, below the minimum of 18", rs)
		return false
	}
	if !whole {
		return true // no record to judge: ece.header.length says why
	}
	count := (uint64(n) + uint64(rs) - 1) / uint64(rs)
	switch {
	case count > 1:
		in.pass("ece.header.rs", "rs %d (the records are judged by ece.single_record)", rs)
		in.broken("ece.single_record", "%d octets of records at rs %d make %d records; Web "+
			"Push allows exactly one", n, rs, count)
		return true
	case uint64(n) >= uint64(rs):
		in.broken("ece.header.rs", "rs %d is not greater than the %d-octet record (plaintext, "+
			"delimiter, padding and tag)", rs, n)
	default:
		in.pass("ece.header.rs", "rs %d is greater than the %d-octet record", rs, n)
	}
	in.pass("ece.single_record", "one record of %d octets", n)
	return true
}

func (in *inspection) decryptAES128GCM(salt []byte, rs uint32, keyid, records []byte) {
	ua := in.sub.Keys
	secret, err := ecdhSecret(ua, keyid)
	if err != nil {
		in.broken("ece.decrypt", "computing the ECDH secret: %v", err)
		return
	}
	uaPublic := ua.Private.PublicKey().Bytes()
	ikm := webpush.WebPushIKM(secret, ua.Auth, uaPublic, keyid)
	cek, nonce := webpush.DeriveContentKeys(ikm, salt)
	pt, err := webpush.OpenRecords(cek, nonce, records, rs)
	in.judgeDecryption(err, pt, secret, "ece.record.delimiter", func() string {
		return diagnoseAES128GCM(ua, secret, salt, keyid, records[:min(len(records), int(rs))])
	})
}

// judgeDecryption turns the outcome of decryption into the ece.decrypt,
// ece.ecdh_truncated and padding findings (paddingID names the coding's
// padding rule). diagnose runs only when the tag does not verify.
func (in *inspection) judgeDecryption(err error, pt, secret []byte, paddingID string,
	diagnose func() string) {
	leadingZero := secret[0] == 0
	switch {
	case err == nil:
		in.res.Payload, in.res.Decrypted = pt, true
		in.pass("ece.decrypt", "decrypted %d octets of plaintext", len(pt))
		in.pass(paddingID, "padding is well formed")
		if leadingZero {
			in.pass("ece.ecdh_truncated", "the ECDH secret starts with a zero octet and the "+
				"sender kept all 32 octets")
		}
	case errors.Is(err, webpush.ErrAuthentication):
		why := diagnose()
		if why == truncatedDiagnosis {
			in.broken("ece.ecdh_truncated", "the record decrypts only with the ECDH secret's "+
				"leading zero octet dropped: the sender turned the secret into a big integer "+
				"and back")
		} else if leadingZero {
			in.pass("ece.ecdh_truncated", "the ECDH secret starts with a zero octet; dropping "+
				"it does not explain the failure either")
		}
		in.broken("ece.decrypt", "the AEAD tag does not verify with the subscription's keys: %s",
			why)
	default:
		in.pass("ece.decrypt", "the AEAD tag verifies")
		in.broken(paddingID, "%v", err)
		if leadingZero {
			in.pass("ece.ecdh_truncated", "the ECDH secret starts with a zero octet and the "+
				"sender kept all 32 octets")
		}
	}
}

func ecdhSecret(ua *webpush.UserAgentKeys, peer []byte) ([]byte, error) {
	pub, err := webpush.ParsePublicKey(peer)
	if err != nil {
		return nil, err
	}
	return ua.Private.ECDH(pub)
}

const truncatedDiagnosis = "the sender dropped the ECDH secret's leading zero octet " +
	"(RFC 8291 §3.1 uses all 32 octets)"

// diagnoseAES128GCM tries the key derivation faults that libraries make and
// says which one, if any, makes the first record's tag verify.
func diagnoseAES128GCM(ua *webpush.UserAgentKeys, secret, salt, keyid, record []byte) string {
	uaPublic := ua.Private.PublicKey().Bytes()
	keys := func(ikm []byte) ([]byte, []byte) { return webpush.DeriveContentKeys(ikm, salt) }

	type attempt struct {
		why        string
		cek, nonce []byte
	}
	var attempts []attempt
	if trimmed := bytes.TrimLeft(secret, "\x00"); len(trimmed) < len(secret) {
		cek, nonce := keys(webpush.WebPushIKM(trimmed, ua.Auth, uaPublic, keyid))
		attempts = append(attempts, attempt{truncatedDiagnosis, cek, nonce})
	}
	cek, nonce := keys(webpush.WebPushIKM(secret, ua.Auth, keyid, uaPublic))
	attempts = append(attempts, attempt{"key_info has the two public keys swapped; RFC 8291 " +
		"§3.4 puts the user agent's key first", cek, nonce})
	cek, nonce = keys(webpush.WebPushIKM(secret, nil, uaPublic, keyid))
	attempts = append(attempts, attempt{"the auth secret was left out of the key derivation " +
		"(RFC 8291 §3.3)", cek, nonce})
	cek, nonce = keys(draftIKM(secret, ua.Auth))
	attempts = append(attempts, attempt{"the IKM was derived as in the aesgcm draft " +
		"(\"Content-Encoding: auth\"), not with RFC 8291's \"WebPush: info\"", cek, nonce})
	cek, nonce = webpush.AESGCMKeys(secret, ua.Auth, salt, uaPublic, keyid)
	attempts = append(attempts, attempt{"the record was encrypted with aesgcm (draft) keys " +
		"under an aes128gcm header", cek, nonce})

	for _, a := range attempts {
		if tagVerifies(a.cek, a.nonce, record) {
			return a.why
		}
	}
	return "no known derivation fault explains it (truncated ECDH secret, swapped keys, " +
		"missing auth secret, draft IKM, aesgcm keys): the record was encrypted for other " +
		"keys or corrupted"
}

// draftIKM is the IKM of draft-ietf-webpush-encryption-04.
func draftIKM(secret, auth []byte) []byte {
	m := hmac.New(sha256.New, auth)
	m.Write(secret)
	prk := m.Sum(nil)
	m = hmac.New(sha256.New, prk)
	m.Write([]byte("Content-Encoding: auth\x00\x01"))
	return m.Sum(nil)
}

// tagVerifies reports whether the first record opens with cek and nonce.
func tagVerifies(cek, nonce, record []byte) bool {
	block, err := aes.NewCipher(cek)
	if err != nil {
		return false
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil || len(record) < gcm.Overhead() {
		return false
	}
	_, err = gcm.Open(nil, nonce, record, nil)
	return err == nil
}
