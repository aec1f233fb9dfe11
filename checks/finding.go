package checks

// Verdict is the outcome of one requirement for one message, as in
// Autobahn|Testsuite.
type Verdict string

const (
	Pass Verdict = "PASS"
	// Fail: a MUST is broken.
	Fail Verdict = "FAIL"
	// Warn: a SHOULD is broken, or an interop hazard.
	Warn Verdict = "WARN"
	// Info: worth knowing, not a fault.
	Info Verdict = "INFO"
	// Unsupported: the sender declares it lacks the feature.
	Unsupported Verdict = "UNSUPPORTED"
)

// rank orders verdicts from best to worst.
func (v Verdict) rank() int {
	switch v {
	case Pass:
		return 0
	case Info:
		return 1
	case Unsupported:
		return 2
	case Warn:
		return 3
	case Fail:
		return 4
	}
	return 5
}

// Worse reports whether v is worse than w: FAIL > WARN > UNSUPPORTED > INFO > PASS.
func (v Verdict) Worse(w Verdict) bool { return v.rank() > w.rank() }

// A Finding is the verdict of one requirement on one message.
type Finding struct {
	Requirement string  `json:"requirement"`
	Verdict     Verdict `json:"verdict"`
	Detail      string  `json:"detail"`
}

// Worst returns the worst verdict among findings for requirement id, with
// the detail of the first finding that has it. ok is false when none of the
// findings is about id.
func Worst(findings []Finding, id string) (f Finding, ok bool) {
	for _, x := range findings {
		if x.Requirement != id {
			continue
		}
		if !ok || x.Verdict.Worse(f.Verdict) {
			f, ok = x, true
		}
	}
	return f, ok
}

// Profile selects which push service's rules apply on top of the RFCs.
type Profile string

const (
	ProfileRFC     Profile = "rfc"
	ProfileFCM     Profile = "fcm"
	ProfileMozilla Profile = "mozilla"
	ProfileApple   Profile = "apple"
	ProfileWNS     Profile = "wns"
)

// Profiles lists every profile, the strict RFC one first.
var Profiles = []Profile{ProfileRFC, ProfileFCM, ProfileMozilla, ProfileApple, ProfileWNS}
