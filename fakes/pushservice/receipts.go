package pushservice

import (
	"strings"
	"time"
)

// Receipts (RFC 8030 §5.1, §6): an application server that sends a push with
// Prefer: respond-async gets 202 and a Link to a receipt subscription, and a
// receipt arrives there once the user agent has the message. RFC 8030
// delivers receipts with HTTP/2 server push; the fake keeps them for
// GET /receipts/{id} instead, as JSON.

// A Receipt says that the user agent acknowledged a message.
type Receipt struct {
	Message      string    `json:"message"`
	Acknowledged time.Time `json:"acknowledged"`
}

// NewReceiptSubscription makes a receipt subscription and returns its ID.
func (s *Server) NewReceiptSubscription() string {
	id := newID()
	s.mu.Lock()
	if s.receipts == nil {
		s.receipts = map[string][]Receipt{}
	}
	s.receipts[id] = []Receipt{}
	s.mu.Unlock()
	return id
}

// Receipts returns the receipts of a receipt subscription, oldest first.
func (s *Server) Receipts(id string) ([]Receipt, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.receipts[id]
	return append([]Receipt(nil), r...), ok
}

// receiptID reads the receipt subscription of a Push-Receipt URL of ours.
func (s *Server) receiptID(url string) (string, bool) {
	id := url[strings.LastIndexByte(url, '/')+1:]
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.receipts[id]
	return id, ok && strings.Contains(url, "/receipts/")
}

// acknowledgeLocked files the receipt of a delivery that was read.
func (s *Server) acknowledgeLocked(d Delivery) {
	if d.receipt == "" {
		return
	}
	s.receipts[d.receipt] = append(s.receipts[d.receipt],
		Receipt{Message: d.ID, Acknowledged: s.now()})
}
