package checks

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"math/big"
	"sync"
)

// A SignatureCache remembers which (key, digest, signature) triples verify,
// so that a VAPID token a sender reuses for many messages (as RFC 8292
// allows) costs one ECDSA verification, not one per message. The zero value
// is ready to use and safe for concurrent use; it remembers at least the
// last DefaultMemory entries.
type SignatureCache struct {
	mu  sync.Mutex
	mem memory
}

// verify checks a 64-octet R‖S signature over digest with k, through the
// cache when c is not nil.
func (c *SignatureCache) verify(k *ecdsa.PublicKey, digest, sig []byte) bool {
	if c == nil {
		return verifyRS(k, digest, sig)
	}
	pub, err := k.Bytes()
	if err != nil {
		return verifyRS(k, digest, sig)
	}
	h := sha256.New()
	h.Write(pub)
	h.Write(digest)
	h.Write(sig)
	key := string(h.Sum(nil))

	c.mu.Lock()
	v, known := c.mem.get(key)
	c.mu.Unlock()
	if known {
		return v == "ok"
	}
	ok := verifyRS(k, digest, sig)
	result := "bad"
	if ok {
		result = "ok"
	}
	c.mu.Lock()
	c.mem.put(key, result, DefaultMemory)
	c.mu.Unlock()
	return ok
}

func verifyRS(k *ecdsa.PublicKey, digest, sig []byte) bool {
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(k, digest, r, s)
}
