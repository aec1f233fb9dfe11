package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/pushspec/pushspec/fakes/fcm"
	"github.com/pushspec/pushspec/webpush"
)

const (
	// DefaultChrome is the Chromium that Debian's package installs.
	DefaultChrome = "/usr/bin/chromium"
	// ChromeEnv names the variable that points at another Chromium.
	ChromeEnv = "PUSHSPEC_CHROME"
	// DefaultStartTimeout bounds starting Chromium and loading the page.
	DefaultStartTimeout = time.Minute
	// DefaultSubscribeTimeout bounds one Subscribe. The first one waits for
	// Chromium's checkin, which took 2 to 6 seconds here.
	DefaultSubscribeTimeout = time.Minute
	// diagnoseTimeout bounds reading the state of a browser that stalled.
	diagnoseTimeout = 10 * time.Second
)

// ErrStalled is wrapped by the error of a step that did not finish in time;
// the error names the step and says what the backend and Chromium saw.
var ErrStalled = errors.New("browser step stalled")

// Options configure Start. The zero value is right.
type Options struct {
	// ExecPath is the Chromium binary; empty means $PUSHSPEC_CHROME, then
	// DefaultChrome.
	ExecPath string
	// Logger receives debug lines about pushes and Chromium's own output;
	// nil discards them.
	Logger *slog.Logger
	// StartTimeout bounds Start; 0 means DefaultStartTimeout.
	StartTimeout time.Duration
	// SubscribeTimeout bounds each Subscribe; 0 means
	// DefaultSubscribeTimeout.
	SubscribeTimeout time.Duration
}

// A Browser is one headless Chromium with a fresh profile, pointed at a
// fake FCM, with the test page open on its own origin.
type Browser struct {
	backend *fcm.Server
	opts    Options
	log     *slog.Logger
	page    *pageServer
	// tab is the chromedp context of the test page's tab; Chromium lives as
	// long as it does.
	tab         context.Context
	cancelTab   context.CancelFunc
	cancelAlloc context.CancelFunc
	pgid        int
	version     string
	closeOnce   sync.Once

	mu     sync.Mutex // serialises the actions on the tab
	scopes int
}

// execPath returns the Chromium that Start runs for o.
func (o Options) execPath() string {
	if o.ExecPath != "" {
		return o.ExecPath
	}
	if p := os.Getenv(ChromeEnv); p != "" {
		return p
	}
	return DefaultChrome
}

// Start runs Chromium against backend: headless, with a fresh user data
// directory, GCM pointed at the fake's checkin, registration and MCS
// endpoints, and the notification permission granted to the test page,
// which it opens. Chromium dies with the process: chromedp asks the kernel
// to kill it when its parent thread ends, and Close kills its process
// group.
func Start(ctx context.Context, backend *fcm.Server, opts Options) (*Browser, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "browser")
	b := &Browser{backend: backend, opts: opts, log: log}
	if b.opts.StartTimeout == 0 {
		b.opts.StartTimeout = DefaultStartTimeout
	}
	if b.opts.SubscribeTimeout == 0 {
		b.opts.SubscribeTimeout = DefaultSubscribeTimeout
	}
	exe := opts.execPath()
	if _, err := exec.LookPath(exe); err != nil {
		return nil, fmt.Errorf("starting Chromium: %s not found (install it with "+
			"`make chromium`, or set %s): %w", exe, ChromeEnv, err)
	}

	var err error
	if b.page, err = startPageServer(log); err != nil {
		return nil, fmt.Errorf("starting the page server: %w", err)
	}
	alloc := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox, // Chromium refuses to run as root with its sandbox
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("gcm-checkin-url", backend.CheckinURL()),
		chromedp.Flag("gcm-registration-url", backend.RegistrationURL()),
		chromedp.Flag("gcm-mcs-endpoint", backend.MCSEndpoint()),
		// The MCS connection goes to the fake's throwaway certificate.
		chromedp.IgnoreCertErrors,
		chromedp.CombinedOutput(logWriter{log}),
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		}),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), alloc...)
	b.tab, b.cancelTab = chromedp.NewContext(allocCtx)
	b.cancelAlloc = cancelAlloc

	if err := b.start(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// start launches Chromium, grants the permission and opens the page. The
// first Run binds Chromium's life to b.tab, so it runs unbounded in a
// goroutine and the wait for it is bounded here.
func (b *Browser) start(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, b.opts.StartTimeout)
	defer cancel()
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(b.tab) }()
	select {
	case err := <-started:
		if err != nil {
			return fmt.Errorf("starting Chromium: %w", err)
		}
	case <-ctx.Done():
		return fmt.Errorf("starting Chromium: %w: %w", ErrStalled, ctx.Err())
	}
	if c := chromedp.FromContext(b.tab); c != nil && c.Browser != nil {
		if p := c.Browser.Process(); p != nil {
			b.pgid = p.Pid
		}
	}

	tctx, cancelT := b.bounded(ctx)
	defer cancelT()
	v, err := chromedp.CallBrowser(tctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		return fmt.Errorf("reading Chromium's version: %w", err)
	}
	_, num, _ := strings.Cut(v.Product, "/")
	b.version = "Chromium " + num

	origin := b.page.origin()
	for _, p := range []*browser.PermissionDescriptor{
		{Name: "notifications"}, {Name: "push", UserVisibleOnly: true},
	} {
		_, err := chromedp.CallBrowser(tctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: p, Setting: browser.PermissionSettingGranted, Origin: origin})
		if err != nil {
			return fmt.Errorf("granting %s to %s: %w", p.Name, origin, err)
		}
	}
	if err := chromedp.Do(tctx, chromedp.Navigate(origin+"/")); err != nil {
		return fmt.Errorf("opening the test page %s: %w", origin, err)
	}
	b.log.Debug("started", "version", b.version, "pid", b.pgid, "origin", origin)
	return nil
}

