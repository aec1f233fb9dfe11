package reports

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chrome finds the Chromium to drive: $PUSHSPEC_CHROME, or chromium on the
// PATH. Without one the test is skipped, except in CI ($CI set), where the
// project installs Chromium and its absence is a failure.
func chrome(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PUSHSPEC_CHROME"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium: make chromium installs it")
	}
	t.Skip("no Chromium on this machine (set PUSHSPEC_CHROME, or make chromium)")
	return ""
}

// TestMatrixRendersInChromium opens index.html in a real headless Chromium:
// every requirement has its row, the script runs without errors, and a
// click on a FAIL opens the finding with the request and the payload. It
// keeps a screenshot in testdata/out/ for people to look at.
func TestMatrixRendersInChromium(t *testing.T) {
	exe := chrome(t)
	dir := t.TempDir()
	page := filepath.Join(dir, IndexFile)
	if err := os.WriteFile(page, matrixFixture(t), 0o644); err != nil {
		t.Fatal(err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(dir, "profile")), chromedp.WindowSize(1400, 1000))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// One deadline for the whole test: Chromium dies with the context.
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	var mu sync.Mutex
	var problems []string
	err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				problems = append(problems, fmt.Sprintf("console.error: %v", e.Args))
			}
		}
	})
	if err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}

	step := func(what string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, a); err != nil {
			t.Fatalf("%s: %v", what, errors.Join(err, ctx.Err()))
		}
	}
	step("opening the page", chromedp.Navigate("file://"+page))
	step("waiting for the script", chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)))
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		`document.querySelectorAll("#matrix tr.req").length`))
	if err != nil {
		t.Fatal(err)
	}
	senders, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		`document.querySelectorAll(".senders .sender").length`))
	if err != nil {
		t.Fatal(err)
	}
	step("clicking a FAIL", chromedp.Click(chromedp.CSS(
		`tr[data-req="vapid.aud.origin"] button.v.FAIL`)))
	step("waiting for the dialog", chromedp.WaitVisible(chromedp.CSS(`#detail`)))
	title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#detail-title`)))
	if err != nil {
		t.Fatal(err)
	}
	body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#detail-body`)))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}

	if want := len((&Run{}).Requirements()); rows != want {
		t.Errorf("%d requirement rows, want %d", rows, want)
	}
	if senders != 3 {
		t.Errorf("%d sender summaries, want 3", senders)
	}
	if title != "vapid.aud.origin · bad" {
		t.Errorf("dialog title %q", title)
	}
	for _, want := range []string{"detail of vapid.aud.origin <&>", "Ttl: 60",
		"5 octets, UTF-8", "hello", "service answered 201"} {
		if !strings.Contains(body, want) {
			t.Errorf("the dialog lacks %q:\n%s", want, body)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("script errors: %v", problems)
	}
	if len(shot) < 10000 {
		t.Errorf("a %d-octet screenshot", len(shot))
	}
	os.MkdirAll(filepath.Join("testdata", "out"), 0o755)
	os.WriteFile(filepath.Join("testdata", "out", "matrix.png"), shot, 0o644)
}
