package pushservice

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

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
	mux.HandleFunc("GET /subscriptions/{id}", s.control(s.handleState))
	mux.HandleFunc("DELETE /subscriptions/{id}", s.control(s.handleDelete))
	mux.HandleFunc("GET /subscriptions/{id}/messages", s.control(s.handleMessages))
	mux.HandleFunc("POST /subscriptions/{id}/connect", s.control(s.handleConnect))
	mux.HandleFunc("POST /subscriptions/{id}/disconnect", s.control(s.handleDisconnect))
	mux.HandleFunc("GET /subscriptions/{id}/stream", s.control(s.handleStream))
	mux.HandleFunc("PUT /subscriptions/{id}/rate", s.control(s.handleRate))
	mux.HandleFunc("POST /subscriptions/{id}/expire", s.control(s.handleExpire))
	mux.HandleFunc("/push/{id}", s.handlePush)
	mux.HandleFunc("GET /messages/{id}", s.control(s.handleMessage))
	mux.HandleFunc("DELETE /messages/{id}", s.handleCancel)
	mux.HandleFunc("POST /receipts", s.handleNewReceipts)
	mux.HandleFunc("GET /receipts/{id}", s.handleReceipts)
	mux.HandleFunc("POST /faults", s.control(s.handleFault))
	mux.HandleFunc("POST /clock", s.control(s.handleClock))
	mux.HandleFunc("GET /stats", s.control(s.handleStats))
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
	w.Header().Set("Location", s.base()+"/subscriptions/"+sub.ID)
	w.Header().Add("Link", fmt.Sprintf("<%s>; rel=%q", sub.Endpoint, "urn:ietf:params:push"))
	w.Header().Add("Link", fmt.Sprintf("<%s/receipts>; rel=%q", s.base(), checks.ReceiptRel))
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
	v := s.vendor()
	if f, ok := s.nextFault(id); ok && s.fault(w, r, f) {
		return
	}

	sub, ok := s.lookup(id)
	if !ok {
		io.Copy(io.Discard, io.LimitReader(r.Body, maxBody))
		v.render(w, http.StatusNotFound, nil, fmt.Sprintf("no subscription %q: this is not "+
			"an endpoint the service handed out", id))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			v.render(w, http.StatusRequestEntityTooLarge, []checks.Finding{{
				Requirement: "body.size", Verdict: checks.Warn,
				Detail: fmt.Sprintf("the body is over %d octets", maxBody)}}, "")
		}
		return // the client went away
	}

	now := s.now()
	req := checks.RequestFrom(r, body)
	res := checks.Result{Findings: []checks.Finding{}}
	status, why := http.StatusCreated, []checks.Finding(nil)
	if !s.SkipInspection {
		res = s.inspector.Inspect(req, checks.Subscription{Endpoint: sub.Endpoint,
			Keys: sub.Keys, ApplicationServerKey: sub.ApplicationServerKey}, now)
		status, why = s.decide(res.Findings, len(body), v)
	}

	m := &Message{Received: now, Encoding: res.Encoding, Header: r.Header.Clone(), Body: body,
		Findings: res.Findings, Request: req, Result: res}
	if res.Decrypted {
		m.Payload = append(Base64{}, res.Payload...)
	}
	ttl, _ := v.ttlFor(r.Header.Get("TTL"))
	d := Delivery{Topic: r.Header.Get("Topic"), Urgency: strings.ToLower(r.Header.Get("Urgency")),
		TTL: ttl, Received: now, Payload: m.Payload}
	async := prefersAsync(r.Header) && !s.Misbehave.IgnoreRespondAsync
	if async && status == http.StatusCreated {
		d.receipt = s.receiptFor(r.Header.Get("Push-Receipt"))
	}
	scripted, isScripted := s.nextAnswer(sub)
	if isScripted {
		status = scripted.Status
	}
	adm := s.accept(sub, m, status, d, isScripted)

	s.logger().Debug("push", "subscription", id, "status", m.Status, "octets", len(body),
		"encoding", res.Encoding, "profile", v.name)
	if s.OnMessage != nil {
		s.OnMessage(*m)
	}

	switch {
	case isScripted:
		for k, vs := range scripted.Header {
			w.Header()[k] = vs
		}
		if m.Status == http.StatusCreated && w.Header().Get("Location") == "" {
			w.Header().Set("Location", s.base()+"/messages/"+m.ID)
		}
		w.WriteHeader(m.Status)
		io.WriteString(w, scripted.Body)
	case adm.status == http.StatusGone || adm.status == http.StatusNotFound:
		v.render(w, adm.status, nil, adm.why) // what is wrong with the push no longer matters
	case adm.status != 0:
		if adm.status == 429 {
			adm.status = v.throttle
			if !s.Misbehave.NoRetryAfter {
				w.Header().Set("Retry-After", strconv.Itoa(adm.retryAfter))
			}
		}
		m.Status = adm.status
		v.render(w, adm.status, why, adm.why)
	case status != http.StatusCreated:
		if status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", http.MethodPost)
		}
		v.render(w, status, why, "")
	default:
		if !s.Misbehave.NoLocation {
			w.Header().Set("Location", s.base()+"/messages/"+m.ID)
		}
		if echo := r.Header.Get("TTL"); isDigits(echo) {
			if s.Misbehave.EchoLongerTTL {
				ttl += 3600
			}
			w.Header().Set("TTL", strconv.Itoa(ttl))
		}
		if d.receipt != "" {
			w.Header().Set("Link", fmt.Sprintf("<%s/receipts/%s>; rel=%q", s.base(), d.receipt,
				checks.ReceiptRel))
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}
}

