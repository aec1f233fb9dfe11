package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/pushspec/pushspec/fakes/pushservice"
	"github.com/pushspec/pushspec/webpush"
)

// received collects the sequence numbers of the payloads the fake
// decrypted.
type received struct {
	mu   sync.Mutex
	seqs []uint64
	bad  []string
}

func (rc *received) onMessage(m pushservice.Message) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	seq, ok := PayloadSeq(m.Payload)
	if !ok || m.Status != http.StatusCreated {
		rc.bad = append(rc.bad, fmt.Sprintf("status %d, payload %x, findings %v", m.Status,
			m.Payload, m.Findings))
		return
	}
	rc.seqs = append(rc.seqs, seq)
}

func (rc *received) sorted() []uint64 {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Sorted(slices.Values(rc.seqs))
}

// fixture is a fake push service with subscriptions restricted to a VAPID
// key, and a Sender with that key.
type fixture struct {
	fake   *pushservice.Server
	subs   []webpush.Subscription
	sender *webpush.Sender
	got    *received
}

func newFixture(t *testing.T, tls bool, n int) *fixture {
	t.Helper()
	f := &fixture{got: &received{}}
	f.fake = pushservice.NewUnstartedServer(func(s *pushservice.Server) {
		s.OnMessage = f.got.onMessage
		s.KeepMessages = 1
	})
	start := f.fake.Start
	if tls {
		start = f.fake.StartTLS
	}
	if err := start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.fake.Close)
	vk, err := webpush.GenerateVAPIDKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	f.sender = &webpush.Sender{VAPID: vk, Subject: "mailto:load@pushspec.dev"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := f.fake.Client()
	if f.subs, err = Subscribe(ctx, c, f.fake.URL(), n, vk.PublicKey(), ""); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) attack(t *testing.T, mode Mode, requests uint64) *Attack {
	t.Helper()
	pool, err := NewPool(f.subs)
	if err != nil {
		t.Fatal(err)
	}
	a := &Attack{Pool: pool, Sender: f.sender, Message: webpush.Message{TTL: 60}, Mode: mode,
		Pacer: vegeta.ConstantPacer{Freq: 400, Per: time.Second}, Requests: requests,
		Duration: 20 * time.Second, Queue: 32}
	if ca := f.fake.CAPEM(); ca != nil {
		a.TLSConfig = f.fake.Client().Transport.(*http.Transport).TLSClientConfig
	}
	return a
}

func run(t *testing.T, a *Attack) (*Run, []*vegeta.Result) {
	t.Helper()
	var results []*vegeta.Result
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := a.Run(ctx, func(r *vegeta.Result) error {
		results = append(results, r)
		return nil
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r, results
}

func seqs(n uint64) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i)
	}
	return out
}

// TestModesDeliverEveryMessageOnce: in every mode the fake decrypts every
// message sent, and in the fresh modes each sequence number exactly once.
func TestModesDeliverEveryMessageOnce(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			f := newFixture(t, false, 5)
			const n = 120
			r, results := run(t, f.attack(t, mode, n))
			if r.Requests != n || len(results) != n || r.Outcomes[Accepted] != n {
				t.Fatalf("%d requests, %d results, %v; want %d accepted", r.Requests,
					len(results), r.Outcomes, n)
			}
			if len(f.got.bad) > 0 {
				t.Fatalf("the fake found faults: %v", f.got.bad[0])
			}
			got := f.got.sorted()
			switch mode {
			case Constant:
				if len(got) != n || r.Encrypted != 5 {
					t.Errorf("constant: %d messages, %d encrypted; want %d and 5", len(got),
						r.Encrypted, n)
				}
			default:
				if !slices.Equal(got, seqs(n)) {
					t.Errorf("sequence numbers received: %v…, want 0…%d once each",
						got[:min(10, len(got))], n-1)
				}
			}
			if mode == PreEncrypted && (r.QueueCapacity != 32 || r.Encrypted != n) {
				t.Errorf("pre-encrypted: queue %d, %d encrypted", r.QueueCapacity, r.Encrypted)
			}
			for i, res := range results {
				if res.Attack != string(mode) || res.Code != 201 || res.Body != nil && len(res.Body) > 0 {
					t.Fatalf("result %d: %+v", i, res)
				}
			}
		})
	}
}

