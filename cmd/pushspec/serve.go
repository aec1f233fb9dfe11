package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/fakes/pushservice"
)

func serve(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "`host:port` to listen on (port 0: any free port)")
	useTLS := fs.Bool("tls", false, "serve HTTPS (HTTP/2) with a throwaway CA")
	certDir := fs.String("cert-dir", "", "`dir`ectory to write the CA to as ca.pem (with --tls; "+
		"default: a temporary directory)")
	profile := fs.String("profile", "rfc", "push service rules to apply: rfc, fcm, mozilla, "+
		"apple or wns")
	reject := fs.Bool("reject-undecryptable", false, "answer 400 to messages that only "+
		"decryption shows to be broken (real services accept them)")
	token := fs.String("control-token", "", "require `token` as a Bearer token on control "+
		"calls; needed to listen beyond loopback")
	publicURL := fs.String("public-url", "", "base `URL` of the endpoints handed out, when "+
		"senders reach the service by another name than --addr (e.g. beyond loopback)")
	keep := fs.Int("keep-messages", 0, "messages kept per subscription, oldest dropped first "+
		"(0: 1000)")
	skip := fs.Bool("skip-inspection", false, "answer 201 without decrypting or verifying: "+
		"for measuring the service's HTTP capacity alone, never for conformance")
	verbose := fs.Bool("v", false, "log every request on stderr")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: pushspec serve [flags]\n\n"+
			"Runs the strict fake push service until interrupted. The first line of stdout is\n"+
			"its base URL. Control API: POST /subscriptions, POST /push/{id},\n"+
			"GET /subscriptions/{id}/messages, DELETE /subscriptions/{id}, GET /messages/{id}.\n"+
			"Profiles: rfc (strict RFCs); fcm, mozilla, apple, wns add that service's own\n"+
			"rules, which are then FAIL instead of WARN.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parse(fs, args, false); err != nil {
		return err
	}

	if !validProfile(*profile) {
		fmt.Fprintf(stderr, "serve: --profile %q: want one of %v\n", *profile, checks.Profiles)
		return errUsage
	}
	if *certDir != "" && !*useTLS {
		fmt.Fprintln(stderr, "serve: --cert-dir needs --tls")
		return errUsage
	}
	if !isLoopback(*addr) && *token == "" {
		fmt.Fprintf(stderr, "serve: --addr %s is beyond loopback: set --control-token so that "+
			"no one else can read the messages\n", *addr)
		return errUsage
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	s := pushservice.NewUnstartedServer(func(s *pushservice.Server) {
		s.Addr = *addr
		s.Profile = checks.Profile(*profile)
		s.RejectUndecryptable = *reject
		s.ControlToken = *token
		s.PublicURL = *publicURL
		s.KeepMessages = *keep
		s.SkipInspection = *skip
		s.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	})
	start := s.Start
	if *useTLS {
		start = s.StartTLS
	}
	if err := start(); err != nil {
		return err
	}
	defer s.Close()

	if *useTLS {
		dir := *certDir
		if dir == "" {
			var err error
			if dir, err = os.MkdirTemp("", "pushspec-ca-"); err != nil {
				return err
			}
			defer os.RemoveAll(dir)
		}
		path, err := s.WriteCA(dir)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "CA certificate: %s\n", path)
	}
	fmt.Fprintln(stdout, s.URL())
	if f, ok := stdout.(*os.File); ok {
		f.Sync()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}

func validProfile(p string) bool {
	for _, q := range checks.Profiles {
		if string(q) == p {
			return true
		}
	}
	return false
}

// isLoopback reports whether addr names only a loopback host.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
