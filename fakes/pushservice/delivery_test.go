package pushservice

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushspec/pushspec/webpush"
)

// env is a started fake, a sender that trusts it, and one subscription.
type env struct {
	t      *testing.T
	s      *Server
	sender *webpush.Sender
	sub    *Subscription
}

func newEnv(t *testing.T, opts ...Option) *env {
	t.Helper()
	s := NewTLSServer(opts...)
	t.Cleanup(s.Close)
	vk, _ := webpush.GenerateVAPIDKey(nil)
	sub, err := s.CreateSubscription(vk.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, s: s, sub: sub, sender: &webpush.Sender{Client: s.Client(), VAPID: vk,
		Subject: "mailto:ops@pushspec.dev"}}
}

func (e *env) push(m webpush.Message) *webpush.Response {
	e.t.Helper()
	resp, err := e.sender.Send(context.Background(), e.sub.JSON(), m)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

func (e *env) read() []string {
	e.t.Helper()
	ds, err := e.s.Read(e.sub.ID, 0, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, string(d.Payload))
	}
	return out
}

func (e *env) counts() Counts {
	st, _ := e.s.State(e.sub.ID)
	return st.Counts
}

func msg(payload string, ttl int) webpush.Message {
	return webpush.Message{Payload: []byte(payload), TTL: ttl}
}

func TestOfflineQueueAndConnect(t *testing.T) {
	e := newEnv(t)
	e.push(msg("online", 60))
	e.s.SetConnected(e.sub.ID, false, "")
	e.push(msg("one", 60))
	e.push(msg("two", 60))
	if got := e.read(); strings.Join(got, ",") != "online" {
		t.Fatalf("read %q while offline, want only what came before", got)
	}
	e.s.SetConnected(e.sub.ID, true, "")
	if got := e.read(); strings.Join(got, ",") != "one,two" {
		t.Fatalf("read %q after connecting, want one,two", got)
	}
	if c := e.counts(); c.Accepted != 3 || c.Delivered != 3 || c.Read != 3 || c.Queued != 0 {
		t.Errorf("counts %+v", c)
	}
}

func TestTTLExpiryAndTTL0(t *testing.T) {
	e := newEnv(t)
	e.s.SetConnected(e.sub.ID, false, "")
	e.push(msg("short", 60))
	e.push(msg("long", 3600))
	e.push(msg("zero", 0))
	e.s.Advance(61 * time.Second)
	e.s.SetConnected(e.sub.ID, true, "")
	if got := e.read(); strings.Join(got, ",") != "long" {
		t.Errorf("read %q, want only the message whose TTL has not passed", got)
	}
	e.push(msg("zero online", 0))
	if got := e.read(); strings.Join(got, ",") != "zero online" {
		t.Errorf("read %q, want the TTL 0 message sent while connected", got)
	}
	c := e.counts()
	if c.Expired != 1 || c.Dropped != 1 || c.Delivered != 2 || c.Accepted != 4 {
		t.Errorf("counts %+v", c)
	}
}

func TestTopicReplacesQueuedMessage(t *testing.T) {
	e := newEnv(t)
	e.s.SetConnected(e.sub.ID, false, "")
	e.push(webpush.Message{Payload: []byte("old"), TTL: 60, Topic: "news"})
	e.push(webpush.Message{Payload: []byte("other"), TTL: 60, Topic: "mail"})
	e.push(webpush.Message{Payload: []byte("new"), TTL: 60, Topic: "news"})
	e.s.SetConnected(e.sub.ID, true, "")
	if got := e.read(); strings.Join(got, ",") != "other,new" {
		t.Errorf("read %q, want other,new", got)
	}
	if c := e.counts(); c.Replaced != 1 {
		t.Errorf("counts %+v", c)
	}
}

func TestUrgencyThreshold(t *testing.T) {
	e := newEnv(t)
	if err := e.s.SetConnected(e.sub.ID, true, "high"); err != nil {
		t.Fatal(err)
	}
	e.push(webpush.Message{Payload: []byte("low"), TTL: 60, Urgency: "low"})
	e.push(webpush.Message{Payload: []byte("high"), TTL: 60, Urgency: "high"})
	if got := e.read(); strings.Join(got, ",") != "high" {
		t.Errorf("read %q with threshold high", got)
	}
	e.s.SetConnected(e.sub.ID, true, "very-low")
	if got := e.read(); strings.Join(got, ",") != "low" {
		t.Errorf("read %q after lowering the threshold", got)
	}
	if err := e.s.SetConnected(e.sub.ID, true, "urgent"); err == nil {
		t.Error("accepted the urgency \"urgent\"")
	}
}

