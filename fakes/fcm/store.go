package fcm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/fakes/fcm/internal/gcmpb"
)

// A Device is one browser, as its checkin made it: the credentials its MCS
// connection logs in with. Every browser profile checks in once and becomes
// one device.
type Device struct {
	AndroidID     uint64
	SecurityToken uint64
	// ChromeVersion is what the checkin said, e.g. "156.0.8078.114".
	ChromeVersion string
}

// A Registration is a token handed to a device: a push subscription, or one
// of Chromium's own registrations.
type Registration struct {
	Token     string
	AndroidID uint64
	App       string
	Sender    string
	Subtype   string
	AppID     string
	// ApplicationServerKey is the sender as a P-256 key, nil when the sender
	// is not one. Pushes to the token must be signed with it (RFC 8292 §4.2).
	ApplicationServerKey []byte
	// Deleted is set when the browser unsubscribed: pushes get 410.
	Deleted bool
}

// MessageState is where a push message is on its way to the browser.
type MessageState string

const (
	// Rejected: the push endpoint answered with an error; nothing is sent.
	Rejected MessageState = "rejected"
	// Queued: waiting for the device's MCS connection.
	Queued MessageState = "queued"
	// Sent: written to the connection, not acknowledged yet. A message still
	// Sent when the connection drops is sent again after the next login.
	Sent MessageState = "sent"
	// Delivered: the browser acknowledged it.
	Delivered MessageState = "delivered"
	// Expired: its TTL ran out before delivery. A TTL 0 message expires at
	// once unless the device is connected (RFC 8030 §5.2).
	Expired MessageState = "expired"
	// Replaced: a newer message with the same Topic replaced it while it was
	// queued (RFC 8030 §5.4).
	Replaced MessageState = "replaced"
	// Dropped: the browser unsubscribed, or the queue overflowed.
	Dropped MessageState = "dropped"
)

// A Message is one push request the endpoint received, and what became of it.
type Message struct {
	ID       string
	Token    string
	Received time.Time
	// Status is what the push endpoint answered.
	Status   int
	Encoding string
	Header   http.Header
	Body     []byte
	// Findings are the checks' verdicts, without decryption: the browser
	// holds the private key.
	Findings []checks.Finding
	TTL      int
	Topic    string
	State    MessageState
	// PersistentID is the id of the data message on the MCS connection.
	PersistentID string
	// Sends counts how often it was written to a connection.
	Sends int
}

// message is a Message on its way: the data message to send and, once sent,
// the connection and stream id it went out with.
type message struct {
	Message
	stanza   *gcmpb.DataMessageStanza
	conn     *mcsConn
	streamID int32
}

type device struct {
	Device
	// conn is the latest logged-in MCS connection; nil when there is none.
	conn *mcsConn
	// offline is set by Disconnect: logins are parked until Reconnect.
	offline bool
	parked  []*mcsConn
	// queue holds the messages waiting for a connection, oldest first;
	// inflight those sent and not yet acknowledged, in the order sent.
	queue    []*message
	inflight []*message
	logins   int
}

// ErrUnknown is wrapped by the errors about a device, token or message the
// server does not know.
var ErrUnknown = errors.New("unknown to the fake FCM")

// checkin returns the device with these credentials, or a new one.
func (s *Server) checkin(androidID, securityToken uint64, version string) Device {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.devices[androidID]; d != nil && d.SecurityToken == securityToken {
		if version != "" {
			d.ChromeVersion = version
		}
		return d.Device
	}
	d := &device{Device: Device{AndroidID: randomID(), SecurityToken: randomID(),
		ChromeVersion: version}}
	s.devices[d.AndroidID] = d
	s.checkins++
	s.notifyLocked()
	return d.Device
}

// authLocked returns the device whose credentials these are.
func (s *Server) authLocked(androidID, securityToken uint64) (*device, error) {
	d := s.devices[androidID]
	if d == nil || d.SecurityToken != securityToken {
		return nil, fmt.Errorf("android_id %d with that security token: %w", androidID,
			ErrUnknown)
	}
	return d, nil
}