// TestShardsPartition: two shards of one attack send, between them, what
// the whole attack sends: every sequence number once.
func TestShardsPartition(t *testing.T) {
	f := newFixture(t, false, 6)
	const n = 101
	var total uint64
	for i := range 2 {
		a := f.attack(t, PreEncrypted, n)
		a.Shard = Shard{Index: i, Count: 2}
		part, err := NewPool(a.Shard.Subscriptions(f.subs))
		if err != nil {
			t.Fatal(err)
		}
		a.Pool = part
		r, _ := run(t, a)
		if want := a.Shard.Share(n); r.Requests != want {
			t.Errorf("shard %d: %d requests, want %d", i, r.Requests, want)
		}
		if r.Name != fmt.Sprintf("pre-encrypted shard %d/2", i) {
			t.Errorf("name %q", r.Name)
		}
		total += r.Requests
	}
	if got := f.got.sorted(); total != n || !slices.Equal(got, seqs(n)) {
		t.Errorf("%d requests; sequence numbers %v…", total, got[:min(10, len(got))])
	}
}

func TestTLSAndHTTP2(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		f := newFixture(t, true, 2)
		a := f.attack(t, Inline, 20)
		a.HTTP2 = h2
		r, _ := run(t, a)
		if r.Outcomes[Accepted] != 20 {
			t.Errorf("TLS, HTTP/2 %v: %v", h2, r.Outcomes)
		}
	}
}

// protoServer answers 201 and counts the HTTP versions it saw. It speaks
// HTTP/1.1 and HTTP/2: over TLS by ALPN, in cleartext with prior knowledge.
func protoServer(t *testing.T, useTLS bool) (*httptest.Server, *sync.Map) {
	var protos sync.Map
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter,
		r *http.Request) {
		n, _ := protos.LoadOrStore(r.Proto, new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
		w.WriteHeader(http.StatusCreated)
	}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetHTTP2(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	if useTLS {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, &protos
}

func TestHTTPVersions(t *testing.T) {
	for _, tc := range []struct {
		tls, http2 bool
		want       string
	}{
		{false, false, "HTTP/1.1"}, {false, true, "HTTP/2.0"},
		{true, false, "HTTP/1.1"}, {true, true, "HTTP/2.0"},
	} {
		srv, protos := protoServer(t, tc.tls)
		subs, err := Generate([]string{srv.URL + "/push/a", srv.URL + "/push/b"}, 4)
		if err != nil {
			t.Fatal(err)
		}
		pool, _ := NewPool(subs)
		a := &Attack{Pool: pool, Sender: &webpush.Sender{}, HTTP2: tc.http2, Requests: 10,
			Pacer: vegeta.ConstantPacer{Freq: 200, Per: time.Second}}
		if tc.tls {
			a.TLSConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
		}
		r, _ := run(t, a)
		n, _ := protos.Load(tc.want)
		if r.Outcomes[Accepted] != 10 || n == nil || n.(*atomic.Int64).Load() != 10 {
			t.Errorf("TLS %v, HTTP/2 %v: outcomes %v, %s requests %v", tc.tls, tc.http2,
				r.Outcomes, tc.want, n)
		}
	}
}

func TestGoneSubscriptionsLeaveThePool(t *testing.T) {
	for _, mode := range Modes {
		f := newFixture(t, false, 3)
		for _, s := range f.subs[:2] {
			id := s.Endpoint[strings.LastIndexByte(s.Endpoint, '/')+1:]
			if err := f.fake.DeleteSubscription(id); err != nil {
				t.Fatal(err)
			}
		}
		a := f.attack(t, mode, 50)
		r, results := run(t, a)
		if r.GoneSubscriptions != 2 || a.Pool.Live() != 1 || r.Outcomes[Gone] < 2 ||
			r.Outcomes[Gone] > 2+uint64(DefaultWorkers) {
			t.Errorf("%s: %d gone subscriptions, %d live, outcomes %v", mode,
				r.GoneSubscriptions, a.Pool.Live(), r.Outcomes)
		}
		if len(results) != int(r.Requests) {
			t.Errorf("%s: %d results for %d requests", mode, len(results), r.Requests)
		}

		// With every subscription gone, the attack ends by itself.
		id := f.subs[2].Endpoint[strings.LastIndexByte(f.subs[2].Endpoint, '/')+1:]
		f.fake.DeleteSubscription(id)
		a = f.attack(t, mode, 0)
		a.Duration = 20 * time.Second
		start := time.Now()
		r, _ = run(t, a)
		if time.Since(start) > 10*time.Second || a.Pool.Live() != 0 {
			t.Errorf("%s: with no subscription left the attack went on for %s (%v)", mode,
				time.Since(start), r.Outcomes)
		}
	}
}

// TestRetryAfter: a 429 with Retry-After holds the next hits back under
// Honour, and only counts under Count.
func TestRetryAfter(t *testing.T) {
	for _, policy := range []RetryAfterPolicy{Honour, Count} {
		var hits atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hits.Add(1) == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			w.WriteHeader(http.StatusCreated)
		}))
		subs, _ := Generate([]string{srv.URL + "/push/x"}, 1)
		pool, _ := NewPool(subs)
		a := &Attack{Pool: pool, Sender: &webpush.Sender{}, Requests: 5, RetryAfter: policy,
			MaxWorkers: 1, Workers: 1, Pacer: vegeta.ConstantPacer{Freq: 50, Per: time.Second}}
		start := time.Now()
		r, results := run(t, a)
		srv.Close()
		took := time.Since(start)
		if r.RetryAfterAnswers != 1 || r.Outcomes[RateLimited] != 1 ||
			results[0].Headers.Get("Retry-After") != "1" {
			t.Errorf("%s: %d Retry-After answers, outcomes %v, headers %v", policy,
				r.RetryAfterAnswers, r.Outcomes, results[0].Headers)
		}
		switch {
		case policy == Honour && (r.RetryAfterWaits != 1 || took < 900*time.Millisecond):
			t.Errorf("honour: %d waits, took %s", r.RetryAfterWaits, took)
		case policy == Count && (r.RetryAfterWaits != 0 || took > 900*time.Millisecond):
			t.Errorf("count: %d waits, took %s", r.RetryAfterWaits, took)
		}
	}
}