// decide turns the findings into the status this service answers, as its
// profile and any Misbehave say.
func (s *Server) decide(findings []checks.Finding, size int, v vendor) (int,
	[]checks.Finding) {
	ignore := map[string]bool{}
	if size <= v.bodyLimit {
		ignore["body.size"] = true // within this service's own limit
	}
	mb := s.Misbehave
	ignore["hdr.ttl.present"] = mb.AcceptMissingTTL
	ignore["hdr.topic.syntax"] = mb.AcceptInvalidTopic
	ignore["hdr.urgency.syntax"] = mb.AcceptMultipleUrgency
	judged := findings[:0:0]
	for _, f := range findings {
		if ignore[f.Requirement] || (mb.IgnoreVAPID && strings.HasPrefix(f.Requirement, "vapid.")) {
			continue
		}
		judged = append(judged, f)
	}
	status, why := checks.Status(judged, s.RejectUndecryptable)
	if mb.Limit413 > 0 && size > mb.Limit413 && status < 400 {
		status = http.StatusRequestEntityTooLarge
	}
	return v.remap(status, why), why
}

// accept records m and, when the checks accepted it, lets the delivery model
// take it; the admission says why not when it refused. m.Status is set to
// what is answered.
func (s *Server) accept(sub *subscription, m *Message, status int, d Delivery,
	scripted bool) admission {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	m.ID = fmt.Sprintf("%s.%d", sub.ID, s.seq)
	m.Status = status
	var adm admission
	switch {
	case sub.deleted && !s.Misbehave.AcceptGone:
		adm = admission{status: sub.goneStatus(), why: "the subscription was unsubscribed: " +
			"forget it (RFC 8030 §7.3)"}
		if sub.expired {
			adm.why = "the subscription has expired: forget it (RFC 8030 §7.3)"
		}
		m.Status = adm.status
	case scripted:
	case status == http.StatusCreated:
		d.ID = m.ID
		adm = s.admitLocked(sub, d, d.TTL, m.Received)
		if adm.status != 0 {
			m.Status = adm.status
		} else if d.receipt != "" {
			m.Status = http.StatusAccepted
		}
	}
	s.recordLocked(sub, m)
	return adm
}

// fault applies an injected fault and reports whether the request is done.
func (s *Server) fault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	if f.Delay > 0 {
		t := time.NewTimer(time.Duration(f.Delay))
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	if f.Reset {
		io.Copy(io.Discard, io.LimitReader(r.Body, 64))
		panic(http.ErrAbortHandler) // closes the connection (HTTP/1) or resets the stream
	}
	if f.GoAway {
		w.Header().Set("Connection", "close") // HTTP/2: GOAWAY once this stream is done
	}
	if f.Status != 0 {
		io.Copy(io.Discard, io.LimitReader(r.Body, maxBody))
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		s.vendor().render(w, f.Status, nil, fmt.Sprintf("an injected fault: %d", f.Status))
		return true
	}
	return false
}

// prefersAsync reports whether the request asks for Prefer: respond-async.
func prefersAsync(h http.Header) bool {
	for _, v := range h.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(strings.SplitN(p, ";", 2)[0]),
				"respond-async") {
				return true
			}
		}
	}
	return false
}

// receiptFor returns the receipt subscription of a Push-Receipt header, or a
// new one when it names none of ours.
func (s *Server) receiptFor(pushReceipt string) string {
	if id, ok := s.receiptID(pushReceipt); ok {
		return id
	}
	return s.NewReceiptSubscription()
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
