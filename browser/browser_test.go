package browser_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pushspec/pushspec/browser"
	"github.com/pushspec/pushspec/fakes/fcm"
	"github.com/pushspec/pushspec/webpush"
)

// TestSubscribeAndReceive subscribes a real Chromium through the fake FCM,
// pushes one message with pushspec's sender and reads what the service
// worker decrypted.
func TestSubscribeAndReceive(t *testing.T) {
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	fake := fcm.NewServer(func(s *fcm.Server) { s.Logger = log })
	defer fake.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	b, err := browser.Start(ctx, fake, browser.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	t.Logf("%s on %s", b.Version(), b.Origin())

	vapid, err := webpush.GenerateVAPIDKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	sub, err := b.Subscribe(ctx, vapid.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("subscribed in %v: %s", time.Since(start), sub.JSON.Endpoint)

	endpoint, err := fake.Endpoint(sub.JSON.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	sender := &webpush.Sender{Client: fake.Client(), VAPID: vapid,
		Subject: "mailto:ops@pushspec.dev"}
	target := sub.JSON
	target.Endpoint = endpoint
	want := []byte("hello from pushspec")
	start = time.Now()
	resp, err := sender.Send(ctx, target, webpush.Message{Payload: want, TTL: 60})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 201 {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	got, err := sub.Received(ctx)
	if err != nil {
		t.Fatalf("%v; %s", err, fake.State())
	}
	t.Logf("received in %v", time.Since(start))
	if !bytes.Equal(got.Data, want) {
		t.Errorf("got %q, want %q", got.Data, want)
	}
}

// TestSubscribeStallNamesTheStep points Chromium at a backend that has gone
// away: subscribe() hangs in Chromium, and the error must say where.
func TestSubscribeStallNamesTheStep(t *testing.T) {
	fake := fcm.NewServer()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := browser.Start(ctx, fake, browser.Options{SubscribeTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	fake.Close() // checkin and registration now fail

	vapid, err := webpush.GenerateVAPIDKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Subscribe(ctx, vapid.PublicKey())
	t.Log(err)
	if !errors.Is(err, browser.ErrStalled) {
		t.Fatalf("got %v, want an ErrStalled", err)
	}
	for _, want := range []string{`stalled at step "pushManager.subscribe`,
		"fake FCM: 0 checkins", "chrome://gcm-internals: ", "GCM Client State"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
}