func TestRunRefusesWhatItCannotDo(t *testing.T) {
	subs, _ := Generate([]string{"http://127.0.0.1:1/p", "https://127.0.0.1:1/p"}, 2)
	pool, _ := NewPool(subs)
	pacer := vegeta.ConstantPacer{Freq: 1, Per: time.Second}
	for name, tc := range map[string]struct {
		a    *Attack
		want string
	}{
		"no end":   {&Attack{Pool: pool, Sender: &webpush.Sender{}, Pacer: pacer}, "no end"},
		"no pacer": {&Attack{Pool: pool, Sender: &webpush.Sender{}, Requests: 1}, "no pacer"},
		"bad payload": {&Attack{Pool: pool, Sender: &webpush.Sender{}, Pacer: pacer,
			Requests: 1, Mode: Constant, PayloadSize: 5000}, "payload"},
		"shard without requests": {&Attack{Pool: pool, Sender: &webpush.Sender{}, Pacer: pacer,
			Requests: 1, Shard: Shard{Index: 1, Count: 2}}, "none"},
	} {
		_, err := tc.a.Run(context.Background(), func(*vegeta.Result) error { return nil })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want one about %q", name, err, tc.want)
		}
	}
}

// TestTargeterErrorStopsTheAttack: a message the Sender refuses ends the
// attack with that error, named.
func TestTargeterErrorStopsTheAttack(t *testing.T) {
	srv, _ := protoServer(t, false)
	subs, _ := Generate([]string{srv.URL + "/push/a"}, 1)
	for _, mode := range []Mode{Inline, PreEncrypted} {
		pool, _ := NewPool(subs)
		a := &Attack{Pool: pool, Sender: &webpush.Sender{}, Mode: mode, PayloadSize: 4000,
			Requests: 10, Pacer: vegeta.ConstantPacer{Freq: 100, Per: time.Second}}
		_, err := a.Run(context.Background(), func(*vegeta.Result) error { return nil })
		var fe *webpush.FieldError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "preparing message") {
			t.Errorf("%s: err %v, want the FieldError of the payload", mode, err)
		}
	}
}

func TestContextEndsTheAttack(t *testing.T) {
	srv, _ := protoServer(t, false)
	subs, _ := Generate([]string{srv.URL + "/push/a"}, 1)
	pool, _ := NewPool(subs)
	a := &Attack{Pool: pool, Sender: &webpush.Sender{}, Mode: PreEncrypted, Duration: time.Hour,
		Pacer: vegeta.ConstantPacer{Freq: 100, Per: time.Second}, Queue: 8}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	r, err := a.Run(ctx, func(*vegeta.Result) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second ||
		r.Requests == 0 {
		t.Errorf("err %v after %s, %v", err, time.Since(start), r)
	}
}

func TestProgressLine(t *testing.T) {
	f := newFixture(t, false, 2)
	var out bytes.Buffer
	var mu sync.Mutex
	a := f.attack(t, PreEncrypted, 40)
	a.Progress = writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return out.Write(p)
	})
	a.ProgressEvery = 20 * time.Millisecond
	run(t, a)
	mu.Lock()
	defer mu.Unlock()
	line := out.String()
	for _, want := range []string{"\r", "/s", "accepted", "p50", "p99", "queue ", "/32", "\n"} {
		if !strings.Contains(line, want) {
			t.Errorf("progress %q lacks %q", line, want)
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
