package fcm

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/fakes/fcm/internal/gcmpb"
	"github.com/pushspec/pushspec/webpush"
)

// These tests drive the fake as Chromium does, over real HTTP and TLS on
// loopback: a checkin, a registration, an MCS client written here.

const waitTimeout = 10 * time.Second

func newFake(t *testing.T, opts ...Option) *Server {
	t.Helper()
	opts = append([]Option{func(s *Server) {
		s.Logger = slog.New(slog.NewTextHandler(t.Output(),
			&slog.HandlerOptions{Level: slog.LevelDebug}))
	}}, opts...)
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	t.Cleanup(cancel)
	return ctx
}

// checkinAs checks in with credentials (zero for a new device).
func checkinAs(t *testing.T, s *Server, id, token uint64) Device {
	t.Helper()
	req := &gcmpb.AndroidCheckinRequest{
		Checkin: &gcmpb.AndroidCheckin{ChromeBuild: &gcmpb.ChromeBuild{
			ChromeVersion: proto.String("156.0.8078.114")}},
	}
	if id != 0 {
		req.Id, req.SecurityToken = proto.Int64(int64(id)), proto.Uint64(token)
	}
	body, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(s.CheckinURL(), "application/x-protobuf", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("checkin: %d %s", resp.StatusCode, b)
	}
	var out gcmpb.AndroidCheckinResponse
	if err := proto.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !out.GetStatsOk() || out.GetSettingsDiff() {
		t.Errorf("checkin: stats_ok %v settings_diff %v, want true false", out.GetStatsOk(),
			out.GetSettingsDiff())
	}
	return Device{AndroidID: out.GetAndroidId(), SecurityToken: out.GetSecurityToken()}
}

