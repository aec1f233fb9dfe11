package pushservice

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/pushspec/pushspec/checks"
)

// How each push service answers: its limits and the shape of its errors.
// The rules themselves are the catalogue's; a profile makes its vendor's
// rules FAIL (checks.Requirement.StrictFor) and answers in that vendor's
// words. The shapes follow each service's documentation as of 2026; the
// texts are pushspec's own.
type vendor struct {
	// name is the profile's name, as --profile takes it.
	name string
	// bodyLimit: 413 above it.
	bodyLimit int
	// maxTTL clamps the TTL kept and echoed; 0 keeps it as asked.
	maxTTL int
	// ignoreUrgency treats every message as normal.
	ignoreUrgency bool
	// throttle is the status of a rate limit: 429, or 406 for WNS.
	throttle int
	// render writes an error answer.
	render func(w http.ResponseWriter, status int, why []checks.Finding, msg string)
	// remap changes the status the checks decided.
	remap func(status int, why []checks.Finding) int
}

// vendor is the profile's answers, made once when the server starts.
func (s *Server) vendor() vendor {
	if s.prof != nil {
		return *s.prof
	}
	return vendorOf(s.Profile)
}

func vendorOf(p checks.Profile) vendor {
	v := vendor{name: "rfc", bodyLimit: 4096, throttle: 429, render: renderFindings,
		remap: func(s int, _ []checks.Finding) int { return s }}
	switch p {
	case checks.ProfileFCM:
		v.name = "fcm"
		v.render = renderFCM
		v.remap = func(status int, _ []checks.Finding) int {
			if status == 401 {
				return 403 // FCM answers every VAPID fault with 403
			}
			return status
		}
	case checks.ProfileMozilla:
		v.name = "mozilla"
		v.bodyLimit, v.maxTTL, v.ignoreUrgency = 5630, 30*24*3600, true
		v.render = renderMozilla
		v.remap = func(status int, _ []checks.Finding) int {
			if status == 403 {
				return 401 // autopush answers every VAPID fault with 401
			}
			return status
		}
	case checks.ProfileApple:
		v.name = "apple"
		v.render = renderApple
	case checks.ProfileWNS:
		v.name = "wns"
		v.throttle = 406
		v.render = renderWNS
		v.remap = func(status int, why []checks.Finding) int {
			for _, f := range why {
				if f.Requirement == "http.content_length" && strings.Contains(f.Detail,
					"without Content-Length") {
					return 411
				}
			}
			return status
		}
	}
	return v
}

// renderFindings is the rfc profile's answer: the findings as JSON.
func renderFindings(w http.ResponseWriter, status int, why []checks.Finding, msg string) {
	if why == nil {
		why = []checks.Finding{}
	}
	body := map[string]any{"findings": why}
	if msg != "" {
		body["error"] = msg
	}
	writeJSON(w, status, body)
}

// renderFCM answers in plain text, a reason per line.
func renderFCM(w http.ResponseWriter, status int, why []checks.Finding, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	if msg != "" {
		fmt.Fprintln(w, msg)
	}
	for _, f := range why {
		fmt.Fprintf(w, "%s: %s\n", f.Requirement, f.Detail)
	}
}

// mozillaErrno are autopush's error numbers for the faults it names.
func mozillaErrno(status int, why []checks.Finding) int {
	switch status {
	case 404, 410:
		return 106
	case 413:
		return 104
	case 429:
		return 999
	}
	for _, f := range why {
		switch {
		case f.Requirement == "hdr.ttl.present" || f.Requirement == "hdr.ttl.syntax":
			return 111
		case strings.HasPrefix(f.Requirement, "hdr.topic."):
			return 113
		case strings.HasPrefix(f.Requirement, "vapid."):
			return 109
		}
	}
	return 110
}

// renderMozilla answers as autopush does: JSON with code, errno, error and
// message.
func renderMozilla(w http.ResponseWriter, status int, why []checks.Finding, msg string) {
	var details []string
	for _, f := range why {
		details = append(details, f.Requirement+": "+f.Detail)
	}
	if msg != "" {
		details = append([]string{msg}, details...)
	}
	writeJSON(w, status, map[string]any{"code": status, "errno": mozillaErrno(status, why),
		"error": http.StatusText(status), "message": strings.Join(details, "; "),
		"findings": nonNil(why)})
}

// appleReason is the reason Apple's service gives for a fault.
func appleReason(status int, why []checks.Finding) string {
	for _, f := range why {
		switch r := f.Requirement; {
		case r == "vapid.k.matches_subscription":
			return "VapidPkHashMismatch"
		case r == "vapid.k.point" || r == "vapid.k.encoding":
			return "BadVapidPublicKey"
		case strings.HasPrefix(r, "vapid."):
			return "BadJwtToken"
		case strings.HasPrefix(r, "hdr.topic."):
			return "BadWebPushTopic"
		case strings.HasPrefix(r, "hdr.urgency."):
			return "BadUrgency"
		case strings.HasPrefix(r, "hdr.ttl."):
			return "BadTtl"
		}
	}
	switch status {
	case 413:
		return "PayloadTooLarge"
	case 429:
		return "TooManyRequests"
	case 404, 410:
		return "Unregistered"
	}
	return "BadRequest"
}

// renderApple answers with {"reason": …}.
func renderApple(w http.ResponseWriter, status int, why []checks.Finding, msg string) {
	writeJSON(w, status, map[string]any{"reason": appleReason(status, why),
		"findings": nonNil(why)})
}

// renderWNS answers with an empty body and the details in X-WNS-* headers.
func renderWNS(w http.ResponseWriter, status int, why []checks.Finding, msg string) {
	var details []string
	if msg != "" {
		details = append(details, msg)
	}
	for _, f := range why {
		details = append(details, f.Requirement+": "+f.Detail)
	}
	w.Header().Set("X-WNS-Status", "dropped")
	w.Header().Set("X-WNS-Error-Description", strings.Join(details, "; "))
	w.WriteHeader(status)
}

func nonNil(fs []checks.Finding) []checks.Finding {
	if fs == nil {
		return []checks.Finding{}
	}
	return fs
}

// ttlFor is the TTL the service keeps and echoes for a requested one.
func (v vendor) ttlFor(requested string) (int, bool) {
	n, err := strconv.Atoi(requested)
	if err != nil || n < 0 {
		return 0, false
	}
	if v.maxTTL > 0 && n > v.maxTTL {
		n = v.maxTTL
	}
	return n, true
}
