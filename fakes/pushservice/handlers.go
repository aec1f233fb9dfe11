package pushservice

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/webpush"
)

// maxBody bounds what the server reads of any request body: a push body may
// be over the 4096 octets a service must accept (and get 413), but not
// without limit.
const maxBody = 1 << 20

// Handler returns the server's routes, for mounting in another server.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /subscriptions", s.control(s.handleCreate))
	mux.HandleFunc("GET /subscriptions/{id}/messages", s.control(s.handleMessages))
	mux.HandleFunc("DELETE /subscriptions/{id}", s.control(s.handleDelete))
	mux.HandleFunc("/push/{id}", s.handlePush)
	mux.HandleFunc("GET /messages/{id}", s.control(s.handleMessage))
	mux.HandleFunc("DELETE /messages/{id}", s.handleCancel)
	mux.HandleFunc("/", s.handleUnknown)
	return mux
}

// control guards a control call with the ControlToken, when there is one.
func (s *Server) control(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.ControlToken != "" && r.Header.Get("Authorization") != "Bearer "+s.ControlToken {
			w.Header().Set("WWW-Authenticate", `Bearer realm="pushspec control"`)
			writeError(w, http.StatusUnauthorized, "control calls need Authorization: Bearer "+
				"<the --control-token>")
			return
		}
		h(w, r)
	}
}

type keysJSON struct {
	P256DH string `json:"p256dh"`
	Auth   string `json:"auth"`
}

type subscriptionJSON struct {
	ID       string   `json:"id"`
	Endpoint string   `json:"endpoint"`
	Keys     keysJSON `json:"keys"`
}

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ApplicationServerKey *string `json:"applicationServerKey"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "the body is over 64 KiB")
		return
	}
	if len(body) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, "the body is not a JSON object with an "+
				"optional applicationServerKey: "+err.Error())
			return
		}
	}
	var ask []byte
	if req.ApplicationServerKey != nil {
		if ask, err = webpush.DecodeBase64(*req.ApplicationServerKey); err != nil {
			writeError(w, http.StatusBadRequest, "applicationServerKey is not base64url")
			return
		}
	}
	sub, err := s.CreateSubscription(ask)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	j := sub.JSON()
	writeJSON(w, http.StatusCreated, subscriptionJSON{ID: sub.ID, Endpoint: sub.Endpoint,
		Keys: keysJSON{P256DH: j.Keys.P256DH, Auth: j.Keys.Auth}})
}

func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	msgs, err := s.Messages(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusNotFound, "no subscription "+strconv.Quote(r.PathValue("id")))
		return
	}
	if msgs == nil {
		msgs = []Message{}
	}
	writeJSON(w, http.StatusOK, msgs)
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.DeleteSubscription(r.PathValue("id")); err != nil {
		writeError(w, http.StatusNotFound, "no subscription "+strconv.Quote(r.PathValue("id")))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleUnknown answers a route the service does not have with a finding,
// not a silent 404.
func (s *Server) handleUnknown(w http.ResponseWriter, r *http.Request) {
	s.logger().Debug("unexpected route", "method", r.Method, "path", r.URL.Path)
	writeFindings(w, http.StatusNotFound, []checks.Finding{{
		Requirement: "http.method", Verdict: checks.Fail,
		Detail: fmt.Sprintf("%s %s is not a route of this push service: push to the "+
			"subscription's endpoint, /push/<id>", r.Method, r.URL.Path),
	}})
}

func (s *Server) handlePush(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	sub, ok := s.lookup(id)
	if !ok {
		io.Copy(io.Discard, io.LimitReader(r.Body, maxBody))
		writeFindings(w, http.StatusNotFound, []checks.Finding{{
			Requirement: "http.method", Verdict: checks.Fail,
			Detail: fmt.Sprintf("no subscription %q: this is not an endpoint the service handed out", id),
		}})
		return
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeFindings(w, http.StatusRequestEntityTooLarge, []checks.Finding{{
				Requirement: "body.size", Verdict: checks.Warn,
				Detail: fmt.Sprintf("the body is over %d octets", maxBody),
			}})
		}
		return // the client went away
	}

	now := s.now()
	req := checks.RequestFrom(r, body)
	res := s.inspector.Inspect(req, checks.Subscription{
		Endpoint: sub.Endpoint, Keys: sub.Keys, ApplicationServerKey: sub.ApplicationServerKey,
	}, now)
	status, why := checks.Status(res.Findings, s.RejectUndecryptable)
	gone := s.isDeleted(sub)
	if gone {
		status = http.StatusGone
	}
	scripted, isScripted := s.nextAnswer(sub)
	if isScripted {
		status = scripted.Status
	}

	m := Message{Received: now, Status: status, Encoding: res.Encoding,
		Header: r.Header.Clone(), Body: body, Findings: res.Findings, Request: req, Result: res}
	if res.Decrypted {
		m.Payload = append(Base64{}, res.Payload...)
	}
	s.record(sub, &m)
	s.logger().Debug("push", "subscription", id, "status", status, "octets", len(body),
		"encoding", res.Encoding)
	if s.OnMessage != nil {
		s.OnMessage(m)
	}

	switch {
	case isScripted:
		for k, vs := range scripted.Header {
			w.Header()[k] = vs
		}
		if status == http.StatusCreated && w.Header().Get("Location") == "" {
			w.Header().Set("Location", s.base()+"/messages/"+m.ID)
		}
		w.WriteHeader(status)
		io.WriteString(w, scripted.Body)
		return
	case gone:
		if why == nil {
			why = []checks.Finding{}
		}
		writeJSON(w, status, map[string]any{"findings": why, "error": "the subscription has " +
			"expired: forget it (RFC 8030 §7.3)"})
		return
	case status != http.StatusCreated:
		if status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", http.MethodPost)
		}
		writeFindings(w, status, why)
		return
	}
	w.Header().Set("Location", s.base()+"/messages/"+m.ID)
	if ttl := r.Header.Get("TTL"); ttl != "" && isDigits(ttl) {
		w.Header().Set("TTL", ttl)
	}
	w.WriteHeader(http.StatusCreated)
}

// handleMessage returns one message, the push message resource of a 201.
func (s *Server) handleMessage(w http.ResponseWriter, r *http.Request) {
	m, ok := s.message(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "no message "+strconv.Quote(r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, m)
}

// handleCancel is an application server cancelling a message it pushed
// (RFC 8030 §5): the message is marked, and 204 answered.
func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	if !s.cancel(r.PathValue("id")) {
		writeError(w, http.StatusNotFound, "no message "+strconv.Quote(r.PathValue("id")))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) isDeleted(sub *subscription) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sub.deleted
}

func isDigits(v string) bool {
	_, err := strconv.ParseUint(v, 10, 64)
	return err == nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func writeFindings(w http.ResponseWriter, status int, fs []checks.Finding) {
	writeJSON(w, status, map[string]any{"findings": fs})
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
