package pushservice

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// The control API of the user agent side, faults and the clock.

// readJSON decodes a request body of at most 64 KiB into v, refusing
// unknown fields. An empty body leaves v as it is.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "the body is over 64 KiB")
		return false
	}
	if len(body) == 0 {
		return true
	}
	if err := decodeStrict(body, v); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return false
	}
	return true
}

// decodeStrict decodes one JSON value into v, refusing unknown fields and
// trailing data.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("the body is not the JSON expected: %v", err)
	}
	if dec.More() {
		return errors.New("the body holds more than one JSON value")
	}
	return nil
}

// notFound answers a control call for a subscription that does not exist.
func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "no subscription "+strconv.Quote(r.PathValue("id")))
}

func (s *Server) handleState(w http.ResponseWriter, r *http.Request) {
	st, err := s.State(r.PathValue("id"))
	if err != nil {
		notFound(w, r)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) handleConnect(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Urgency string `json:"urgency"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	switch err := s.SetConnected(r.PathValue("id"), true, req.Urgency); {
	case errors.Is(err, ErrNoSubscription):
		notFound(w, r)
	case err != nil:
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		s.handleState(w, r)
	}
}

func (s *Server) handleDisconnect(w http.ResponseWriter, r *http.Request) {
	if err := s.SetConnected(r.PathValue("id"), false, ""); err != nil {
		notFound(w, r)
		return
	}
	s.handleState(w, r)
}

func (s *Server) handleExpire(w http.ResponseWriter, r *http.Request) {
	if err := s.ExpireSubscription(r.PathValue("id")); err != nil {
		notFound(w, r)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleRate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Messages int      `json:"messages"`
		Per      Duration `json:"per"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	switch err := s.SetRateLimit(r.PathValue("id"), req.Messages, time.Duration(req.Per)); {
	case errors.Is(err, ErrNoSubscription):
		notFound(w, r)
	case err != nil:
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// handleStream delivers the user agent's messages: as server-sent events
// while the request lasts when it accepts text/event-stream, or else as a
// long poll: a JSON array of what is there, waiting up to ?wait= for the
// first, at most ?max= of them.
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.State(id); err != nil {
		notFound(w, r)
		return
	}
	q := r.URL.Query()
	wait, err := time.ParseDuration(orDefault(q.Get("wait"), "0s"))
	if err != nil || wait < 0 || wait > 5*time.Minute {
		writeError(w, http.StatusBadRequest, "wait: want a duration from 0 to 5m, such as 2s")
		return
	}
	max, err := strconv.Atoi(orDefault(q.Get("max"), "0"))
	if err != nil || max < 0 {
		writeError(w, http.StatusBadRequest, "max: want a number of messages, 0 for all")
		return
	}

	if r.Header.Get("Accept") != "text/event-stream" {
		ds, err := s.Read(id, max, wait)
		if err != nil {
			notFound(w, r)
			return
		}
		if ds == nil {
			ds = []Delivery{}
		}
		writeJSON(w, http.StatusOK, ds)
		return
	}

	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "this connection cannot stream")
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	for r.Context().Err() == nil {
		ds, err := s.Read(id, 1, 15*time.Second)
		if err != nil {
			return
		}
		if len(ds) == 0 {
			fmt.Fprint(w, ": keep-alive\n\n")
		}
		for _, d := range ds {
			b, _ := json.Marshal(d)
			fmt.Fprintf(w, "event: push\nid: %s\ndata: %s\n\n", d.ID, b)
		}
		flusher.Flush()
	}
}

func (s *Server) handleNewReceipts(w http.ResponseWriter, r *http.Request) {
	id := s.NewReceiptSubscription()
	w.Header().Set("Location", s.base()+"/receipts/"+id)
	writeJSON(w, http.StatusCreated, map[string]string{"id": id,
		"url": s.base() + "/receipts/" + id})
}

func (s *Server) handleReceipts(w http.ResponseWriter, r *http.Request) {
	rs, ok := s.Receipts(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "no receipt subscription "+
			strconv.Quote(r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, rs)
}

func (s *Server) handleFault(w http.ResponseWriter, r *http.Request) {
	var f Fault
	if !readJSON(w, r, &f) {
		return
	}
	if err := s.Inject(f); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleClock(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Advance Duration `json:"advance"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if req.Advance < 0 {
		writeError(w, http.StatusBadRequest, "advance: the clock only moves forward")
		return
	}
	writeJSON(w, http.StatusOK, map[string]time.Time{"now": s.Advance(time.Duration(req.Advance))})
}

func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Totals())
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
