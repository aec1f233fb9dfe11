package loadgen

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Environment of TestLoadHTMLInChromium.
const (
	// htmlEnv names a load.html to check instead of a fresh one; make load
	// sets it to the page it wrote.
	htmlEnv = "PUSHSPEC_LOAD_HTML"
	// requireChromiumEnv, when "1", fails the test where Chromium is
	// missing instead of skipping it (CI installs Chromium).
	requireChromiumEnv = "PUSHSPEC_REQUIRE_CHROMIUM"
)

// chromium finds a Chromium: $CHROMIUM, or one on the PATH.
func chromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestLoadHTMLInChromium opens load.html in a real headless Chromium, off
// the network, and checks that vegeta's plot drew its series and that the
// summary is on the page; it saves a screenshot beside the page (load.png).
func TestLoadHTMLInChromium(t *testing.T) {
	exe := chromium()
	if exe == "" {
		if os.Getenv(requireChromiumEnv) == "1" {
			t.Fatal("no Chromium: install the chromium package or set CHROMIUM")
		}
		t.Skip("no Chromium on this machine (set CHROMIUM, or install chromium)")
	}

	page := os.Getenv(htmlEnv)
	if page == "" {
		f := newFixture(t, false, 3)
		dir := runTo(t, f.attack(t, PreEncrypted, 300))
		rep := NewReport("pushspec load: screenshot test")
		if err := rep.AddPath(dir); err != nil {
			t.Fatal(err)
		}
		if err := rep.WriteFiles(dir); err != nil {
			t.Fatal(err)
		}
		page = filepath.Join(dir, HTMLFile)
	}
	abs, err := filepath.Abs(page)
	if err != nil {
		t.Fatal(err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.Flag("headless", "new"),
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1100),
		// The page must need no network: send every request nowhere.
		chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
	)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	if err := chromedp.Do(bctx,
		chromedp.Navigate("file://"+abs),
		chromedp.WaitVisible(chromedp.CSS("#plot canvas")),
		chromedp.WaitVisible(chromedp.CSS("#pushspec-summary")),
	); err != nil {
		t.Fatalf("opening %s in Chromium: %v", abs, err)
	}
	drawn, err := chromedp.Run(bctx, chromedp.Evaluate[int](`(() => {
		const c = document.querySelector('#plot canvas');
		const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		let n = 0;
		for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
		return n;
	})()`))
	if err != nil {
		t.Fatalf("reading the plot's canvas: %v", err)
	}
	summary, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("#pushspec-summary")))
	if err != nil {
		t.Fatalf("reading the summary: %v", err)
	}
	legend, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(".u-legend")))
	if err != nil {
		t.Fatalf("reading the plot's legend: %v", err)
	}
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("taking the screenshot: %v", err)
	}

	// uPlot draws axes, grid and series on the canvas; an empty plot leaves
	// it almost all transparent.
	if drawn < 5000 {
		t.Errorf("the plot's canvas has %d drawn pixels: no series rendered", drawn)
	}
	for _, want := range []string{"mode", "throughput", "latency", "generator CPU",
		"Status breakdown", "accepted"} {
		if !strings.Contains(summary, want) {
			t.Errorf("the summary lacks %q: %s", want, summary)
		}
	}
	if !strings.Contains(legend, "accepted") {
		t.Errorf("the plot's legend has no accepted series: %q", legend)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if colors := distinctColors(img, 64); colors < 16 {
		t.Errorf("the screenshot has %d colours: a blank page?", colors)
	}
	out := filepath.Join(filepath.Dir(abs), "load.png")
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of %s: %s (%d×%d, %d pixels drawn on the plot)", abs, out,
		img.Bounds().Dx(), img.Bounds().Dy(), drawn)
}

// distinctColors counts the colours of img, up to limit.
func distinctColors(img image.Image, limit int) int {
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}
