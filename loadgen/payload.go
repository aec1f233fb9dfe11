package loadgen

import (
	"encoding/binary"
)

// SeqSize is the length of the sequence number at the start of every
// payload the generator makes.
const SeqSize = 8

// AppendPayload appends a payload of size octets to dst: the message's
// sequence number as 8 big-endian octets, then filler. A payload shorter
// than 8 octets carries only the first octets of the number. The push
// service that decrypts it (the fake does) can tell every message apart:
// none lost, none twice.
func AppendPayload(dst []byte, seq uint64, size int) []byte {
	var n [SeqSize]byte
	binary.BigEndian.PutUint64(n[:], seq)
	dst = append(dst, n[:min(size, SeqSize)]...)
	for i := SeqSize; i < size; i++ {
		dst = append(dst, 'a'+byte(i%26))
	}
	return dst
}

// PayloadSeq returns the sequence number a payload of AppendPayload
// carries, and false when it is too short to carry one.
func PayloadSeq(payload []byte) (uint64, bool) {
	if len(payload) < SeqSize {
		return 0, false
	}
	return binary.BigEndian.Uint64(payload), true
}
