package reports

import "github.com/pushspec/pushspec/checks"

// EntryName is the name of the Ginkgo report entry that carries a
// requirement's verdict; the suites add one per spec and the reports read
// them back from Ginkgo's JSON report.
const EntryName = "pushspec.verdict"

// SenderEntryName is the report entry that describes the sender under test.
const SenderEntryName = "pushspec.sender"

// An Entry is the verdict of one requirement for one sender, with the
// scenarios that decided it.
type Entry struct {
	Requirement string         `json:"requirement"`
	Verdict     checks.Verdict `json:"verdict"`
	Detail      string         `json:"detail"`
	Scenarios   []Scenario     `json:"scenarios"`
}

// A Scenario is one case a sender was put through, as it bears on one
// requirement.
type Scenario struct {
	Name string `json:"name"`
	// Asked says what the sender was asked to send.
	Asked   string         `json:"asked,omitempty"`
	Verdict checks.Verdict `json:"verdict"`
	Detail  string         `json:"detail"`
	// Sent is how many messages the sender was asked for, Received how many
	// reached the push service.
	Sent     int `json:"sent"`
	Received int `json:"received"`
	// Status is what the push service answered the first message; Outcome
	// and Error are what the sender reported.
	Status  int    `json:"status"`
	Outcome string `json:"outcome,omitempty"`
	Error   string `json:"error,omitempty"`
	// Request holds the headers of the first message received, and Payload
	// its decrypted bytes as base64url (at most 512 octets, PayloadSize
	// gives the whole length), absent when nothing was decrypted.
	Request     map[string][]string `json:"request,omitempty"`
	Payload     *string             `json:"payload,omitempty"`
	PayloadSize int                 `json:"payloadSize"`
}

// SenderInfo describes the sender under test.
type SenderInfo struct {
	// Kind is "sender" (the default) for a run that judges a sender, or
	// "service" for one that judges a push service.
	Kind         string   `json:"kind,omitempty"`
	Name         string   `json:"name"`
	Version      string   `json:"version"`
	Encodings    []string `json:"encodings"`
	VAPIDSchemes []string `json:"vapidSchemes"`
	Profile      string   `json:"profile"`
}

// String is how an entry reads in Ginkgo's console output.
func (e Entry) String() string {
	s := string(e.Verdict) + " " + e.Requirement + ": " + e.Detail
	for _, sc := range e.Scenarios {
		s += "\n  " + string(sc.Verdict) + " " + sc.Name + ": " + sc.Detail
	}
	return s
}