func TestReceipts(t *testing.T) {
	e := newEnv(t)
	r, _ := e.sub.JSON().Recipient()
	req, _ := e.sender.NewRequest(context.Background(), r, msg("ack me", 60))
	req.Header.Set("Prefer", "respond-async")
	resp, err := e.s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	link := resp.Header.Get("Link")
	if resp.StatusCode != 202 || resp.Header.Get("Location") == "" ||
		!strings.Contains(link, `rel="urn:ietf:params:push:receipt"`) {
		t.Fatalf("answer %d, Location %q, Link %q", resp.StatusCode,
			resp.Header.Get("Location"), link)
	}
	receiptURL := link[1:strings.IndexByte(link, '>')]
	id := receiptURL[strings.LastIndexByte(receiptURL, '/')+1:]
	if rs, _ := e.s.Receipts(id); len(rs) != 0 {
		t.Errorf("receipts %v before the user agent read the message", rs)
	}
	e.read()
	rs, _ := e.s.Receipts(id)
	if len(rs) != 1 || !strings.HasSuffix(resp.Header.Get("Location"), rs[0].Message) {
		t.Errorf("receipts %+v for %s", rs, resp.Header.Get("Location"))
	}
}

func TestAFullInboxDropsTheOldestUnread(t *testing.T) {
	e := newEnv(t, func(s *Server) { s.MaxInbox = 2 })
	for _, p := range []string{"1", "2", "3"} {
		if resp := e.push(msg(p, 60)); resp.StatusCode != 201 {
			t.Fatalf("push %s: %d", p, resp.StatusCode)
		}
	}
	if got := e.read(); strings.Join(got, ",") != "2,3" {
		t.Errorf("read %q, want the two newest", got)
	}
	if c := e.counts(); c.Delivered != 3 || c.Evicted != 1 || c.Read != 2 {
		t.Errorf("counts %+v", c)
	}
}

func TestLimitsRefuseRatherThanGrow(t *testing.T) {
	e := newEnv(t, func(s *Server) { s.MaxQueued, s.MaxQueuedTotal = 3, 5 })
	e.s.SetConnected(e.sub.ID, false, "")
	for i := 0; i < 3; i++ {
		e.push(msg("q", 60))
	}
	if resp := e.push(msg("over", 60)); resp.StatusCode != 429 || resp.RetryAfter == 0 {
		t.Errorf("past the per-subscription limit: %d, Retry-After %s", resp.StatusCode,
			resp.RetryAfter)
	}
	other, _ := e.s.CreateSubscription(e.sender.VAPID.PublicKey())
	e.s.SetConnected(other.ID, false, "")
	var last int
	for i := 0; i < 3; i++ {
		resp, _ := e.sender.Send(context.Background(), other.JSON(), msg("q", 60))
		last = resp.StatusCode
	}
	if last != 507 {
		t.Errorf("past the total limit: %d, want 507", last)
	}
	if tot := e.s.Totals(); tot.Queued != 5 || tot.Accepted != 5 {
		t.Errorf("totals %+v", tot)
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t)
	e.s.SetRateLimit(e.sub.ID, 2, time.Minute)
	e.push(msg("1", 60))
	e.push(msg("2", 60))
	resp := e.push(msg("3", 60))
	if resp.StatusCode != 429 || resp.RetryAfter < 50*time.Second {
		t.Errorf("third message: %d, Retry-After %s", resp.StatusCode, resp.RetryAfter)
	}
	e.s.Advance(time.Minute)
	if resp := e.push(msg("4", 60)); resp.StatusCode != 201 {
		t.Errorf("after the window: %d", resp.StatusCode)
	}
}

func TestInjectedFaults(t *testing.T) {
	e := newEnv(t)
	if err := e.s.Inject(Fault{Count: 2, Status: 503, RetryAfter: 7}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if resp := e.push(msg("x", 1)); resp.StatusCode != 503 || resp.RetryAfter != 7*time.Second {
			t.Errorf("push %d: %d, Retry-After %s", i, resp.StatusCode, resp.RetryAfter)
		}
	}
	if resp := e.push(msg("x", 1)); resp.StatusCode != 201 {
		t.Errorf("after the fault: %d", resp.StatusCode)
	}

	e.s.Inject(Fault{Delay: Duration(300 * time.Millisecond)})
	start := time.Now()
	e.push(msg("slow", 1))
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("a delayed answer took %s", took)
	}

	e.s.Inject(Fault{Reset: true, Subscription: e.sub.ID})
	if _, err := e.sender.Send(context.Background(), e.sub.JSON(), msg("x", 1)); err == nil {
		t.Error("a reset connection gave no error")
	}

	for _, bad := range []Fault{{}, {Status: 99}, {Count: -1, Status: 500},
		{Delay: Duration(time.Hour)}} {
		if err := e.s.Inject(bad); err == nil {
			t.Errorf("injected %+v", bad)
		}
	}
}