func (s *Server) register(req RegistrationRequest) (Registration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.authLocked(req.AndroidID, req.SecurityToken); err != nil {
		return Registration{}, err
	}
	reg := &Registration{Token: newToken(), AndroidID: req.AndroidID, App: req.App,
		Sender: req.Sender, Subtype: req.Subtype, AppID: req.AppID,
		ApplicationServerKey: req.ApplicationServerKey()}
	s.regs[reg.Token] = reg
	s.notifyLocked()
	return *reg, nil
}

// unregister deletes the device's registrations of the app, subtype and
// instance that req names, and returns the token of the last. A sender of
// "*", which Chromium sends when a page unsubscribes, means every sender.
func (s *Server) unregister(req RegistrationRequest) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.authLocked(req.AndroidID, req.SecurityToken)
	if err != nil {
		return "", err
	}
	token := ""
	for _, reg := range s.regs {
		if reg.AndroidID != req.AndroidID || reg.App != req.App ||
			reg.Subtype != req.Subtype || reg.AppID != req.AppID || reg.Deleted {
			continue
		}
		if req.Sender != "" && req.Sender != "*" && reg.Sender != req.Sender {
			continue
		}
		reg.Deleted = true
		token = reg.Token
		d.queue = s.dropLocked(d.queue, reg.Token)
	}
	s.notifyLocked()
	return token, nil
}

// dropLocked removes the queued messages for token.
func (s *Server) dropLocked(queue []*message, token string) []*message {
	kept := queue[:0]
	for _, m := range queue {
		if m.Token == token {
			m.State = Dropped
			continue
		}
		kept = append(kept, m)
	}
	return kept
}

// acceptLocked queues an accepted message for its device and delivers it
// when the device is connected.
func (s *Server) acceptLocked(reg *Registration, m *message) {
	d := s.devices[reg.AndroidID]
	online := d.conn != nil && !d.offline
	if m.TTL == 0 && !online {
		m.State = Expired
		return
	}
	if m.Topic != "" {
		kept := d.queue[:0]
		for _, q := range d.queue {
			if q.Token == m.Token && q.Topic == m.Topic {
				q.State = Replaced
				continue
			}
			kept = append(kept, q)
		}
		d.queue = kept
	}
	m.State = Queued
	d.queue = append(d.queue, m)
	if n := len(d.queue) - s.maxQueue(); n > 0 {
		for _, q := range d.queue[:n] {
			q.State = Dropped
		}
		d.queue = append(d.queue[:0], d.queue[n:]...)
	}
	s.deliverLocked(d)
}

// deliverLocked sends the device's queued messages on its connection.
func (s *Server) deliverLocked(d *device) {
	c := d.conn
	if c == nil || d.offline {
		return
	}
	now := s.now()
	for _, m := range d.queue {
		if m.TTL > 0 && now.After(m.Received.Add(time.Duration(m.TTL)*time.Second)) {
			m.State = Expired
			continue
		}
		stanza := proto.Clone(m.stanza).(*gcmpb.DataMessageStanza)
		id, err := c.enqueue(tagDataMessageStanza, stanza)
		if err != nil {
			s.logger().Warn("sending a data message", "error", err)
			break
		}
		m.State, m.conn, m.streamID = Sent, c, id
		m.Sends++
		d.inflight = append(d.inflight, m)
	}
	d.queue = d.queue[:0]
	s.notifyLocked()
}

// ackStreamLocked marks delivered the messages sent on c that the client
// acknowledges with last_stream_id_received n.
func (s *Server) ackStreamLocked(c *mcsConn, n int32) {
	d := c.dev
	if d == nil {
		return
	}
	kept := d.inflight[:0]
	for _, m := range d.inflight {
		if m.conn == c && m.streamID <= n {
			m.State = Delivered
			continue
		}
		kept = append(kept, m)
	}
	d.inflight = kept
	s.notifyLocked()
}

