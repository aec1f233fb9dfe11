package loadgen

import (
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// An Outcome is what a push service's answer means to an application
// server (RFC 8030 §5, §7). vegeta counts any 2xx or 3xx as success; a push
// service answers 201 Created, or 202 to Prefer: respond-async.
type Outcome string

const (
	// Accepted: 201 or 202, the message is the service's to deliver.
	Accepted Outcome = "accepted"
	// Gone: 404 or 410, the subscription no longer exists; forget it.
	Gone Outcome = "gone"
	// TooLarge: 413, the body is over what the service takes (RFC 8030 §7.2).
	TooLarge Outcome = "too-large"
	// RateLimited: 429, the application server is over its rate; wait for
	// Retry-After (RFC 8030 §8.4).
	RateLimited Outcome = "rate-limited"
	// Rejected: any other 4xx (400 headers, 401/403 VAPID).
	Rejected Outcome = "rejected"
	// ServerError: 5xx.
	ServerError Outcome = "server-error"
	// NoAnswer: no HTTP status at all: a timeout, a refused or reset
	// connection.
	NoAnswer Outcome = "no-answer"
	// Unexpected: any other status, 200 included: a push service creates a
	// message resource and answers 201.
	Unexpected Outcome = "unexpected"
)

// Outcomes lists every outcome in the order reports show them.
var Outcomes = []Outcome{Accepted, Gone, TooLarge, RateLimited, Rejected, ServerError,
	NoAnswer, Unexpected}

// Classify returns the outcome of status code.
func Classify(code uint16) Outcome {
	switch {
	case code == 201 || code == 202:
		return Accepted
	case code == 404 || code == 410:
		return Gone
	case code == 413:
		return TooLarge
	case code == 429:
		return RateLimited
	case code >= 400 && code < 500:
		return Rejected
	case code >= 500 && code < 600:
		return ServerError
	case code == 0:
		return NoAnswer
	}
	return Unexpected
}

// ClassifyResult is Classify of a vegeta result.
func ClassifyResult(r *vegeta.Result) Outcome { return Classify(r.Code) }
