package senders

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushspec/pushspec/fakes/pushservice"
	"github.com/pushspec/pushspec/webpush"
)

// The adapter protocol against real processes: our Go adapter for
// webpush-go, and deliberately broken ones in testdata/broken.

func broken(t *testing.T, name string, timeout time.Duration) (*Adapter, error) {
	t.Helper()
	path, _ := filepath.Abs(filepath.Join("testdata", "broken", name))
	return StartAdapter(context.Background(), AdapterConfig{Command: []string{path},
		StartTimeout: timeout, RequestTimeout: timeout})
}

func request(id string) Request {
	return Request{ID: id, Subscription: webpush.Subscription{Endpoint: "https://127.0.0.1:1/p"},
		Payload: []byte("x"), TTL: 5}
}

func TestBrokenAdaptersFailWithAReason(t *testing.T) {
	for _, tc := range []struct {
		script string
		want   []string // in the error, in order
	}{
		{"crash.sh", []string{"exited before answering", "exit status 3",
			"crash adapter: giving up on"}},
		{"hang.sh", []string{"no result within 1s (a hang)", "thinking forever"}},
		{"garbage.sh", []string{"broke the protocol", `not a JSON result: "Sent! (status 201)"`}},
		{"badoutcome.sh", []string{"broke the protocol", `outcome "probably"`}},
	} {
		t.Run(tc.script, func(t *testing.T) {
			a, err := broken(t, tc.script, time.Second)
			if err != nil {
				t.Fatalf("start: %v", err)
			}
			defer a.Close()

			start := time.Now()
			res := a.Send(context.Background(), request("r1"))
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("the breakdown took %s", took)
			}
			if res.Outcome != Error || res.Status != 0 || res.AdapterError == "" {
				t.Fatalf("result %+v, want an adapter error", res)
			}
			assertInOrder(t, res.AdapterError, tc.want)

			// Restarted once; after the second breakdown in a row, no more.
			a.Send(context.Background(), request("r2"))
			start = time.Now()
			res = a.Send(context.Background(), request("r3"))
			if !strings.Contains(res.AdapterError, "not restarted after two breakdowns") ||
				time.Since(start) > 100*time.Millisecond {
				t.Errorf("third request: %q after %s", res.AdapterError, time.Since(start))
			}
		})
	}
}

func TestAdapterWithoutHello(t *testing.T) {
	start := time.Now()
	_, err := broken(t, "nohello.sh", time.Second)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("err %v after %s", err, time.Since(start))
	}
	assertInOrder(t, err.Error(), []string{"no hello line within 1s", "starting up slowly"})
}

func TestAdapterThatIsNoProgram(t *testing.T) {
	_, err := StartAdapter(context.Background(), AdapterConfig{
		Command: []string{"/bin/sh", "-c", "no-such-adapter-anywhere"}, StartTimeout: 5 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "exited before its hello") ||
		!strings.Contains(err.Error(), "not found") {
		t.Fatalf("err %v", err)
	}
}

func assertInOrder(t *testing.T, s string, want []string) {
	t.Helper()
	rest := s
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("%q\nlacks %q (in this order: %q)", s, w, want)
			return
		}
		rest = rest[i+len(w):]
	}
}

// TestWebpushGoAdapter runs the real webpush-go adapter against the fake:
// hello, a push that arrives and decrypts, and a 404 reported as gone.
func TestWebpushGoAdapter(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the adapter")
	}
	fake := pushservice.NewTLSServer()
	defer fake.Close()
	ca, err := fake.WriteCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if err := os.Chdir(".."); err != nil {
		t.Fatal(err)
	}
	s, err := Open("webpush-go", Env{CAFile: ca})
	os.Chdir(wd)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if h := s.Hello(); h.Name != "webpush-go" || h.Version != "v1.4.0" {
		t.Errorf("hello %+v", h)
	}

	vk, _ := webpush.GenerateVAPIDKey(nil)
	sub, _ := fake.CreateSubscription(vk.PublicKey())
	req := Request{ID: "a", Subscription: sub.JSON(), Payload: []byte("hi from go"), TTL: 30,
		VAPID: &VAPID{PublicKey: vk.PublicKeyString(), PrivateKey: vk.PrivateKeyString(),
			Subject: "https://pushspec.dev"}}
	if res := s.Send(context.Background(), req); res.Outcome != Success || res.Status != 201 {
		t.Fatalf("result %+v", res)
	}
	msgs, _ := fake.Messages(sub.ID)
	if len(msgs) != 1 || string(msgs[0].Payload) != "hi from go" {
		t.Fatalf("messages %+v", msgs)
	}

	fake.Script(sub.ID, pushservice.Answer{Status: 404})
	req.ID = "b"
	if res := s.Send(context.Background(), req); res.Outcome != Gone || res.Status != 404 {
		t.Errorf("result %+v, want gone", res)
	}
}
