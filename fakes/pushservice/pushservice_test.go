package pushservice

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/http2"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/webpush"
)

func newSender(t *testing.T, c *http.Client) (*webpush.Sender, *webpush.VAPIDKey) {
	t.Helper()
	vk, err := webpush.GenerateVAPIDKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &webpush.Sender{Client: c, VAPID: vk, Subject: "mailto:ops@pushspec.dev"}, vk
}

// controlJSON calls the control API and decodes the answer into v.
func controlJSON(t *testing.T, c *http.Client, method, url, body string, want int, v any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, url, resp.StatusCode, b, want)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("decoding %s: %v", b, err)
		}
	}
}

type wireMessage struct {
	Status   int              `json:"status"`
	Findings []checks.Finding `json:"findings"`
	Payload  *string          `json:"payload"`
	Encoding string           `json:"encoding"`
}

func TestPushOverTLSAndHTTP2(t *testing.T) {
	s := NewTLSServer()
	defer s.Close()
	c := s.Client()
	sender, vk := newSender(t, c)

	var sub struct {
		ID       string
		Endpoint string
		Keys     struct{ P256DH, Auth string }
	}
	controlJSON(t, c, "POST", s.URL()+"/subscriptions",
		`{"applicationServerKey":"`+vk.PublicKeyString()+`"}`, 201, &sub)
	if !strings.HasPrefix(sub.Endpoint, s.URL()+"/push/") || len(sub.ID) < 20 {
		t.Fatalf("subscription %+v", sub)
	}

	resp, err := sender.Send(context.Background(), webpush.Subscription{Endpoint: sub.Endpoint,
		Keys: webpush.SubscriptionKeys{P256DH: sub.Keys.P256DH, Auth: sub.Keys.Auth}},
		webpush.Message{Payload: []byte("hi there"), TTL: 60, Topic: "t1"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 201 || !strings.HasPrefix(resp.Location, s.URL()) ||
		resp.Header.Get("TTL") != "60" {
		t.Fatalf("answer %d %q %v %s", resp.StatusCode, resp.Location, resp.Header, resp.Body)
	}

	var msgs []wireMessage
	controlJSON(t, c, "GET", s.URL()+"/subscriptions/"+sub.ID+"/messages", "", 200, &msgs)
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.Status != 201 || m.Payload == nil || *m.Payload != webpush.EncodeBase64([]byte("hi there")) {
		t.Errorf("message %+v", m)
	}
	for _, f := range m.Findings {
		if f.Verdict != checks.Pass {
			t.Errorf("%s %s: %s", f.Requirement, f.Verdict, f.Detail)
		}
	}
	if len(m.Findings) < 25 {
		t.Errorf("only %d findings", len(m.Findings))
	}

	controlJSON(t, c, "DELETE", s.URL()+"/subscriptions/"+sub.ID, "", 204, nil)
	resp, err = sender.Send(context.Background(), webpush.Subscription{Endpoint: sub.Endpoint,
		Keys: webpush.SubscriptionKeys{P256DH: sub.Keys.P256DH, Auth: sub.Keys.Auth}},
		webpush.Message{TTL: 0})
	if err != nil || resp.StatusCode != 410 || !resp.Gone() {
		t.Fatalf("after delete: %v %v", resp, err)
	}
}

func TestHTTP2IsNegotiated(t *testing.T) {
	s := NewTLSServer()
	defer s.Close()
	resp, err := s.Client().Post(s.URL()+"/subscriptions", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Errorf("protocol %s, want HTTP/2", resp.Proto)
	}
}

func TestPlainHTTPWithPriorKnowledgeHTTP2(t *testing.T) {
	s := NewServer()
	defer s.Close()
	tr := &http2.Transport{AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	resp, err := c.Post(s.URL()+"/subscriptions", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != 201 {
		t.Errorf("%s %d", resp.Proto, resp.StatusCode)
	}
}

func TestStrictAnswers(t *testing.T) {
	s := NewServer()
	defer s.Close()
	vk, _ := webpush.GenerateVAPIDKey(nil)
	restricted, _ := s.CreateSubscription(vk.PublicKey())
	open, _ := s.CreateSubscription(nil)
	r, _ := restricted.JSON().Recipient()

	valid, _ := (&webpush.Sender{VAPID: vk}).NewRequest(context.Background(), r,
		webpush.Message{Payload: []byte("x"), TTL: 5})
	validBody, _ := io.ReadAll(valid.Body)

	other, _ := webpush.GenerateVAPIDKey(nil)
	wrongKey, _ := (&webpush.Sender{VAPID: other}).NewRequest(context.Background(), r,
		webpush.Message{Payload: []byte("x"), TTL: 5})
	wrongKeyBody, _ := io.ReadAll(wrongKey.Body)

	tampered := bytes.Clone(validBody)
	tampered[len(tampered)-1] ^= 1

	for _, tc := range []struct {
		name     string
		url      string
		method   string
		header   http.Header
		body     []byte
		reject   bool
		want     int
		findings string
	}{
		{"valid", restricted.Endpoint, "POST", valid.Header, validBody, false, 201, ""},
		{"no TTL", restricted.Endpoint, "POST", without(valid.Header, "Ttl"), validBody, false,
			400, "hdr.ttl.present"},
		{"no VAPID", restricted.Endpoint, "POST", without(valid.Header, "Authorization"),
			validBody, false, 401, "vapid.present"},
		{"another key", restricted.Endpoint, "POST", wrongKey.Header, wrongKeyBody, false, 403,
			"vapid.k.matches_subscription"},
		{"too large", open.Endpoint, "POST", http.Header{"Ttl": {"1"},
			"Content-Encoding": {"aes128gcm"}}, make([]byte, 5000), false, 413, "body.size"},
		{"GET", restricted.Endpoint, "GET", valid.Header, nil, false, 405, "http.method"},
		{"unknown subscription", s.URL() + "/push/nope", "POST", valid.Header, validBody, false,
			404, ""},
		{"unknown route", s.URL() + "/send", "POST", valid.Header, validBody, false, 404,
			"http.method"},
		{"tampered, accepted", restricted.Endpoint, "POST", valid.Header, tampered, false, 201, ""},
		{"tampered, rejected", restricted.Endpoint, "POST", valid.Header, tampered, true, 400,
			"ece.decrypt"},
	} {
		s.RejectUndecryptable = tc.reject
		req, _ := http.NewRequest(tc.method, tc.url, bytes.NewReader(tc.body))
		req.Header = tc.header
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ Findings []checks.Finding }
		json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		var ids []string
		for _, f := range got.Findings {
			ids = append(ids, f.Requirement)
		}
		if resp.StatusCode != tc.want || !strings.Contains(strings.Join(ids, " "), tc.findings) {
			t.Errorf("%s: %d %v, want %d naming %s", tc.name, resp.StatusCode, got.Findings,
				tc.want, tc.findings)
		}
	}
	s.RejectUndecryptable = false

	msgs, _ := s.Messages(restricted.ID)
	if len(msgs) != 7 {
		t.Errorf("%d messages kept for the restricted subscription, want 7", len(msgs))
	}
	if msgs[len(msgs)-1].Payload != nil {
		t.Error("a tampered message has a payload")
	}
}

func without(h http.Header, k string) http.Header {
	h = h.Clone()
	h.Del(k)
	return h
}

func TestControlToken(t *testing.T) {
	s := NewServer(func(s *Server) { s.ControlToken = "sekret" })
	defer s.Close()
	resp, _ := http.Post(s.URL()+"/subscriptions", "", nil)
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("without the token: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", s.URL()+"/subscriptions", nil)
	req.Header.Set("Authorization", "Bearer sekret")
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Errorf("with the token: %d", resp.StatusCode)
	}
}

func TestKeepMessagesBound(t *testing.T) {
	s := NewServer(func(s *Server) { s.KeepMessages = 3 })
	defer s.Close()
	sub, _ := s.CreateSubscription(nil)
	sender := &webpush.Sender{Client: s.Client()}
	for i := 0; i < 5; i++ {
		if _, err := sender.Send(context.Background(), sub.JSON(),
			webpush.Message{Payload: []byte{byte(i)}, TTL: 1}); err != nil {
			t.Fatal(err)
		}
	}
	msgs, _ := s.Messages(sub.ID)
	if len(msgs) != 3 || msgs[0].Payload[0] != 2 {
		t.Errorf("kept %d messages, first payload %v", len(msgs), msgs[0].Payload)
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	s := NewTLSServer()
	s.Close()
	s.Close()
	if _, err := s.Client().Get(s.URL()); err == nil {
		t.Error("the server still answers after Close")
	}
}

func TestScriptedAnswersAndSharedCA(t *testing.T) {
	a := NewTLSServer()
	defer a.Close()
	b := NewUnstartedServer(WithCAOf(a))
	if err := b.StartTLS(); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if a.URL() == b.URL() || !bytes.Equal(a.CAPEM(), b.CAPEM()) {
		t.Fatalf("urls %s %s, same CA %v", a.URL(), b.URL(), bytes.Equal(a.CAPEM(), b.CAPEM()))
	}

	sub, _ := b.CreateSubscription(nil)
	b.Script(sub.ID, Answer{Status: 429, Header: http.Header{"Retry-After": {"120"}}},
		Answer{Status: 202})
	sender := &webpush.Sender{Client: a.Client()} // trusts a's CA, so b's too
	defer sender.Client.CloseIdleConnections()
	var got []string
	for i := 0; i < 3; i++ {
		resp, err := sender.Send(context.Background(), sub.JSON(), webpush.Message{TTL: 1})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s", resp.StatusCode, resp.RetryAfter))
	}
	if want := "429 2m0s,202 0s,201 0s"; strings.Join(got, ",") != want {
		t.Errorf("answers %v, want %s", got, want)
	}
	msgs, _ := b.Messages(sub.ID)
	if len(msgs) != 3 || msgs[0].Status != 429 || msgs[1].Status != 202 {
		t.Fatalf("%d messages, statuses %d %d", len(msgs), msgs[0].Status, msgs[1].Status)
	}

	// The Location of a 201 is the message, readable through the control API.
	var m struct {
		ID     string
		Status int
	}
	controlJSON(t, b.Client(), "GET", b.URL()+"/messages/"+msgs[2].ID, "", 200, &m)
	if m.ID != msgs[2].ID || m.Status != 201 {
		t.Errorf("message %+v", m)
	}
	controlJSON(t, b.Client(), "DELETE", b.URL()+"/messages/"+msgs[2].ID, "", 204, nil)
	controlJSON(t, b.Client(), "GET", b.URL()+"/messages/nope.1", "", 404, nil)
	controlJSON(t, b.Client(), "POST", b.URL()+"/subscriptions", `{"applicationserverkey":"x"}`,
		400, nil)
}