// ackIDsLocked marks delivered the messages with these persistent ids.
func (s *Server) ackIDsLocked(d *device, ids []string) {
	if len(ids) == 0 {
		return
	}
	acked := map[string]bool{}
	for _, id := range ids {
		acked[id] = true
	}
	kept := d.inflight[:0]
	for _, m := range d.inflight {
		if acked[m.PersistentID] {
			m.State = Delivered
			continue
		}
		kept = append(kept, m)
	}
	d.inflight = kept
	s.notifyLocked()
}

// requeueLocked puts the messages sent but not acknowledged back at the head
// of the queue, to send again on a new connection. A TTL 0 message is not
// sent again: it was for then or never.
func (s *Server) requeueLocked(d *device) {
	var again []*message
	for _, m := range d.inflight {
		if m.TTL == 0 {
			m.State = Expired
			continue
		}
		m.State, m.conn = Queued, nil
		again = append(again, m)
	}
	d.inflight = nil
	d.queue = append(again, d.queue...)
}

// recordLocked keeps m for Messages, dropping the oldest past the limit.
func (s *Server) recordLocked(m *message) {
	s.seq++
	m.ID = strconv.Itoa(s.seq)
	keep := s.KeepMessages
	if keep <= 0 {
		keep = DefaultKeepMessages
	}
	if len(s.messages) >= keep {
		s.messages = append(s.messages[:0], s.messages[len(s.messages)-keep+1:]...)
	}
	s.messages = append(s.messages, m)
	s.notifyLocked()
}

// notifyLocked wakes everyone waiting for a change.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// wait returns when cond, called with s.mu held, is true, or ctx ends.
func (s *Server) wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok, ch := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Token returns the registration token of a subscription endpoint: its last
// path segment. Chromium builds endpoints as <prefix>/fcm/send/<token>.
func Token(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Path == "" || u.Path == "/" {
		return "", fmt.Errorf("endpoint %q has no token in its last path segment", endpoint)
	}
	return path.Base(u.Path), nil
}

// Endpoint maps a subscription endpoint that Chromium handed out (on
// Chromium 156: https://jmt17.google.com/fcm/send/<token>) to this server's
// push endpoint for the same token, the one a sender can reach.
func (s *Server) Endpoint(chromiumEndpoint string) (string, error) {
	token, err := Token(chromiumEndpoint)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	_, ok := s.regs[token]
	s.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("mapping endpoint %q: token %q: %w", chromiumEndpoint,
			short(token), ErrUnknown)
	}
	return s.url + pushPath + token, nil
}

// Registration returns the registration of token.
func (s *Server) Registration(token string) (Registration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	reg, ok := s.regs[token]
	if !ok {
		return Registration{}, fmt.Errorf("token %q: %w", short(token), ErrUnknown)
	}
	return *reg, nil
}

// Messages returns the messages pushed to token, oldest first.
func (s *Server) Messages(token string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if m.Token == token {
			out = append(out, m.Message)
		}
	}
	return out
}

