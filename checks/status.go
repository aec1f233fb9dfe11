package checks

// undecryptable lists the requirements whose breach only decryption sees.
var undecryptable = map[string]bool{
	"ece.decrypt": true, "ece.ecdh_truncated": true, "ece.record.delimiter": true,
	"legacy.padding": true,
}

// statusOrder is the order in which a strict push service looks at a
// request: method and size first, then syntax, authentication, authorization.
var statusOrder = []int{405, 413, 400, 401, 403}

// Status returns what a strict push service answers a request with these
// findings: 201 and nil when it accepts the message, or an error status and
// the findings that decide it. A FAIL on a requirement with a Status decides;
// so does a WARN on body.size, whose limit a service enforces. With
// rejectUndecryptable, faults that only decryption sees are answered 400
// instead of being accepted as real services do.
func Status(findings []Finding, rejectUndecryptable bool) (int, []Finding) {
	byStatus := map[int][]Finding{}
	for _, f := range findings {
		r, ok := byID[f.Requirement]
		if !ok || f.Verdict == Pass || f.Verdict == Info {
			continue
		}
		status := r.Status
		switch {
		case rejectUndecryptable && undecryptable[f.Requirement] && f.Verdict == Fail:
			status = 400
		case f.Verdict != Fail && f.Requirement != "body.size":
			status = 0
		}
		if status != 0 {
			byStatus[status] = append(byStatus[status], f)
		}
	}
	for _, s := range statusOrder {
		if fs := byStatus[s]; len(fs) > 0 {
			return s, fs
		}
	}
	return 201, nil
}