func TestGoAwayClosesTheHTTP2Connection(t *testing.T) {
	e := newEnv(t)
	conns := map[string]bool{}
	var reused []bool
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		conns[i.Conn.LocalAddr().String()] = true
		reused = append(reused, i.Reused)
	}}
	send := func() int {
		r, _ := e.sub.JSON().Recipient()
		ctx := httptrace.WithClientTrace(context.Background(), trace)
		req, _ := e.sender.NewRequest(ctx, r, msg("g", 1))
		resp, err := e.sender.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.ProtoMajor != 2 {
			t.Fatalf("protocol %s", resp.Proto)
		}
		return resp.StatusCode
	}
	send()
	e.s.Inject(Fault{GoAway: true})
	if got := send(); got != 201 {
		t.Errorf("the GOAWAY answer: %d", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(conns) < 2 && time.Now().Before(deadline) {
		send()
	}
	if len(conns) < 2 {
		t.Errorf("every request went over one connection after GOAWAY: %v", reused)
	}
}

func TestStreamDeliversServerSentEvents(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET",
		e.s.URL()+"/subscriptions/"+e.sub.ID+"/stream", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := e.s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	e.push(msg("live", 60))
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			var d Delivery
			if err := json.Unmarshal([]byte(data), &d); err != nil {
				t.Fatal(err)
			}
			if string(d.Payload) != "live" || d.TTL != 60 {
				t.Errorf("event %+v", d)
			}
			return
		}
	}
	t.Fatalf("the stream ended without an event: %v", sc.Err())
}

func TestLongPollWaits(t *testing.T) {
	e := newEnv(t)
	go func() {
		time.Sleep(200 * time.Millisecond)
		e.push(msg("later", 60))
	}()
	var ds []Delivery
	controlJSON(t, e.s.Client(), "GET", e.s.URL()+"/subscriptions/"+e.sub.ID+
		"/stream?wait=5s", "", 200, &ds)
	if len(ds) != 1 || string(ds[0].Payload) != "later" {
		t.Errorf("long poll gave %+v", ds)
	}
}

// TestNoMessageLost pushes 20,000 messages from 50 concurrent senders to 25
// subscriptions while their user agents go offline and come back, topics
// replace queued messages and the clock runs past TTLs; then it accounts
// for every accepted message: delivered exactly once, expired, replaced or
// dropped (TTL 0 while offline).
func TestNoMessageLost(t *testing.T) {
	if testing.Short() {
		t.Skip("20,000 messages")
	}
	const senders, perSender, subscriptions = 50, 400, 25
	e := newEnv(t, func(s *Server) { s.KeepMessages = 10 })
	var subs []*Subscription
	for i := 0; i < subscriptions; i++ {
		sub, _ := e.s.CreateSubscription(e.sender.VAPID.PublicKey())
		subs = append(subs, sub)
	}

	var mu sync.Mutex
	accepted := map[string]bool{} // Location → seen
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for w := 0; w < senders; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perSender; i++ {
				n := w*perSender + i
				sub := subs[n%subscriptions]
				m := webpush.Message{Payload: []byte(fmt.Sprint(n)), TTL: []int{0, 30, 3600}[n%3]}
				if n%7 == 0 {
					m.Topic = fmt.Sprintf("t%d", n%5)
				}
				resp, err := e.sender.Send(context.Background(), sub.JSON(), m)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				statuses[resp.StatusCode]++
				if resp.Accepted() {
					accepted[resp.Location] = true
				}
				mu.Unlock()
				switch {
				case n%97 == 0:
					e.s.SetConnected(sub.ID, n%2 == 0, "")
				case n%1013 == 0:
					e.s.Advance(31 * time.Second)
				}
			}
		}(w)
	}
	// User agents read while the senders send.
	stop := make(chan struct{})
	delivered := map[string]int{}
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		for {
			for _, sub := range subs {
				ds, _ := e.s.Read(sub.ID, 0, 0)
				for _, d := range ds {
					delivered[d.ID]++
				}
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	wg.Wait()
	close(stop)
	readers.Wait()

	// Bring everyone back and read the rest.
	for _, sub := range subs {
		e.s.SetConnected(sub.ID, true, "")
		ds, _ := e.s.Read(sub.ID, 0, 0)
		for _, d := range ds {
			delivered[d.ID]++
		}
	}

	tot := e.s.Totals()
	t.Logf("%d messages from %d senders: answers %v; %+v", senders*perSender, senders,
		statuses, tot)
	if tot.Accepted != len(accepted) {
		t.Errorf("the service counts %d accepted, the senders got %d 201/202", tot.Accepted,
			len(accepted))
	}
	if sum := tot.Delivered + tot.Expired + tot.Replaced + tot.Dropped + tot.Cancelled +
		tot.Queued; sum != tot.Accepted {
		t.Errorf("accepted %d but delivered+expired+replaced+dropped+cancelled+queued = %d",
			tot.Accepted, sum)
	}
	if tot.Queued != 0 || tot.Evicted != 0 || tot.Read != tot.Delivered ||
		len(delivered) != tot.Delivered {
		t.Errorf("queued %d, read %d, delivered %d, distinct read %d", tot.Queued, tot.Read,
			tot.Delivered, len(delivered))
	}
	for id, n := range delivered {
		if n != 1 {
			t.Errorf("message %s delivered %d times", id, n)
		}
		if !accepted[e.s.URL()+"/messages/"+id] {
			t.Errorf("message %s was delivered but never accepted", id)
		}
	}
	if statuses[201]+statuses[202] != senders*perSender {
		t.Errorf("answers %v: some messages were refused", statuses)
	}
}
