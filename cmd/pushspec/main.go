// Command pushspec is the command line of the pushspec Web Push harness.
//
//	pushspec serve [--addr HOST:PORT] [--tls] [--cert-dir DIR] [--profile P]
//	               [--reject-undecryptable] [--control-token T]
//	pushspec report DIR...
//	pushspec load [--target T] [--rate R] [--duration D] [--mode M] [--out DIR] ...
//	pushspec keys
//
// serve runs the strict fake push service for other projects' tests; report
// renders conformance.md from a run's Ginkgo JSON report and exits 1 when
// the sender broke a MUST, or merges load results; load attacks push
// endpoints with vegeta and writes a load report; keys makes a VAPID key
// pair.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// errUsage marks a command line mistake: exit status 2.
var errUsage = errors.New("usage")

// errHelp marks a request for help: exit status 0.
var errHelp = errors.New("help")

// errBroken marks a run in which a sender broke a MUST: exit status 1.
var errBroken = errors.New("a MUST is broken")

// errIncomplete marks a run that did not judge the sender: exit status 3.
var errIncomplete = errors.New("the run is incomplete")

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil, errors.Is(err, errHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	case errors.Is(err, errBroken):
		os.Exit(1)
	case errors.Is(err, errIncomplete):
		if err != errIncomplete {
			fmt.Fprintln(os.Stderr, "pushspec:", err)
		}
		os.Exit(3)
	default:
		fmt.Fprintln(os.Stderr, "pushspec:", err)
		os.Exit(1)
	}
}

const usage = `pushspec: tells you, with evidence, whether a Web Push sender is correct.

Commands:
  serve    run the strict fake push service (RFC 8030) on loopback
  report   render conformance.md from a run's report.json; exit 1 on a broken MUST;
           or merge load results (results.bin) into one report
  load     attack push endpoints with Web Push messages (vegeta); write a load report
  keys     make a VAPID key pair (RFC 8292)

Run "pushspec <command> -h" for a command's flags.
`

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "report":
		return report(args[1:], stdout, stderr)
	case "load":
		return load(args[1:], stdout, stderr)
	case "keys":
		return keys(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "pushspec: unknown command %q\n\n%s", args[0], usage)
	return errUsage
}

// parse parses a subcommand's flags, refusing leftover arguments unless
// allowArgs.
func parse(fs *flag.FlagSet, args []string, allowArgs bool) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	if !allowArgs && fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected arguments %q\n", fs.Name(), fs.Args())
		return errUsage
	}
	return nil
}
