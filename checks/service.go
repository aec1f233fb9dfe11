package checks

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// The requirements of a push service (svc.*), judged from what a probe saw
// when it used the service. Package probe does the probing; these are the
// verdicts, pure so that every one has a negative control.

// CheckCreated judges svc.created: an accepted push gets 201 and a Location.
func CheckCreated(status int, location string) Finding {
	return judge("svc.created", func(in *inspection) {
		switch {
		case status != 201:
			in.broken("svc.created", "a valid push got %d, want 201", status)
		case location == "":
			in.broken("svc.created", "201 without a Location: the application server cannot "+
				"refer to the message")
		default:
			in.pass("svc.created", "201, Location %s", short(location))
		}
	})
}

// ReceiptRel is the link relation of a receipt subscription (RFC 8030 §6.1).
const ReceiptRel = "urn:ietf:params:push:receipt"

// CheckReceipt judges svc.receipt: a push with Prefer: respond-async gets
// 202, a Location and a Link to a receipt subscription.
func CheckReceipt(status int, location string, links []string) Finding {
	return judge("svc.receipt", func(in *inspection) {
		receipt := false
		for _, l := range links {
			if strings.Contains(l, `rel="`+ReceiptRel+`"`) {
				receipt = true
			}
		}
		switch {
		case status != 202:
			in.broken("svc.receipt", "Prefer: respond-async got %d, want 202", status)
		case location == "":
			in.broken("svc.receipt", "202 without a Location")
		case !receipt:
			in.broken("svc.receipt", "202 without a Link rel=%q; links: %q", ReceiptRel, links)
		default:
			in.pass("svc.receipt", "202 with a Location and a receipt Link")
		}
	})
}

// CheckStatus judges a requirement whose rule is one status (or one of
// several) for a request the probe made wrong on purpose: svc.ttl.missing,
// svc.topic.invalid, svc.urgency.multiple, svc.gone.
func CheckStatus(id, request string, got int, want ...int) Finding {
	return judge(id, func(in *inspection) {
		for _, w := range want {
			if got == w {
				in.pass(id, "%s got %d", request, got)
				return
			}
		}
		in.broken(id, "%s got %d, want %s", request, got, joinInts(want))
	})
}

// CheckNot413 judges svc.size.413: a body of at most 4096 octets is not
// refused as too large.
func CheckNot413(size, status int) Finding {
	return judge("svc.size.413", func(in *inspection) {
		if status == 413 {
			in.broken("svc.size.413", "a %d-octet body got 413; a service must take 4096", size)
		} else {
			in.pass("svc.size.413", "a %d-octet body got %d", size, status)
		}
	})
}

// CheckTTLResponse judges svc.ttl.response: a TTL in the response is at
// most the one requested.
func CheckTTLResponse(requested int, response string) Finding {
	return judge("svc.ttl.response", func(in *inspection) {
		n, err := strconv.Atoi(response)
		switch {
		case response == "":
			in.pass("svc.ttl.response", "no TTL in the response")
		case err != nil || n < 0:
			in.broken("svc.ttl.response", "the response's TTL %s is not delta-seconds",
				short(response))
		case n > requested:
			in.broken("svc.ttl.response", "the response's TTL %d is more than the %d "+
				"requested", n, requested)
		default:
			in.pass("svc.ttl.response", "TTL %d in the response for %d requested", n, requested)
		}
	})
}

// Expiry is what a probe saw of TTL expiry: whether a message was delivered
// after its TTL had passed while the user agent was offline, and whether a
// TTL 0 message sent while it was offline was delivered later.
type Expiry struct {
	ExpiredDelivered     bool
	OfflineZeroDelivered bool
}

// CheckExpiry judges svc.ttl.expiry.
func CheckExpiry(e Expiry) Finding {
	return judge("svc.ttl.expiry", func(in *inspection) {
		switch {
		case e.ExpiredDelivered:
			in.broken("svc.ttl.expiry", "a message was delivered after its TTL had passed")
		case e.OfflineZeroDelivered:
			in.broken("svc.ttl.expiry", "a TTL 0 message sent while the user agent was "+
				"offline was delivered when it came back")
		default:
			in.pass("svc.ttl.expiry", "no message outlived its TTL, and TTL 0 reached only a "+
				"connected user agent")
		}
	})
}

