package fcm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/fakes/fcm/internal/gcmpb"
)

// maxPushBody bounds what the push endpoint reads of a body: over the 4096
// octets a service must accept (those get 413), but not without limit.
const maxPushBody = 1 << 20

func (s *Server) pushHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(pushPath+"{token}", s.handlePush)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.logger().Debug("unexpected route", "method", r.Method, "path", r.URL.Path)
		s.refuse(w, http.StatusNotFound, []checks.Finding{{
			Requirement: "http.method", Verdict: checks.Fail,
			Detail: fmt.Sprintf("%s %s is not a route of this push service: push to the "+
				"subscription's endpoint, %s<token>", r.Method, r.URL.Path, pushPath),
		}})
	})
	return mux
}

// handlePush is the Web Push endpoint: it judges the request with the same
// checks as fakes/pushservice (without decryption: the browser holds the
// keys), and forwards an accepted message to the browser.
func (s *Server) handlePush(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	reg, err := s.Registration(token)
	if err != nil {
		io.Copy(io.Discard, io.LimitReader(r.Body, maxPushBody))
		s.refuse(w, http.StatusNotFound, []checks.Finding{{
			Requirement: "http.method", Verdict: checks.Fail,
			Detail: fmt.Sprintf("no registration %q: this is not an endpoint a browser "+
				"subscribed with", short(token)),
		}})
		return
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPushBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.refuse(w, http.StatusRequestEntityTooLarge, []checks.Finding{{
				Requirement: "body.size", Verdict: checks.Warn,
				Detail: fmt.Sprintf("the body is over %d octets", maxPushBody),
			}})
		}
		return // the client went away
	}

	now := s.now()
	req := checks.RequestFrom(r, body)
	res := s.inspector.Inspect(req, checks.Subscription{
		Endpoint: s.url + pushPath + token, ApplicationServerKey: reg.ApplicationServerKey,
	}, now)
	status, why := checks.Status(res.Findings, false)
	if reg.Deleted {
		status = http.StatusGone
	}
	ttl, _ := strconv.Atoi(r.Header.Get("TTL"))
	m := &message{Message: Message{Token: token, Received: now, Status: status,
		Encoding: res.Encoding, Header: r.Header.Clone(), Body: body, Findings: res.Findings,
		TTL: ttl, Topic: r.Header.Get("Topic"), State: Rejected}}

	s.mu.Lock()
	s.recordLocked(m)
	if status == http.StatusCreated {
		m.PersistentID = "0:" + strconv.FormatInt(now.UnixMilli(), 10) + "%pushspec-" + m.ID
		m.stanza = dataMessage(&reg, m, r.Header)
		// The registration may have gone while the request was judged.
		if cur := s.regs[token]; cur != nil && !cur.Deleted {
			s.acceptLocked(cur, m)
		} else {
			m.State, status = Rejected, http.StatusGone
			m.Status = status
		}
	}
	state := m.State
	msg := m.Message
	s.mu.Unlock()
	s.logger().Debug("push", "token", short(token), "status", status, "octets", len(body),
		"encoding", res.Encoding, "ttl", ttl, "state", state)
	if s.OnMessage != nil {
		s.OnMessage(msg)
	}

	switch {
	case status == http.StatusGone:
		s.refuseText(w, status, "the subscription was unsubscribed: forget it "+
			"(RFC 8030 §7.3)", why)
		return
	case status != http.StatusCreated:
		s.refuse(w, status, why)
		return
	}
	w.Header().Set("Location", s.url+"/fcm/messages/"+msg.ID)
	w.Header().Set("TTL", strconv.Itoa(ttl))
	w.WriteHeader(http.StatusCreated)
}

// dataMessage is the MCS data message that carries m to the browser, as
// Chromium's push code reads it: from is exactly the registration's sender,
// category its app, the subtype in app_data; for aes128gcm the whole body in
// raw_data and content-encoding in app_data; for the legacy aesgcm the bare
// ciphertext in raw_data and the Encryption and Crypto-Key values in
// app_data. A message without a body carries no raw_data: event.data is null.
func dataMessage(reg *Registration, m *message, h http.Header) *gcmpb.DataMessageStanza {
	dm := &gcmpb.DataMessageStanza{
		Id:           proto.String(m.ID),
		From:         proto.String(reg.Sender),
		To:           proto.String(reg.Token),
		Category:     proto.String(reg.App),
		PersistentId: proto.String(m.PersistentID),
		Sent:         proto.Int64(m.Received.Unix()),
		ImmediateAck: proto.Bool(true),
	}
	if m.TTL > 0 {
		dm.Ttl = proto.Int32(int32(min(m.TTL, 1<<31-1)))
	}
	appData := func(k, v string) {
		dm.AppData = append(dm.AppData, &gcmpb.AppData{Key: proto.String(k),
			Value: proto.String(v)})
	}
	if reg.Subtype != "" {
		appData("subtype", reg.Subtype)
	}
	if len(m.Body) > 0 {
		switch m.Encoding {
		case "aes128gcm":
			appData("content-encoding", "aes128gcm")
		case "aesgcm":
			appData("encryption", h.Get("Encryption"))
			appData("crypto-key", h.Get("Crypto-Key"))
		}
		dm.RawData = m.Body
	}
	return dm
}

// refuse answers an error with the findings that decide it: under the FCM
// profile as plain text, one "requirement: detail" line each, as FCM answers
// in text; otherwise as JSON like fakes/pushservice.
func (s *Server) refuse(w http.ResponseWriter, status int, why []checks.Finding) {
	if s.Profile == checks.ProfileFCM {
		var lines []string
		for _, f := range why {
			lines = append(lines, f.Requirement+": "+f.Detail)
		}
		s.refuseText(w, status, strings.Join(lines, "\n"), nil)
		return
	}
	if why == nil {
		why = []checks.Finding{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(map[string]any{"findings": why})
}

// refuseText answers an error whose reason is text; outside the FCM profile
// the findings go along as JSON.
func (s *Server) refuseText(w http.ResponseWriter, status int, reason string,
	why []checks.Finding) {
	if s.Profile != checks.ProfileFCM {
		if why == nil {
			why = []checks.Finding{}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.Encode(map[string]any{"findings": why, "error": reason})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, reason)
}
