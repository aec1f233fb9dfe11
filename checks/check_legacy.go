package checks

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"github.com/pushspec/pushspec/webpush"
)

// The legacy aesgcm requirements (draft-ietf-webpush-encryption-04,
// draft-ietf-httpbis-encryption-encoding-03, draft-ietf-webpush-vapid-01).

func (in *inspection) checkAESGCM() {
	in.broken("legacy.aesgcm.used", "Content-Encoding: aesgcm is a draft coding in no RFC; "+
		"RFC 8291 uses aes128gcm")

	salt, rs, saltOK := in.checkEncryptionHeader()
	dh, dhOK := in.checkCryptoKeyDH()
	in.res.Salt = salt
	if dhOK {
		in.res.KeyID = dh
	}

	switch {
	case in.sub.Keys == nil:
		return
	case !saltOK:
		in.broken("ece.decrypt", "not attempted: no usable salt in Encryption")
		return
	case !dhOK:
		in.broken("ece.decrypt", "not attempted: no usable dh in Crypto-Key")
		return
	}

	ua := in.sub.Keys
	secret, err := ecdhSecret(ua, dh)
	if err != nil {
		in.broken("ece.decrypt", "computing the ECDH secret: %v", err)
		return
	}
	uaPublic := ua.Private.PublicKey().Bytes()
	cek, nonce := webpush.AESGCMKeys(secret, ua.Auth, salt, uaPublic, dh)
	pt, err := webpush.OpenAESGCMRecords(cek, nonce, in.req.Body, rs)
	in.judgeDecryption(err, pt, secret, "legacy.padding", func() string {
		record := in.req.Body[:min(len(in.req.Body), rs+webpush.TagSize)]
		return diagnoseAESGCM(ua, secret, salt, dh, record)
	})
}

// checkEncryptionHeader checks Encryption and returns its salt and rs.
func (in *inspection) checkEncryptionHeader() (salt []byte, rs int, ok bool) {
	const id = "legacy.encryption.salt"
	vals := in.req.Header.Values("Encryption")
	if len(vals) == 0 {
		in.broken(id, "no Encryption header; aesgcm carries its salt there")
		return nil, 0, false
	}
	entries, err := parseHeaderParams(vals)
	if err != nil {
		in.broken(id, "Encryption %s does not parse: %v", short(strings.Join(vals, ", ")), err)
		return nil, 0, false
	}
	if len(entries) != 1 {
		in.broken(id, "Encryption has %d entries; want one", len(entries))
		return nil, 0, false
	}
	salts := values(entries, "salt")
	if len(salts) != 1 {
		in.broken(id, "Encryption has %d salt parameters; want one", len(salts))
		return nil, 0, false
	}
	salt, err = webpush.DecodeBase64(salts[0])
	switch {
	case err != nil || !webpush.IsStrictBase64URL(salts[0]):
		in.broken(id, "salt %s is not unpadded base64url", short(salts[0]))
		return nil, 0, false
	case len(salt) != webpush.SaltSize:
		in.broken(id, "salt is %d octets, want 16", len(salt))
		return nil, 0, false
	}

	rs = webpush.DefaultRecordSize
	if r := values(entries, "rs"); len(r) > 0 {
		n, err := strconv.Atoi(r[0])
		if err != nil || len(r) > 1 || n < 3 {
			in.broken(id, "rs %q is not one integer greater than 2", r)
			return nil, 0, false
		}
		rs = n
	}
	in.pass(id, "salt %s (16 octets), rs %d", short(salts[0]), rs)
	return salt, rs, true
}

// checkCryptoKeyDH checks the dh parameter of Crypto-Key and returns it.
func (in *inspection) checkCryptoKeyDH() ([]byte, bool) {
	const id = "legacy.crypto_key.dh"
	vals := in.req.Header.Values("Crypto-Key")
	if len(vals) == 0 {
		in.broken(id, "no Crypto-Key header; aesgcm carries the sender's key in dh=")
		return nil, false
	}
	entries, err := parseHeaderParams(vals)
	if err != nil {
		in.broken(id, "Crypto-Key does not parse: %v", err)
		return nil, false
	}
	dhs := values(entries, "dh")
	if len(dhs) != 1 {
		in.broken(id, "Crypto-Key has %d dh parameters; want exactly one", len(dhs))
		return nil, false
	}
	dh, err := webpush.DecodeBase64(dhs[0])
	if err != nil {
		in.broken(id, "dh %s is not base64url", short(dhs[0]))
		return nil, false
	}
	if _, err := webpush.ParsePublicKey(dh); err != nil {
		in.broken(id, "dh is %d octets and not an uncompressed P-256 point", len(dh))
		return nil, false
	}
	in.pass(id, "dh %s is a P-256 point", short(dhs[0]))
	return dh, true
}

