package senders

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Default timeouts of the adapter protocol.
const (
	// DefaultStartTimeout bounds the wait for the hello line.
	DefaultStartTimeout = 60 * time.Second
	// DefaultRequestTimeout bounds the wait for one result line.
	DefaultRequestTimeout = 20 * time.Second
)

// An Adapter is a sender under test in another process that speaks the
// JSON-lines protocol of PROTOCOL.md. A crash, a hang or a line that is not
// the protocol is a breakdown: the request gets a Result whose AdapterError
// says what happened, with the end of the adapter's stderr, and the next
// request starts the adapter again. After two breakdowns in a row it is not
// restarted: later requests fail at once with the same reason.
type Adapter struct {
	cfg AdapterConfig

	mu       sync.Mutex
	proc     *process
	hello    Hello
	strikes  int
	lastFail string
}

// AdapterConfig says how to run an adapter.
type AdapterConfig struct {
	// Command is the program and its arguments.
	Command []string
	// Dir is the working directory; empty means the current one.
	Dir string
	// Env is added to the environment (SSL_CERT_FILE and the like).
	Env []string
	// StartTimeout and RequestTimeout default to DefaultStartTimeout and
	// DefaultRequestTimeout.
	StartTimeout   time.Duration
	RequestTimeout time.Duration
	// Stderr, if non-nil, receives a copy of the adapter's stderr.
	Stderr io.Writer
}

// StartAdapter starts the adapter and reads its hello.
func StartAdapter(ctx context.Context, cfg AdapterConfig) (*Adapter, error) {
	if len(cfg.Command) == 0 {
		return nil, errors.New("starting adapter: no command")
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = DefaultStartTimeout
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	a := &Adapter{cfg: cfg}
	p, hello, err := a.start(ctx)
	if err != nil {
		return nil, err
	}
	a.proc, a.hello = p, hello
	return a, nil
}

// Hello is what the adapter announced.
func (a *Adapter) Hello() Hello { return a.hello }

// Send sends one request and waits for its result.
func (a *Adapter) Send(ctx context.Context, r Request) Result {
	a.mu.Lock()
	defer a.mu.Unlock()

	if a.proc == nil {
		if a.strikes >= 2 {
			return a.broken(r.ID, "not restarted after two breakdowns in a row; the last: "+
				a.lastFail)
		}
		p, _, err := a.start(ctx)
		if err != nil {
			return a.breakdown(r.ID, err.Error(), nil)
		}
		a.proc = p
	}

	p := a.proc
	line, err := json.Marshal(toWire(r))
	if err != nil {
		return a.broken(r.ID, "encoding the request: "+err.Error())
	}
	if _, err := p.stdin.Write(append(line, '\n')); err != nil {
		return a.breakdown(r.ID, "writing the request: the adapter's stdin is closed ("+
			p.exitStatus()+")", p)
	}

	timer := time.NewTimer(a.cfg.RequestTimeout)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return a.breakdown(r.ID, "cancelled while waiting for the result: "+
				ctx.Err().Error(), p)
		case <-timer.C:
			return a.breakdown(r.ID, fmt.Sprintf("no result within %s (a hang)",
				a.cfg.RequestTimeout), p)
		case l, ok := <-p.lines:
			if !ok {
				return a.breakdown(r.ID, "the adapter exited before answering ("+
					p.exitStatus()+")", p)
			}
			res, err := parseResult(l)
			if err != nil {
				return a.breakdown(r.ID, "the adapter broke the protocol: "+err.Error(), p)
			}
			if res.ID != r.ID {
				continue // a late answer to a request that timed out
			}
			a.strikes = 0
			return res
		}
	}
}

// breakdown ends the process p, counts a strike and reports it.
func (a *Adapter) breakdown(id, why string, p *process) Result {
	if p != nil {
		p.kill()
		why += stderrTail(p)
		if a.proc == p {
			a.proc = nil
		}
	}
	a.strikes++
	a.lastFail = why
	return a.broken(id, why)
}

func (a *Adapter) broken(id, why string) Result {
	msg := "adapter " + a.name() + ": " + why
	return Result{ID: id, Outcome: Error, Error: msg, AdapterError: msg}
}

func (a *Adapter) name() string {
	if a.hello.Name != "" {
		return a.hello.Name
	}
	return strings.Join(a.cfg.Command, " ")
}

// Close closes the adapter's stdin and waits for it to exit, killing it
// after five seconds.
func (a *Adapter) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.proc == nil {
		return nil
	}
	p := a.proc
	a.proc = nil
	p.stdin.Close()
	p.drain()
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.kill()
	}
	return nil
}

// process is one run of the adapter.
type process struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan []byte
	stderr *tail
	done   chan struct{}
	err    error // set before done closes

	drainOnce sync.Once
}

func (a *Adapter) start(ctx context.Context) (*process, Hello, error) {
	cmd := exec.Command(a.cfg.Command[0], a.cfg.Command[1:]...)
	cmd.Dir = a.cfg.Dir
	cmd.Env = append(os.Environ(), a.cfg.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &process{cmd: cmd, lines: make(chan []byte, 16), stderr: &tail{},
		done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if a.cfg.Stderr != nil {
		cmd.Stderr = io.MultiWriter(p.stderr, a.cfg.Stderr)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, Hello{}, fmt.Errorf("starting adapter: %w", err)
	}
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, Hello{}, fmt.Errorf("starting adapter: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, Hello{}, fmt.Errorf("starting adapter %q: %w", a.cfg.Command[0], err)
	}
	go p.read(stdout)

	timer := time.NewTimer(a.cfg.StartTimeout)
	defer timer.Stop()
	fail := func(why string) (*process, Hello, error) {
		p.kill()
		return nil, Hello{}, fmt.Errorf("starting adapter %s: %s%s",
			strings.Join(a.cfg.Command, " "), why, stderrTail(p))
	}
	select {
	case <-ctx.Done():
		return fail("cancelled before the hello: " + ctx.Err().Error())
	case <-timer.C:
		return fail(fmt.Sprintf("no hello line within %s", a.cfg.StartTimeout))
	case l, ok := <-p.lines:
		if !ok {
			return fail("it exited before its hello (" + p.exitStatus() + ")")
		}
		h, err := parseHello(l)
		if err != nil {
			return fail(err.Error())
		}
		return p, h, nil
	}
}

// read sends stdout's lines to p.lines and records the exit once it ends.
func (p *process) read(stdout io.Reader) {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := append([]byte(nil), sc.Bytes()...)
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		p.lines <- line
	}
	p.err = p.cmd.Wait()
	close(p.done)
	close(p.lines)
}

// kill ends the whole process group and waits for it.
func (p *process) kill() {
	p.drain()
	if p.cmd.Process != nil {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}

// drain discards the lines nobody will read, so that the reader goroutine
// can finish.
func (p *process) drain() {
	p.drainOnce.Do(func() {
		go func() {
			for range p.lines {
			}
		}()
	})
}

func (p *process) exitStatus() string {
	select {
	case <-p.done:
	case <-time.After(2 * time.Second):
		return "still running"
	}
	if p.err == nil {
		return "exit status 0"
	}
	return p.err.Error()
}

func stderrTail(p *process) string {
	if s := strings.TrimSpace(p.stderr.String()); s != "" {
		return "; its stderr ends: " + s
	}
	return "; its stderr is empty"
}

// tail keeps the last 4 KiB written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - 4096; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
