package checks

import "fmt"

// The requirements of a sender's behaviour, judged from what it reported
// (through its adapter) against what the push service did.

// Outcomes a sender reports, as in the adapter protocol.
const (
	OutcomeSuccess    = "success"
	OutcomeGone       = "gone"
	OutcomeRejected   = "rejected"
	OutcomeRetryAfter = "retry-after"
	OutcomeError      = "error"
)

// An Answer is what a push service answered one push, and what the sender
// reported of it.
type Answer struct {
	// Status and RetryAfter (seconds, 0 for none) are what the service sent.
	Status     int
	RetryAfter int
	// Outcome, ReportedStatus and ReportedRetryAfter are what the sender
	// reported.
	Outcome            string
	ReportedStatus     int
	ReportedRetryAfter int
}

// CheckAnswer judges how a sender reported a push service's answer:
// client.status.success, and by status client.status.gone (404, 410),
// client.status.not_gone (400, 401, 403, 413, 500) or client.retry_after
// (429).
func CheckAnswer(a Answer, p Profile) []Finding {
	in := &inspection{opt: Options{Profile: p}}
	said := fmt.Sprintf("the service answered %d and the sender reported %q", a.Status,
		a.Outcome)
	success := a.Status == 201 || a.Status == 202
	switch {
	case success && a.Outcome == OutcomeSuccess:
		in.pass("client.status.success", "%s", said)
	case success:
		in.broken("client.status.success", "%s: the message was accepted, so the "+
			"application may retry and deliver it twice", said)
	case a.Outcome == OutcomeSuccess:
		in.broken("client.status.success", "%s: a refusal reported as success loses the "+
			"message without a word", said)
	default:
		in.pass("client.status.success", "%s, not success", said)
	}

	switch a.Status {
	case 404, 410:
		if a.Outcome == OutcomeGone {
			in.pass("client.status.gone", "%s", said)
		} else {
			in.broken("client.status.gone", "%s: the application cannot tell that the "+
				"subscription is gone and should be deleted", said)
		}
	case 400, 401, 403, 413, 500:
		if a.Outcome == OutcomeGone {
			in.broken("client.status.not_gone", "%s: the application would delete a "+
				"subscription that still exists", said)
		} else {
			in.pass("client.status.not_gone", "%s", said)
		}
	case 429:
		switch {
		case a.Outcome != OutcomeRetryAfter:
			in.broken("client.retry_after", "%s: the Retry-After of %d s did not reach the "+
				"caller", said, a.RetryAfter)
		case a.ReportedRetryAfter != a.RetryAfter:
			in.broken("client.retry_after", "the service asked to retry after %d s; the "+
				"sender reported %d s", a.RetryAfter, a.ReportedRetryAfter)
		default:
			in.pass("client.retry_after", "%s with Retry-After %d s", said, a.RetryAfter)
		}
	}
	return in.res.Findings
}

// CheckRefusal judges input the sender should have refused (id is
// input.subscription_keys or input.oversize): received is how many requests
// reached the push service, outcome and errText what the sender reported.
func CheckRefusal(id string, received int, outcome, errText string) Finding {
	in := &inspection{}
	switch {
	case received > 0:
		in.broken(id, "the sender sent it: %d request(s) reached the push service, and it "+
			"reported %q", received, outcome)
	case outcome != OutcomeError:
		in.broken(id, "nothing reached the push service, yet the sender reported %q: the "+
			"message is lost without an error", outcome)
	default:
		in.pass(id, "refused with an error, nothing sent: %s", short(errText))
	}
	return in.res.Findings[0]
}

// An OriginSample is one message of an interleaved run: the origin of the
// endpoint it went to, and the aud it carried.
type OriginSample struct {
	Origin   string
	Audience string
}

// CheckMultiOrigin judges client.multi_origin over messages sent, in turn,
// to push services on different origins: each must carry its own origin.
func CheckMultiOrigin(samples []OriginSample) Finding {
	in := &inspection{}
	origins := map[string]bool{}
	for _, s := range samples {
		origins[s.Origin] = true
	}
	if len(origins) < 2 {
		in.broken("client.multi_origin", "only %d origin among %d messages: nothing to tell",
			len(origins), len(samples))
		return in.res.Findings[0]
	}
	for i, s := range samples {
		if s.Audience != s.Origin && origins[s.Audience] {
			in.broken("client.multi_origin", "message %d went to %s but carried aud %q, "+
				"another push service's origin: the token was cached without regard to "+
				"the audience", i+1, s.Origin, s.Audience)
			return in.res.Findings[0]
		}
	}
	in.pass("client.multi_origin", "%d messages to %d origins each carried its own "+
		"service's aud (a wrong aud otherwise is vapid.aud.origin's concern)", len(samples),
		len(origins))
	return in.res.Findings[0]
}