var canonicalCryptoKey = regexp.MustCompile(
	`^(dh=[A-Za-z0-9_-]+(;p256ecdsa=[A-Za-z0-9_-]+)?|p256ecdsa=[A-Za-z0-9_-]+)$`)

// checkCryptoKeyForm checks the form of Crypto-Key and the draft VAPID key
// in it, and the draft headers that should not travel with aes128gcm.
func (in *inspection) checkCryptoKeyForm() {
	vals := in.req.Header.Values("Crypto-Key")
	var entries [][]param
	if len(vals) > 0 {
		var err error
		entries, err = parseHeaderParams(vals)
		switch {
		case err != nil:
			in.broken("legacy.crypto_key.parse", "Crypto-Key %s does not parse: %v",
				short(strings.Join(vals, ", ")), err)
		case len(vals) == 1 && canonicalCryptoKey.MatchString(vals[0]):
			in.pass("legacy.crypto_key.parse", "canonical form")
		default:
			in.broken("legacy.crypto_key.parse", "Crypto-Key %s is legal but not the "+
				"canonical dh=…;p256ecdsa=… that every service parses (%s)",
				short(strings.Join(vals, ", ")), cryptoKeyQuirks(vals))
		}
		for _, p := range values(entries, "p256ecdsa") {
			if webpush.IsStrictBase64URL(p) {
				in.pass("legacy.crypto_key.p256ecdsa.encoding", "p256ecdsa is unpadded base64url")
			} else {
				in.broken("legacy.crypto_key.p256ecdsa.encoding", "p256ecdsa %s is not unpadded "+
					"base64url%s", short(p), encodingHint(p))
			}
		}
	}

	if in.res.Encoding != string(webpush.AES128GCM) {
		return
	}
	switch {
	case len(in.req.Header.Values("Encryption")) > 0:
		in.broken("legacy.headers_with_aes128gcm", "an Encryption header travels with "+
			"aes128gcm, whose salt is in the body")
	case len(values(entries, "dh")) > 0:
		in.broken("legacy.headers_with_aes128gcm", "Crypto-Key carries dh= with aes128gcm, "+
			"whose key is the keyid in the body")
	default:
		in.pass("legacy.headers_with_aes128gcm", "no draft encryption headers")
	}
}

// cryptoKeyQuirks lists what makes a Crypto-Key value non-canonical.
func cryptoKeyQuirks(vals []string) string {
	v := strings.Join(vals, ",")
	var q []string
	if len(vals) > 1 {
		q = append(q, "several fields")
	}
	if strings.Contains(v, ",") {
		q = append(q, "',' between parameters")
	}
	if strings.ContainsAny(v, " \t") {
		q = append(q, "spaces")
	}
	if strings.Contains(v, "\"") {
		q = append(q, "quoted values")
	}
	if strings.Contains(strings.ToLower(v), "keyid=") {
		q = append(q, "keyid=")
	}
	if strings.Contains(v, "=;") || strings.HasSuffix(v, "=") || strings.Contains(v, "=,") {
		q = append(q, "padded values")
	}
	if len(q) == 0 {
		q = append(q, "unexpected parameters or order")
	}
	return strings.Join(q, ", ")
}

// encodingHint says which base64 flavour a value seems to be in.
func encodingHint(s string) string {
	switch {
	case strings.Contains(s, "="):
		return ": it has '=' padding"
	case strings.ContainsAny(s, "+/"):
		return ": it uses the standard alphabet ('+', '/')"
	}
	return ""
}

// diagnoseAESGCM tries the faults libraries make with the aesgcm coding.
func diagnoseAESGCM(ua *webpush.UserAgentKeys, secret, salt, dh, record []byte) string {
	uaPublic := ua.Private.PublicKey().Bytes()
	if trimmed := bytes.TrimLeft(secret, "\x00"); len(trimmed) < len(secret) {
		cek, nonce := webpush.AESGCMKeys(trimmed, ua.Auth, salt, uaPublic, dh)
		if tagVerifies(cek, nonce, record) {
			return truncatedDiagnosis
		}
	}
	cek, nonce := webpush.AESGCMKeys(secret, ua.Auth, salt, dh, uaPublic)
	if tagVerifies(cek, nonce, record) {
		return "the key context has the two public keys swapped; the user agent's comes first"
	}
	cek, nonce = webpush.DeriveContentKeys(webpush.WebPushIKM(secret, ua.Auth, uaPublic, dh), salt)
	if tagVerifies(cek, nonce, record) {
		return "the body was encrypted with aes128gcm keys but labelled aesgcm"
	}
	return "no known derivation fault explains it (truncated ECDH secret, swapped keys, " +
		"aes128gcm keys): the body was encrypted for other keys or corrupted"
}
