package pushservice

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzControlAPI sends arbitrary JSON bodies to every control call that
// reads one: the service must answer (2xx, 4xx) with JSON and never panic.
//
//	go test ./fakes/pushservice -run '^$' -fuzz FuzzControlAPI -fuzztime 30s
func FuzzControlAPI(f *testing.F) {
	s := NewUnstartedServer()
	s.Start()
	defer s.Close()
	sub, _ := s.CreateSubscription(nil)
	h := s.Handler()

	routes := []string{"POST /subscriptions", "POST /subscriptions/ID/connect",
		"PUT /subscriptions/ID/rate", "POST /faults", "POST /clock"}
	for i, body := range []string{`{"applicationServerKey":"BBBB"}`, `{"urgency":"low"}`,
		`{"messages":2,"per":"1m"}`, `{"status":429,"retryAfter":5,"count":2}`,
		`{"advance":"61s"}`, `{"delay":1.5,"goaway":true}`, `{"per":5}`, `[]`, `null`, `{`,
		`{"advance":"-1s"}`, `{"status":0}`, `{"urgency":"urgent"}`} {
		f.Add(uint8(i), body)
	}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		method, path, _ := strings.Cut(routes[int(route)%len(routes)], " ")
		path = strings.Replace(path, "ID", sub.ID, 1)
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, rec.Code, rec.Body)
		}
		if rec.Code != http.StatusNoContent && rec.Code != http.StatusCreated &&
			!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("%s %s %q: %d without JSON", method, path, body, rec.Code)
		}
	})
}