// bounded derives from the tab a context that ends with ctx.
func (b *Browser) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	tctx, cancel := context.WithCancel(b.tab)
	if d, ok := ctx.Deadline(); ok {
		tctx, cancel = context.WithDeadline(b.tab, d)
	}
	stop := context.AfterFunc(ctx, cancel)
	return tctx, func() {
		stop()
		cancel()
	}
}

// Version is the browser's name and version, e.g. "Chromium 156.0.8078.114".
func (b *Browser) Version() string { return b.version }

// Origin is the origin of the test page, e.g. "http://localhost:40123".
func (b *Browser) Origin() string { return b.page.origin() }

// Close stops Chromium, kills what is left of its process group, and stops
// the page server. It is safe to call more than once.
func (b *Browser) Close() error {
	var err error
	b.closeOnce.Do(func() {
		if b.cancelTab != nil {
			err = chromedp.Cancel(b.tab)
			b.cancelAlloc()
		}
		if b.pgid > 0 {
			// Renderers and helpers die with the browser; make sure.
			syscall.Kill(-b.pgid, syscall.SIGKILL)
		}
		if b.page != nil {
			b.page.close()
		}
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("closing Chromium: %w", err)
	}
	return nil
}

// A Subscription is a push subscription of one service worker scope of the
// test page.
type Subscription struct {
	// JSON is PushSubscription.toJSON(), as the browser hands it to an
	// application server. Its endpoint is Chromium's (on Chromium 156,
	// https://jmt17.google.com/fcm/send/<token>); see fcm.Server.Endpoint.
	JSON webpush.Subscription
	// Token is the registration token, the endpoint's last path segment.
	Token  string
	Scope  string
	b      *Browser
	pushes chan Push
}

// Subscribe registers a service worker in a new scope of the test page and
// subscribes it with applicationServerKey (a 65-octet P-256 public key).
// A subscribe that stalls (a wrong backend makes it hang) fails after
// Options.SubscribeTimeout with an error that names the step and includes
// the fake's state and chrome://gcm-internals.
func (b *Browser) Subscribe(ctx context.Context, applicationServerKey []byte) (
	*Subscription, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.scopes++
	scope := strconv.Itoa(b.scopes)
	pushes := b.page.scope(scope)

	sctx, cancel := context.WithTimeout(ctx, b.opts.SubscribeTimeout)
	defer cancel()
	tctx, cancelT := b.bounded(sctx)
	defer cancelT()
	expr := fmt.Sprintf("pushspec.subscribe(%s, %s)", jsString(scope),
		jsString(webpush.EncodeBase64(applicationServerKey)))
	raw, err := chromedp.Run(tctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		// chromedp may report the end of sctx as "canceled": what ended is
		// the subscribe timeout when sctx's deadline passed and ctx is alive.
		timedOut := errors.Is(sctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
		return nil, b.stalled("subscribing scope "+scope, err, timedOut)
	}
	var sub webpush.Subscription
	if err := json.Unmarshal([]byte(raw), &sub); err != nil {
		return nil, fmt.Errorf("decoding the subscription %q: %w", raw, err)
	}
	token, err := fcm.Token(sub.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("reading the token of the subscription: %w", err)
	}
	b.log.Debug("subscribed", "scope", scope, "token", token)
	return &Subscription{JSON: sub, Token: token, Scope: scope, b: b, pushes: pushes}, nil
}

// Received returns the next push event of the subscription's service worker,
// or an error when ctx ends first.
func (s *Subscription) Received(ctx context.Context) (Push, error) {
	select {
	case p := <-s.pushes:
		return p, nil
	case <-ctx.Done():
		return Push{}, fmt.Errorf("waiting for a push event in scope %s: %w", s.Scope,
			ctx.Err())
	}
}

// Unsubscribe calls PushSubscription.unsubscribe(), which makes Chromium
// delete its registration with the backend.
func (s *Subscription) Unsubscribe(ctx context.Context) error {
	b := s.b
	b.mu.Lock()
	defer b.mu.Unlock()
	tctx, cancel := b.bounded(ctx)
	defer cancel()
	expr := fmt.Sprintf("pushspec.unsubscribe(%s)", jsString(s.Scope))
	ok, err := chromedp.Run(tctx, chromedp.Evaluate[bool](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		return b.stalled("unsubscribing scope "+s.Scope, err, false)
	}
	if !ok {
		return fmt.Errorf("unsubscribing scope %s: unsubscribe() resolved to false", s.Scope)
	}
	return nil
}

// stalled explains a failed step: the step the page was at, the fake's
// state and Chromium's chrome://gcm-internals.
func (b *Browser) stalled(what string, err error, timedOut bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), diagnoseTimeout)
	defer cancel()
	tctx, cancelT := b.bounded(ctx)
	defer cancelT()
	step, serr := chromedp.Run(tctx, chromedp.Evaluate[string](`pushspec.step`))
	if serr != nil {
		step = "unknown (" + serr.Error() + ")"
	}
	internals, ierr := b.gcmInternals(ctx)
	if ierr != nil {
		internals = "unreadable: " + ierr.Error()
	}
	if timedOut || errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%w: %w", ErrStalled, err)
	}
	return fmt.Errorf("%s: stalled at step %q: %w; %s; chrome://gcm-internals: %s", what, step,
		err, b.backend.State(), internals)
}

