// Package labels is the frozen registry of the labels that pushspec's specs
// carry, and the labels of each requirement. A spec's labels come from For,
// never from a literal, so that --label-filter queries keep working:
//
//	ginkgo --label-filter='RFC: containsAny 8292' -r ./suites
//	ginkgo --label-filter='Level: consistsOf MUST' -r ./suites
//	ginkgo --label-filter=vapid.aud.origin -r ./suites
package labels

import (
	"fmt"
	"strings"

	"github.com/onsi/ginkgo/v2"

	"github.com/pushspec/pushspec/checks"
)

// Plain labels besides the requirement IDs.
const (
	// Slow marks specs that send thousands of messages.
	Slow = "slow"
	// Browser marks specs that drive a real Chromium.
	Browser = "browser"
	// Load marks load specs.
	Load = "load"
)

// registry is every label a spec may carry, besides the requirement IDs of
// the catalogue. Add to it deliberately: users filter by these.
var registry = map[string]bool{
	"RFC:6454": true, "RFC:7515": true, "RFC:7518": true, "RFC:7519": true,
	"RFC:8030": true, "RFC:8188": true, "RFC:8291": true, "RFC:8292": true, "RFC:9112": true,
	"RFC:draft":  true,
	"Level:MUST": true, "Level:MUST NOT": true, "Level:SHOULD": true, "Level:MAY": true, "Level:policy": true,
	"Level:vendor": true, "Level:interop": true,
	"vendor:apple": true, "vendor:fcm": true, "vendor:mozilla": true, "vendor:wns": true,
	Slow: true, Browser: true, Load: true,
}

// Valid reports whether l is a registered label or a requirement ID.
func Valid(l string) bool {
	if registry[l] {
		return true
	}
	_, ok := checks.Lookup(l)
	return ok
}

// For returns the labels of requirement id's spec, plus extra ones: the ID,
// "RFC:<n>" for every RFC it cites ("RFC:draft" for drafts), and its level.
// It panics on an unknown ID or an unregistered label, when the suites load.
func For(id string, extra ...string) ginkgo.Labels {
	r, ok := checks.Lookup(id)
	if !ok {
		panic(fmt.Sprintf("labels: %q is not in the catalogue", id))
	}
	ls := []string{id}
	seen := map[string]bool{}
	for _, ref := range r.Refs {
		var l string
		switch {
		case strings.HasPrefix(ref.Doc, "RFC "):
			l = "RFC:" + strings.TrimPrefix(ref.Doc, "RFC ")
		case strings.HasPrefix(ref.Doc, "draft-"):
			l = "RFC:draft"
		default:
			continue
		}
		if !seen[l] {
			seen[l] = true
			ls = append(ls, l)
		}
	}
	switch lv := string(r.Level); {
	case strings.HasPrefix(lv, "vendor:"):
		ls = append(ls, "Level:vendor", lv)
	case lv == "—":
		ls = append(ls, "Level:interop")
	default:
		ls = append(ls, "Level:"+lv)
	}
	for _, p := range r.StrictFor {
		if l := "vendor:" + string(p); !contains(ls, l) {
			ls = append(ls, l)
		}
	}
	ls = append(ls, extra...)
	for _, l := range ls {
		if !Valid(l) {
			panic(fmt.Sprintf("labels: %q is not in the registry", l))
		}
	}
	return ginkgo.Label(ls...)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