// WaitMessage waits until message id is in one of the states, and returns it.
func (s *Server) WaitMessage(ctx context.Context, id string, states ...MessageState) (
	Message, error) {
	var got *message
	err := s.wait(ctx, func() bool {
		got = nil
		for _, m := range s.messages {
			if m.ID == id {
				got = m
			}
		}
		if got == nil {
			return false
		}
		for _, st := range states {
			if got.State == st {
				return true
			}
		}
		return false
	})
	if err != nil {
		state := MessageState("unknown")
		if got != nil {
			s.mu.Lock()
			state = got.State
			s.mu.Unlock()
		}
		return Message{}, fmt.Errorf("waiting for message %s to be %v (it is %s): %w", id,
			states, state, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return got.Message, nil
}

// WaitUnregistered waits until the browser deleted the registration of token.
func (s *Server) WaitUnregistered(ctx context.Context, token string) error {
	err := s.wait(ctx, func() bool {
		reg := s.regs[token]
		return reg != nil && reg.Deleted
	})
	if err != nil {
		return fmt.Errorf("waiting for the browser to delete token %s: %w", short(token), err)
	}
	return nil
}

// DeviceOf returns the android_id of the device that holds token.
func (s *Server) DeviceOf(token string) (uint64, error) {
	reg, err := s.Registration(token)
	if err != nil {
		return 0, err
	}
	return reg.AndroidID, nil
}

// Devices returns every device that checked in.
func (s *Server) Devices() []Device {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Device
	for _, d := range s.devices {
		out = append(out, d.Device)
	}
	return out
}

// WaitConnected waits until the device has a logged-in MCS connection.
func (s *Server) WaitConnected(ctx context.Context, androidID uint64) error {
	err := s.wait(ctx, func() bool {
		d := s.devices[androidID]
		return d != nil && d.conn != nil && !d.offline
	})
	if err != nil {
		return fmt.Errorf("waiting for device %d to log in over MCS: %w", androidID, err)
	}
	return nil
}

// Disconnect closes the device's MCS connection and parks its next logins:
// the browser reconnects, but its login is not answered until Reconnect, so
// messages pushed meanwhile are queued as for an offline browser.
//
// Chromium treats a connection that drops within 10 seconds of its login as
// a failed one and waits 5 to 20 seconds, doubling each time, before it
// tries again; one that drops later it replaces at once. So Disconnect first
// waits until the connection has been logged in for StableLogin, which
// keeps the browser reconnecting at once, and then returns when the
// connection is closed.
func (s *Server) Disconnect(ctx context.Context, androidID uint64) error {
	var conns []*mcsConn
	var d *device
	for {
		s.mu.Lock()
		d = s.devices[androidID]
		if d == nil {
			s.mu.Unlock()
			return fmt.Errorf("disconnecting device %d: %w", androidID, ErrUnknown)
		}
		var wait time.Duration
		if d.conn != nil {
			wait = s.stableLogin() - time.Since(d.conn.loginAt)
		}
		if wait <= 0 {
			d.offline = true
			conns = append(conns, d.parked...)
			if d.conn != nil {
				conns = append(conns, d.conn)
			}
			s.notifyLocked()
			s.mu.Unlock()
			break
		}
		s.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("disconnecting device %d: waiting for its connection to "+
				"be %v old: %w", androidID, s.stableLogin(), ctx.Err())
		}
	}

	for _, c := range conns {
		c.close()
	}
	// The readers of the closed connections forget them; wait for that, so
	// that a caller sees the device disconnected.
	if err := s.wait(ctx, func() bool { return d.conn == nil }); err != nil {
		return fmt.Errorf("disconnecting device %d: %w", androidID, err)
	}
	return nil
}

// Reconnect ends a Disconnect: the newest parked login is answered (or the
// next login, when the browser has not tried again yet), and what was queued
// is delivered.
func (s *Server) Reconnect(androidID uint64) error {
	s.mu.Lock()
	d := s.devices[androidID]
	if d == nil {
		s.mu.Unlock()
		return fmt.Errorf("reconnecting device %d: %w", androidID, ErrUnknown)
	}
	d.offline = false
	var stale []*mcsConn
	if n := len(d.parked); n > 0 {
		stale = d.parked[:n-1]
		s.completeLoginLocked(d, d.parked[n-1])
	}
	d.parked = nil
	s.notifyLocked()
	s.mu.Unlock()

	for _, c := range stale {
		c.close()
	}
	return nil
}

// State summarises what the fake has seen, for a message about a browser
// that stalls: checkins, registrations and MCS logins.
func (s *Server) State() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := fmt.Sprintf("fake FCM: %d checkins, %d registrations", s.checkins, len(s.regs))
	for _, d := range s.devices {
		conn := "no MCS connection"
		switch {
		case d.offline:
			conn = fmt.Sprintf("held offline with %d parked logins", len(d.parked))
		case d.conn != nil:
			conn = "logged in over MCS"
		}
		out += fmt.Sprintf("; device %d (Chrome %s): %s after %d logins, %d queued, %d unacked",
			d.AndroidID, d.ChromeVersion, conn, d.logins, len(d.queue), len(d.inflight))
	}
	return out
}
