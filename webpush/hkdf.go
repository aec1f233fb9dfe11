package webpush

import (
	"crypto/sha256"
	"sync"
)

// The key derivations of RFC 8291 §3.4 and RFC 8188 §2.2 are five
// HMAC-SHA-256 computations over short inputs. crypto/hmac allocates two
// hash states per call; here each HMAC is two sha256.Sum256 calls over a
// reused buffer (RFC 2104: H(K^opad ‖ H(K^ipad ‖ m))), so deriving a
// message's keys allocates nothing.

const hmacBlock = sha256.BlockSize

// hmacInto returns HMAC-SHA-256(key, msg...) and the buffer it used, grown
// if it had to be; pass the buffer back in to reuse it.
func hmacInto(buf, key []byte, msg ...[]byte) ([sha256.Size]byte, []byte) {
	var k [hmacBlock]byte
	if len(key) > hmacBlock {
		sum := sha256.Sum256(key)
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}

	buf = buf[:0]
	for _, b := range k {
		buf = append(buf, b^0x36)
	}
	for _, m := range msg {
		buf = append(buf, m...)
	}
	inner := sha256.Sum256(buf)

	buf = buf[:0]
	for _, b := range k {
		buf = append(buf, b^0x5c)
	}
	buf = append(buf, inner[:]...)
	return sha256.Sum256(buf), buf
}

// hmacSHA256 returns HMAC-SHA-256(key, parts...) in a new slice.
func hmacSHA256(key []byte, parts ...[]byte) []byte {
	sum, _ := hmacInto(make([]byte, 0, 2*hmacBlock), key, parts...)
	return sum[:]
}

// Constant inputs of the derivations, as slices once, so that passing them
// to a hash allocates nothing.
var (
	keyInfoPrefixBytes = []byte(keyInfoPrefix)
	cekInfoBytes       = []byte(cekInfo)
	nonceInfoBytes     = []byte(nonceInfo)
	one                = []byte{1}
)

// A scratch is the working memory of one message's key derivation. The
// pool keeps them between messages; the hot path allocates none.
type scratch struct {
	buf   []byte
	cek   [16]byte
	nonce [12]byte
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{buf: make([]byte, 0, 2*hmacBlock+len(keyInfoPrefix)+2*PublicKeySize+1)}
}}

func getScratch() *scratch   { return scratchPool.Get().(*scratch) }
func putScratch(sc *scratch) { scratchPool.Put(sc) }

// deriveAES128GCM sets sc.cek and sc.nonce for an aes128gcm message: the
// IKM of RFC 8291 §3.3 from the ECDH secret and auth, then the key and nonce
// of RFC 8188 §2.2 and §2.3 from the IKM and salt.
func (sc *scratch) deriveAES128GCM(ecdhSecret, auth, uaPublic, asPublic, salt []byte) {
	var prkKey, ikm, prk [sha256.Size]byte
	prkKey, sc.buf = hmacInto(sc.buf, auth, ecdhSecret)
	ikm, sc.buf = hmacInto(sc.buf, prkKey[:], keyInfoPrefixBytes, uaPublic, asPublic, one)
	prk, sc.buf = sc.contentPRK(ikm[:], salt)
	sc.expand(prk[:])
}

// contentPRK is the HKDF-Extract of RFC 8188 §2.2: HMAC(salt, ikm).
func (sc *scratch) contentPRK(ikm, salt []byte) ([sha256.Size]byte, []byte) {
	return hmacInto(sc.buf, salt, ikm)
}

// expand sets sc.cek and sc.nonce from the PRK (RFC 8188 §2.2, §2.3): each
// is one HKDF-Expand block, whose info already ends in the counter 0x01.
func (sc *scratch) expand(prk []byte) {
	var sum [sha256.Size]byte
	sum, sc.buf = hmacInto(sc.buf, prk, cekInfoBytes)
	copy(sc.cek[:], sum[:])
	sum, sc.buf = hmacInto(sc.buf, prk, nonceInfoBytes)
	copy(sc.nonce[:], sum[:])
}