// registerForm POSTs a registration form and returns the status and body.
func registerForm(t *testing.T, s *Server, d Device, form url.Values) (int, string) {
	t.Helper()
	form.Set("device", strconv.FormatUint(d.AndroidID, 10))
	req, _ := http.NewRequest("POST", s.RegistrationURL(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", fmt.Sprintf("AidLogin %d:%d", d.AndroidID, d.SecurityToken))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const subtype = "wp:http://localhost:8080/#ABC-V2"

// register subscribes like PushManager.subscribe with key and returns the
// token.
func register(t *testing.T, s *Server, d Device, key *webpush.VAPIDKey) string {
	t.Helper()
	status, body := registerForm(t, s, d, url.Values{"app": {"org.chromium.linux"},
		"sender": {key.PublicKeyString()}, "X-subtype": {subtype}, "appid": {"inst1"}})
	token, ok := strings.CutPrefix(body, "token=")
	if status != 200 || !ok || token == "" {
		t.Fatalf("registration: %d %q", status, body)
	}
	return token
}

// client is an MCS client over TLS, as Chromium's.
type client struct {
	t  *testing.T
	c  *tls.Conn
	r  *bufio.Reader
	in int32
}

// dial connects and sends the version octet and a LoginRequest.
func dial(t *testing.T, s *Server, d Device, received ...string) *client {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CAPEM())
	c, err := tls.Dial("tcp", strings.TrimPrefix(s.MCSEndpoint(), "https://"),
		&tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cl := &client{t: t, c: c, r: bufio.NewReader(c)}
	id := strconv.FormatUint(d.AndroidID, 10)
	frame, _ := appendFrame([]byte{mcsVersion}, tagLoginRequest, &gcmpb.LoginRequest{
		Id: proto.String("chrome-156"), Domain: proto.String("mcs.android.com"),
		User: proto.String(id), Resource: proto.String(id),
		AuthToken:            proto.String(strconv.FormatUint(d.SecurityToken, 10)),
		ReceivedPersistentId: received,
	})
	if _, err := c.Write(frame); err != nil {
		t.Fatal(err)
	}
	return cl
}

// login dials and reads the version octet and the LoginResponse.
func login(t *testing.T, s *Server, d Device, received ...string) *client {
	t.Helper()
	cl := dial(t, s, d, received...)
	cl.expectLogin()
	return cl
}

func (cl *client) expectLogin() {
	cl.t.Helper()
	cl.c.SetReadDeadline(time.Now().Add(waitTimeout))
	if v, err := cl.r.ReadByte(); err != nil || v != mcsVersion {
		cl.t.Fatalf("version octet: %d, %v; want %d", v, err, mcsVersion)
	}
	if resp, ok := cl.read().(*gcmpb.LoginResponse); !ok || resp.GetError() != nil {
		cl.t.Fatalf("got %v, want a LoginResponse without error", resp)
	}
}

// read reads the next frame.
func (cl *client) read() proto.Message {
	cl.t.Helper()
	cl.c.SetReadDeadline(time.Now().Add(waitTimeout))
	tag, payload, err := readFrame(cl.r)
	if err != nil {
		cl.t.Fatalf("reading a frame: %v", err)
	}
	m, err := decodeFrame(tag, payload)
	if err != nil {
		cl.t.Fatal(err)
	}
	cl.in++
	return m
}

func (cl *client) data() *gcmpb.DataMessageStanza {
	cl.t.Helper()
	m, ok := cl.read().(*gcmpb.DataMessageStanza)
	if !ok {
		cl.t.Fatalf("got %T, want a DataMessageStanza", m)
	}
	return m
}

func (cl *client) send(tag byte, m proto.Message) {
	cl.t.Helper()
	frame, err := appendFrame(nil, tag, m)
	if err != nil {
		cl.t.Fatal(err)
	}
	if _, err := cl.c.Write(frame); err != nil {
		cl.t.Fatal(err)
	}
}

// streamAck acknowledges every frame read so far, as Chromium does.
func (cl *client) streamAck() {
	cl.send(tagIqStanza, &gcmpb.IqStanza{Type: gcmpb.IqStanza_SET.Enum(), Id: proto.String(""),
		LastStreamIdReceived: proto.Int32(cl.in),
		Extension:            &gcmpb.Extension{Id: proto.Int32(extStreamAck), Data: []byte{}}})
}

// pusher sends pushes with pushspec's own Sender.
type pusher struct {
	s     *Server
	sub   webpush.Subscription
	send  *webpush.Sender
	mu    sync.Mutex
	count int
}

func newPusher(t *testing.T, s *Server, token string, key *webpush.VAPIDKey) *pusher {
	ua, err := webpush.GenerateUserAgentKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &pusher{s: s, sub: ua.Subscription(s.URL() + pushPath + token),
		send: &webpush.Sender{Client: s.Client(), VAPID: key}}
}

// push sends m and returns the response and the fake's record of it.
func (p *pusher) push(t *testing.T, m webpush.Message) (*webpush.Response, Message) {
	t.Helper()
	resp, err := p.send.Send(t.Context(), p.sub, m)
	if err != nil {
		t.Fatal(err)
	}
	token, _ := Token(p.sub.Endpoint)
	msgs := p.s.Messages(token)
	if len(msgs) == 0 {
		t.Fatal("the fake recorded no message")
	}
	return resp, msgs[len(msgs)-1]
}

// setup checks in, registers and returns the device, token and a pusher.
func setup(t *testing.T, s *Server) (Device, string, *pusher) {
	t.Helper()
	d := checkinAs(t, s, 0, 0)
	key, err := webpush.GenerateVAPIDKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	token := register(t, s, d, key)
	return d, token, newPusher(t, s, token, key)
}

// stateOf returns the state of m now.
func stateOf(t *testing.T, s *Server, m Message) MessageState {
	t.Helper()
	for _, x := range s.Messages(m.Token) {
		if x.ID == m.ID {
			return x.State
		}
	}
	t.Fatalf("no message %s", m.ID)
	return ""
}

func TestCheckinKeepsCredentials(t *testing.T) {
	s := newFake(t)
	d := checkinAs(t, s, 0, 0)
	if d.AndroidID == 0 || d.SecurityToken == 0 {
		t.Fatalf("got %+v, want non-zero credentials", d)
	}
	if again := checkinAs(t, s, d.AndroidID, d.SecurityToken); again != d {
		t.Errorf("a second checkin: got %+v, want %+v", again, d)
	}
	if other := checkinAs(t, s, d.AndroidID, d.SecurityToken+1); other.AndroidID == d.AndroidID {
		t.Errorf("a checkin with a wrong token kept android_id %d", d.AndroidID)
	}
	devs := s.Devices()
	if len(devs) != 2 || devs[0].ChromeVersion != "156.0.8078.114" {
		t.Errorf("devices: got %+v, want two with Chrome 156.0.8078.114", devs)
	}
}

func TestRegistrationAnswers(t *testing.T) {
	s := newFake(t)
	d := checkinAs(t, s, 0, 0)
	status, body := registerForm(t, s, d, url.Values{"app": {"com.google.android.gms"},
		"sender": {"745476177629"}})
	if status != 200 || !strings.HasPrefix(body, "token=") {
		t.Errorf("numeric sender: got %d %q, want 200 token=…", status, body)
	}
	status, body = registerForm(t, s, Device{AndroidID: d.AndroidID, SecurityToken: 1},
		url.Values{"app": {"a"}, "sender": {"1"}})
	if status != 401 || body != "Error=AUTHENTICATION_FAILED" {
		t.Errorf("wrong token: got %d %q, want 401 Error=AUTHENTICATION_FAILED", status, body)
	}
	status, body = registerForm(t, s, d, url.Values{"sender": {"1"}})
	if status != 400 || body != "Error=INVALID_PARAMETERS" {
		t.Errorf("no app: got %d %q, want 400 Error=INVALID_PARAMETERS", status, body)
	}
}

func TestDeliversDataMessage(t *testing.T) {
	s := newFake(t)
	d, token, p := setup(t, s)
	cl := login(t, s, d)

	resp, m := p.push(t, webpush.Message{Payload: []byte("hello"), TTL: 60})
	if resp.StatusCode != 201 || resp.Header.Get("TTL") != "60" || resp.Location == "" {
		t.Fatalf("push: %d TTL %q Location %q", resp.StatusCode, resp.Header.Get("TTL"),
			resp.Location)
	}
	got := cl.data()
	reg, _ := s.Registration(token)
	want := &gcmpb.DataMessageStanza{
		Id: proto.String(m.ID), From: proto.String(reg.Sender), To: proto.String(token),
		Category: proto.String("org.chromium.linux"), PersistentId: proto.String(m.PersistentID),
		Sent: proto.Int64(m.Received.Unix()), Ttl: proto.Int32(60), ImmediateAck: proto.Bool(true),
		LastStreamIdReceived: proto.Int32(1),
		AppData: []*gcmpb.AppData{
			{Key: proto.String("subtype"), Value: proto.String(subtype)},
			{Key: proto.String("content-encoding"), Value: proto.String("aes128gcm")},
		},
		RawData: m.Body,
	}
	if !proto.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}

	cl.streamAck()
	if _, err := s.WaitMessage(ctxFor(t), m.ID, Delivered); err != nil {
		t.Fatal(err)
	}
}

func TestDeliversAESGCMAndEmptyMessages(t *testing.T) {
	s := newFake(t)
	d, _, p := setup(t, s)
	cl := login(t, s, d)

	_, m := p.push(t, webpush.Message{Payload: []byte("legacy"), TTL: 60,
		Encoding: webpush.AESGCM})
	got := cl.data()
	want := []*gcmpb.AppData{
		{Key: proto.String("subtype"), Value: proto.String(subtype)},
		{Key: proto.String("encryption"), Value: proto.String(m.Header.Get("Encryption"))},
		{Key: proto.String("crypto-key"), Value: proto.String(m.Header.Get("Crypto-Key"))},
	}
	if len(got.AppData) != len(want) || !bytes.Equal(got.RawData, m.Body) {
		t.Fatalf("aesgcm: got %v", got)
	}
	for i := range want {
		if !proto.Equal(got.AppData[i], want[i]) {
			t.Errorf("aesgcm app_data %d: got %v, want %v", i, got.AppData[i], want[i])
		}
	}

	// A push without a body carries no raw_data: event.data is null.
	req, _ := http.NewRequest("POST", p.sub.Endpoint, nil)
	req.Header.Set("TTL", "60")
	auth, err := p.send.VAPID.Sign(webpush.Claims{Audience: s.URL(),
		Expiry: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", webpush.AuthorizationHeader(webpush.SchemeVAPID, auth,
		p.send.VAPID.PublicKeyString()))
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("empty push: status %d", resp.StatusCode)
	}
	empty := cl.data()
	if empty.RawData != nil || len(empty.AppData) != 1 {
		t.Errorf("empty push: got %v, want no raw_data and only the subtype", empty)
	}
}

func TestQueuesTTLAndTopicWhileOffline(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := newFake(t, func(s *Server) { s.Now = clock })
	d, _, p := setup(t, s)

	_, ttl0 := p.push(t, webpush.Message{Payload: []byte("now or never"), TTL: 0})
	_, short := p.push(t, webpush.Message{Payload: []byte("short"), TTL: 5})
	_, first := p.push(t, webpush.Message{Payload: []byte("first"), TTL: 600, Topic: "news"})
	_, second := p.push(t, webpush.Message{Payload: []byte("second"), TTL: 600, Topic: "news"})
	_, other := p.push(t, webpush.Message{Payload: []byte("other"), TTL: 600, Topic: "sport"})
	for _, c := range []struct {
		m    Message
		want MessageState
	}{{ttl0, Expired}, {short, Queued}, {first, Replaced}, {second, Queued}, {other, Queued}} {
		if got := stateOf(t, s, c.m); got != c.want {
			t.Errorf("message %s (TTL %d, topic %q): %s, want %s", c.m.ID, c.m.TTL, c.m.Topic,
				got, c.want)
		}
	}

	mu.Lock()
	now = now.Add(10 * time.Second)
	mu.Unlock()
	cl := login(t, s, d)
	for _, want := range []Message{second, other} {
		if got := cl.data(); got.GetPersistentId() != want.PersistentID {
			t.Errorf("delivered %s, want %s", got.GetPersistentId(), want.PersistentID)
		}
	}
	if m, err := s.WaitMessage(ctxFor(t), short.ID, Expired); err != nil || m.Sends != 0 {
		t.Errorf("the TTL 5 message after 10 s: %+v, %v; want expired, never sent", m, err)
	}
}

func TestRedeliversWhatWasNotAcknowledged(t *testing.T) {
	s := newFake(t)
	d, _, p := setup(t, s)
	cl := login(t, s, d)
	_, a := p.push(t, webpush.Message{Payload: []byte("a"), TTL: 60})
	_, b := p.push(t, webpush.Message{Payload: []byte("b"), TTL: 60})
	_, zero := p.push(t, webpush.Message{Payload: []byte("zero"), TTL: 0})
	for range 3 {
		cl.data()
	}
	cl.c.Close() // nothing acknowledged

	// The new login says it has a; b is sent again, zero is not.
	cl2 := login(t, s, d, a.PersistentID)
	got := cl2.data()
	if got.GetPersistentId() != b.PersistentID {
		t.Fatalf("redelivered %s, want %s", got.GetPersistentId(), b.PersistentID)
	}
	cl2.streamAck()
	ctx := ctxFor(t)
	for _, c := range []struct {
		id    string
		state MessageState
		sends int
	}{{a.ID, Delivered, 1}, {b.ID, Delivered, 2}, {zero.ID, Expired, 1}} {
		m, err := s.WaitMessage(ctx, c.id, c.state)
		if err != nil || m.Sends != c.sends {
			t.Errorf("message %s: sent %d times, %v; want %s after %d sends", c.id, m.Sends,
				err, c.state, c.sends)
		}
	}
}

func TestSelectiveAck(t *testing.T) {
	s := newFake(t)
	d, _, p := setup(t, s)
	cl := login(t, s, d)
	_, m := p.push(t, webpush.Message{Payload: []byte("a"), TTL: 60})
	cl.data()
	ack, _ := proto.Marshal(&gcmpb.SelectiveAck{Id: []string{m.PersistentID}})
	cl.send(tagIqStanza, &gcmpb.IqStanza{Type: gcmpb.IqStanza_SET.Enum(), Id: proto.String(""),
		Extension: &gcmpb.Extension{Id: proto.Int32(extSelectiveAck), Data: ack}})
	if _, err := s.WaitMessage(ctxFor(t), m.ID, Delivered); err != nil {
		t.Fatal(err)
	}
}

func TestLatestLoginWins(t *testing.T) {
	s := newFake(t)
	d, _, p := setup(t, s)
	old := login(t, s, d)
	cl := login(t, s, d)
	if _, _, err := readFrame(old.r); err == nil {
		t.Error("the older connection is still open, want it closed")
	}
	_, m := p.push(t, webpush.Message{Payload: []byte("a"), TTL: 60})
	if got := cl.data(); got.GetPersistentId() != m.PersistentID {
		t.Errorf("got %s on the latest connection, want %s", got.GetPersistentId(),
			m.PersistentID)
	}
}

func TestHeartbeat(t *testing.T) {
	s := newFake(t)
	d, _, _ := setup(t, s)
	cl := login(t, s, d)
	cl.send(tagHeartbeatPing, &gcmpb.HeartbeatPing{})
	if ack, ok := cl.read().(*gcmpb.HeartbeatAck); !ok || ack.GetLastStreamIdReceived() != 2 {
		t.Errorf("got %v, want a HeartbeatAck acknowledging 2 frames", ack)
	}
}

func TestRefusesBadLogin(t *testing.T) {
	s := newFake(t)
	d, _, _ := setup(t, s)
	cl := dial(t, s, Device{AndroidID: d.AndroidID, SecurityToken: d.SecurityToken + 1})
	cl.c.SetReadDeadline(time.Now().Add(waitTimeout))
	if v, err := cl.r.ReadByte(); err != nil || v != mcsVersion {
		t.Fatalf("version octet: %d, %v", v, err)
	}
	resp, ok := cl.read().(*gcmpb.LoginResponse)
	if !ok || resp.GetError().GetCode() != 401 {
		t.Errorf("got %v, want a LoginResponse with error 401", resp)
	}
}

func TestDisconnectHoldsLoginsUntilReconnect(t *testing.T) {
	s := newFake(t, func(s *Server) { s.StableLogin = time.Millisecond })
	d, _, p := setup(t, s)
	cl := login(t, s, d)
	ctx := ctxFor(t)
	if err := s.Disconnect(ctx, d.AndroidID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readFrame(cl.r); err == nil {
		t.Fatal("the connection is still open after Disconnect")
	}

	parked := dial(t, s, d)
	_, m := p.push(t, webpush.Message{Payload: []byte("while offline"), TTL: 60})
	if m.State != Queued {
		t.Fatalf("pushed while offline: %s, want queued", m.State)
	}
	if err := s.Reconnect(d.AndroidID); err != nil {
		t.Fatal(err)
	}
	parked.expectLogin()
	if got := parked.data(); got.GetPersistentId() != m.PersistentID {
		t.Errorf("after Reconnect: got %s, want %s", got.GetPersistentId(), m.PersistentID)
	}
	if err := s.WaitConnected(ctx, d.AndroidID); err != nil {
		t.Fatal(err)
	}
}

func TestPushEndpointAnswers(t *testing.T) {
	for _, profile := range []checks.Profile{checks.ProfileRFC, checks.ProfileFCM} {
		t.Run(string(profile), func(t *testing.T) {
			s := newFake(t, func(s *Server) { s.Profile = profile })
			d, token, p := setup(t, s)

			other, _ := webpush.GenerateVAPIDKey(nil)
			wrong := &pusher{s: s, sub: p.sub, send: &webpush.Sender{Client: s.Client(),
				VAPID: other}}
			resp, m := wrong.push(t, webpush.Message{Payload: []byte("x"), TTL: 60})
			if resp.StatusCode != 403 || m.State != Rejected {
				t.Errorf("wrong key: %d %s, want 403 rejected", resp.StatusCode, m.State)
			}
			wantType := "application/json"
			if profile == checks.ProfileFCM {
				wantType = "text/plain; charset=utf-8"
			}
			if ct := resp.Header.Get("Content-Type"); ct != wantType ||
				!bytes.Contains(resp.Body, []byte("vapid.k.matches_subscription")) {
				t.Errorf("wrong key: %s %q, want %s naming vapid.k.matches_subscription", ct,
					resp.Body, wantType)
			}

			unknown := &pusher{s: s, sub: p.sub, send: p.send}
			unknown.sub.Endpoint = s.URL() + pushPath + "no-such-token"
			if r, err := unknown.send.Send(t.Context(), unknown.sub,
				webpush.Message{TTL: 60}); err != nil || r.StatusCode != 404 {
				t.Errorf("unknown token: %v %v, want 404", r, err)
			}

			status, body := registerForm(t, s, d, url.Values{"app": {"org.chromium.linux"},
				"X-subtype": {subtype}, "appid": {"inst1"}, "delete": {"true"},
				"sender": {"*"}})
			if status != 200 || body != "token="+token {
				t.Fatalf("unregistration: %d %q, want 200 token=%s", status, body, token)
			}
			if resp, _ := p.push(t, webpush.Message{Payload: []byte("x"), TTL: 60}); resp.StatusCode != 410 {
				t.Errorf("after unregistration: %d, want 410", resp.StatusCode)
			}
		})
	}
}

func TestEndpointMapsChromiumEndpoints(t *testing.T) {
	s := newFake(t)
	_, token, _ := setup(t, s)
	got, err := s.Endpoint("https://jmt17.google.com/fcm/send/" + token)
	if want := s.URL() + "/fcm/send/" + token; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	if _, err := s.Endpoint("https://jmt17.google.com/fcm/send/unknown"); err == nil {
		t.Error("an unknown token mapped")
	}
}

func TestCloseEndsConnections(t *testing.T) {
	s := NewServer()
	d, _, _ := setup(t, s)
	cl := login(t, s, d)
	done := make(chan struct{})
	go func() {
		s.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(waitTimeout):
		t.Fatal("Close did not return")
	}
	if _, _, err := readFrame(cl.r); err == nil {
		t.Error("the MCS connection is still open after Close")
	}
	s.Close() // idempotent
}
