package checks

import (
	"bytes"
	"strconv"
	"strings"
)

// An Intent is what the sender under test was asked to send.
type Intent struct {
	Payload []byte
	TTL     int
	// Urgency and Topic are empty when none was asked for.
	Urgency string
	Topic   string
}

// CheckIntent compares what arrived with what the sender was asked to send:
// hdr.ttl.intent, hdr.urgency.intent, hdr.topic.intent and
// ece.plaintext.roundtrip.
func CheckIntent(req Request, res Result, want Intent, profile Profile) []Finding {
	in := &inspection{req: req, opt: Options{Profile: profile}}
	if in.req.Header == nil {
		in.req.Header = map[string][]string{}
	}
	h := in.req.Header

	ttl := strconv.Itoa(want.TTL)
	switch got := h.Values("TTL"); {
	case len(got) == 1 && got[0] == ttl:
		in.pass("hdr.ttl.intent", "TTL %s as asked", ttl)
	case len(got) == 0:
		in.broken("hdr.ttl.intent", "no TTL on the wire; asked for %s", ttl)
	default:
		in.broken("hdr.ttl.intent", "TTL %q on the wire; asked for %s", got, ttl)
	}

	switch got := h.Values("Urgency"); {
	case want.Urgency == "" && (len(got) == 0 || len(got) == 1 && strings.EqualFold(got[0],
		"normal")):
		in.pass("hdr.urgency.intent", "none asked for, and the wire says normal")
	case len(got) == 1 && strings.EqualFold(got[0], want.Urgency):
		in.pass("hdr.urgency.intent", "Urgency %s as asked", got[0])
	case len(got) == 0:
		in.broken("hdr.urgency.intent", "no Urgency on the wire (normal); asked for %q",
			want.Urgency)
	default:
		in.broken("hdr.urgency.intent", "Urgency %q on the wire; asked for %q", got,
			want.Urgency)
	}

	switch got := h.Values("Topic"); {
	case want.Topic == "" && len(got) == 0:
		in.pass("hdr.topic.intent", "no topic asked for, none sent")
	case len(got) == 1 && got[0] == want.Topic:
		in.pass("hdr.topic.intent", "Topic %s as asked", short(got[0]))
	case len(got) == 0:
		in.broken("hdr.topic.intent", "no Topic on the wire; asked for %s", short(want.Topic))
	default:
		in.broken("hdr.topic.intent", "Topic %q on the wire; asked for %s", got,
			short(want.Topic))
	}

	switch {
	case !res.Decrypted:
		in.broken("ece.plaintext.roundtrip", "nothing was decrypted to compare with the %d "+
			"octets asked for (see ece.decrypt)", len(want.Payload))
	case bytes.Equal(res.Payload, want.Payload):
		in.pass("ece.plaintext.roundtrip", "the %d decrypted octets are those asked for",
			len(want.Payload))
	default:
		in.broken("ece.plaintext.roundtrip", "decrypted %d octets, asked for %d; they differ "+
			"from offset %d", len(res.Payload), len(want.Payload),
			firstDifference(res.Payload, want.Payload))
	}
	return in.res.Findings
}

func firstDifference(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}
