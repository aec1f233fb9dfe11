package pushservice

import (
	"bytes"
	"context"
	"net/http"
	"testing"
)

func TestSkipInspection(t *testing.T) {
	s := NewServer(func(s *Server) { s.SkipInspection = true })
	defer s.Close()
	sub, err := s.CreateSubscription(nil)
	if err != nil {
		t.Fatal(err)
	}

	// A body that would never decrypt and no headers at all: 201 all the same.
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, sub.Endpoint,
		bytes.NewReader([]byte("not encrypted")))
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Location") == "" {
		t.Fatalf("status %d, Location %q; want 201 with a Location", resp.StatusCode,
			resp.Header.Get("Location"))
	}
	msgs, _ := s.Messages(sub.ID)
	if len(msgs) != 1 || len(msgs[0].Findings) != 0 || msgs[0].Payload != nil ||
		string(msgs[0].Body) != "not encrypted" {
		t.Fatalf("recorded %+v", msgs)
	}

	// Gone is still gone.
	s.DeleteSubscription(sub.ID)
	req, _ = http.NewRequestWithContext(context.Background(), http.MethodPost, sub.Endpoint, nil)
	resp, err = s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone {
		t.Errorf("status %d after delete, want 410", resp.StatusCode)
	}
}