// GCMInternals returns the text of chrome://gcm-internals: the GCM client's
// state, connection, registrations and recent activity.
func (b *Browser) GCMInternals(ctx context.Context) (string, error) {
	return b.gcmInternals(ctx)
}

func (b *Browser) gcmInternals(ctx context.Context) (string, error) {
	tab, cancel := chromedp.NewContext(b.tab)
	defer cancel()
	tctx, cancelT := context.WithTimeout(tab, diagnoseTimeout)
	defer cancelT()
	if d, ok := ctx.Deadline(); ok {
		tctx, cancelT = context.WithDeadline(tctx, d)
		defer cancelT()
	}
	if err := chromedp.Do(tctx, chromedp.Navigate("chrome://gcm-internals")); err != nil {
		return "", fmt.Errorf("opening chrome://gcm-internals: %w", err)
	}
	// The page fills itself in from a callback; poll until it has.
	const script = `new Promise((resolve) => {
		const read = () => {
			const text = document.body ? document.body.innerText : '';
			if (/CONNECTED|CONNECTING|INITIAL|LOADING|READY|UNINITIALIZED/.test(text)) {
				resolve(text);
			} else {
				setTimeout(read, 100);
			}
		};
		read();
	})`
	text, err := chromedp.Run(tctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		return "", fmt.Errorf("reading chrome://gcm-internals: %w", err)
	}
	return strings.Join(strings.Fields(text), " "), nil
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// logWriter sends Chromium's output to the logger at debug level, a line at
// a time.
type logWriter struct{ log *slog.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if line != "" {
			w.log.Debug("chromium", "line", line)
		}
	}
	return len(p), nil
}

var _ io.Writer = logWriter{}