// CheckTopicReplace judges svc.topic.replace: of two messages with one
// Topic queued for an offline user agent, only the newer is delivered.
// delivered are the payloads delivered, in order.
func CheckTopicReplace(older, newer string, delivered []string) Finding {
	return judge("svc.topic.replace", func(in *inspection) {
		n := map[string]int{}
		for _, d := range delivered {
			n[d]++
		}
		switch {
		case n[older] > 0:
			in.broken("svc.topic.replace", "the older message with the same topic was "+
				"delivered too (delivered %q)", delivered)
		case n[newer] != 1:
			in.broken("svc.topic.replace", "the newer message was delivered %d times "+
				"(delivered %q)", n[newer], delivered)
		default:
			in.pass("svc.topic.replace", "only the newer message was delivered")
		}
	})
}

// CheckRetryAfter judges svc.rate.retry_after on a 429.
func CheckRetryAfter(status int, retryAfter string) Finding {
	return judge("svc.rate.retry_after", func(in *inspection) {
		switch {
		case status != 429:
			in.broken("svc.rate.retry_after", "past its rate limit the service answered %d, "+
				"not 429", status)
		case retryAfter == "":
			in.broken("svc.rate.retry_after", "429 without Retry-After: the sender cannot "+
				"tell when to come back")
		default:
			in.pass("svc.rate.retry_after", "429 with Retry-After %s", short(retryAfter))
		}
	})
}

// CheckVAPIDStatus judges svc.vapid.status for a restricted subscription:
// missing is the status of a push without Authorization, invalid that of a
// push signed with another key.
func CheckVAPIDStatus(missing, invalid int) Finding {
	return judge("svc.vapid.status", func(in *inspection) {
		switch {
		case missing != 401:
			in.broken("svc.vapid.status", "a push without Authorization got %d, want 401",
				missing)
		case invalid != 403:
			in.broken("svc.vapid.status", "a push signed with another key got %d, want 403",
				invalid)
		default:
			in.pass("svc.vapid.status", "401 without authentication, 403 with the wrong key")
		}
	})
}

// CheckEndpointEntropy judges svc.endpoint.entropy from several endpoints
// the service handed out: the part that varies between them must carry at
// least 120 bits, counted by the alphabet its characters come from.
func CheckEndpointEntropy(endpoints []string) Finding {
	return judge("svc.endpoint.entropy", func(in *inspection) {
		if len(endpoints) < 2 {
			in.broken("svc.endpoint.entropy", "%d endpoints: need several to compare",
				len(endpoints))
			return
		}
		var paths []string
		for _, e := range endpoints {
			u, err := url.Parse(e)
			if err != nil {
				in.broken("svc.endpoint.entropy", "endpoint %s is not a URL", short(e))
				return
			}
			p := u.EscapedPath()
			if u.RawQuery != "" {
				p += "?" + u.RawQuery
			}
			paths = append(paths, p)
		}
		bits := entropyBits(paths)
		if bits < 120 {
			in.broken("svc.endpoint.entropy", "the endpoints vary in about %.0f bits (e.g. %s); "+
				"at least 120 keep them from being guessed", bits, short(paths[0]))
		} else {
			in.pass("svc.endpoint.entropy", "about %.0f bits vary between endpoints", bits)
		}
	})
}

// entropyBits estimates the randomness of a set of strings: the characters
// after their common prefix and before their common suffix, at the bits per
// character of the smallest alphabet that holds them.
func entropyBits(ss []string) float64 {
	prefix, suffix := ss[0], ss[0]
	for _, s := range ss[1:] {
		for !strings.HasPrefix(s, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
		for !strings.HasSuffix(s, suffix) {
			suffix = suffix[1:]
		}
	}
	shortest := len(ss[0])
	var chars strings.Builder
	for _, s := range ss {
		shortest = min(shortest, len(s))
		end := max(len(prefix), len(s)-len(suffix))
		chars.WriteString(s[len(prefix):end])
	}
	varying := shortest - len(prefix) - len(suffix)
	if varying <= 0 {
		return 0
	}
	perChar := 6.0 // base64url
	switch c := chars.String(); {
	case strings.Trim(c, "0123456789") == "":
		perChar = 3.32
	case strings.Trim(strings.ToLower(c), "0123456789abcdef") == "":
		perChar = 4
	}
	return float64(varying) * perChar
}

// judge runs one service check and returns its finding.
func judge(id string, f func(*inspection)) Finding {
	in := &inspection{}
	f(in)
	return in.res.Findings[0]
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, " or ")
}
