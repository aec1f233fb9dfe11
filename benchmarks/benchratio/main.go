// Command benchratio reads the output of the benchmarks package (go test
// -bench) and prints what make bench promises: pushspec against webpush-go
// in messages per CPU-second, pushspec against the crypto floor, and the
// allocations per message. It takes the median of each benchmark's runs.
//
//	go test -run '^$' -bench . -benchmem -count 6 ./benchmarks > bench.txt
//	go run ./benchmarks/benchratio bench.txt
//
// It judges the goals (at least 2.5 times webpush-go's messages per
// CPU-second; within 10% of the floor) and says so, but exits 0 either way:
// speed on a shared machine is a measurement, not a test. With -strict it
// exits 1 when a goal is missed.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// Goals of the hot path.
const (
	goalRatio = 2.5  // times webpush-go's messages per CPU-second
	goalFloor = 1.10 // a send's CPU over the floor's
)

var errMissed = errors.New("a goal was missed")

func main() {
	strict := flag.Bool("strict", false, "exit 1 when a goal is missed")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: benchratio [-strict] BENCH.txt...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	runs, err := read(flag.Args())
	if err == nil {
		err = summarize(os.Stdout, runs)
	}
	switch {
	case errors.Is(err, errMissed) && !*strict:
	case err != nil:
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
}

// runs maps "Name/key=value" and a unit to every value measured.
type runs map[string]map[string][]float64

func read(files []string) (runs, error) {
	rs := runs{}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("reading benchmarks: %w", err)
		}
		r := benchfmt.NewReader(f, name)
		for r.Scan() {
			res, ok := r.Result().(*benchfmt.Result)
			if !ok {
				continue
			}
			key := benchName(res.Name.String())
			if rs[key] == nil {
				rs[key] = map[string][]float64{}
			}
			for _, v := range res.Values {
				unit, val := v.Unit, v.Value
				if v.OrigUnit != "" {
					unit, val = v.OrigUnit, v.OrigValue
				}
				rs[key][unit] = append(rs[key][unit], val)
			}
		}
		err = r.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", name, err)
		}
	}
	return rs, nil
}

// benchName drops the -GOMAXPROCS suffix.
func benchName(n string) string {
	if i := strings.LastIndexByte(n, '-'); i > 0 && !strings.Contains(n[i:], "/") &&
		!strings.Contains(n[i:], "=") {
		return n[:i]
	}
	return n
}

// median returns the median of name's unit and whether there was one.
func (rs runs) median(name, unit string) (float64, bool) {
	vs := slices.Clone(rs[name][unit])
	if len(vs) == 0 {
		return 0, false
	}
	slices.Sort(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2], true
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2, true
}

func (rs runs) count(name, unit string) int { return len(rs[name][unit]) }

func summarize(w io.Writer, rs runs) error {
	const (
		ours   = "Send/sender=pushspec"
		theirs = "Send/sender=webpush-go"
	)
	oursMsgs, ok1 := rs.median(ours, "msgs/cpu-s")
	theirsMsgs, ok2 := rs.median(theirs, "msgs/cpu-s")
	if !ok1 || !ok2 {
		return fmt.Errorf("no msgs/cpu-s for %s and %s: run the benchmarks package", ours, theirs)
	}
	missed := false

	fmt.Fprintf(w, "pushspec against webpush-go and the crypto floor: medians of %d runs each, "+
		"in one run\nof go test on this machine (a shared machine: trust the ratios, not the "+
		"absolute times)\n\n", rs.count(ours, "msgs/cpu-s"))

	ratio := oursMsgs / theirsMsgs
	fmt.Fprintf(w, "messages per CPU-second   pushspec %8.0f   webpush-go %8.0f   %.2f× "+
		"(goal ≥ %.1f×: %s)\n", oursMsgs, theirsMsgs, ratio, goalRatio, verdict(ratio >= goalRatio))
	missed = missed || ratio < goalRatio
	if a, ok := rs.median(ours, "cpu-ns/op"); ok {
		b, _ := rs.median(theirs, "cpu-ns/op")
		fmt.Fprintf(w, "CPU per message           pushspec %6.1f µs   webpush-go %6.1f µs\n",
			a/1e3, b/1e3)
	}
	if a, ok := rs.median(ours, "allocs/op"); ok {
		b, _ := rs.median(theirs, "allocs/op")
		fmt.Fprintf(w, "allocations per message   pushspec %8.0f   webpush-go %8.0f   "+
			"(a whole send, net/http and the sink included)\n", a, b)
	}

	steps := []string{"keygen", "ecdh", "hkdf", "aesgcm"}
	floor, floorAllocs := 0.0, 0.0
	var parts []string
	for _, s := range steps {
		v, ok := rs.median("Floor/step="+s, "cpu-ns/op")
		if !ok {
			return fmt.Errorf("no Floor/step=%s: run the benchmarks package", s)
		}
		floor += v
		parts = append(parts, fmt.Sprintf("%s %.1f", s, v/1e3))
		if s != "hkdf" { // webpush derives keys without crypto/hkdf
			a, _ := rs.median("Floor/step="+s, "allocs/op")
			floorAllocs += a
		}
	}
	fmt.Fprintf(w, "\ncrypto floor per message  %s = %.1f µs CPU\n", strings.Join(parts, " + "),
		floor/1e3)
	for _, b := range []string{"Send", "Prepare", "Encrypt"} {
		v, ok := rs.median(b+"/sender=pushspec", "cpu-ns/op")
		if !ok {
			continue
		}
		line := fmt.Sprintf("pushspec %-8s / floor   %.2f×", strings.ToLower(b), v/floor)
		if b == "Send" {
			line += fmt.Sprintf(" (goal ≤ %.2f×: %s)", goalFloor, verdict(v/floor <= goalFloor))
			missed = missed || v/floor > goalFloor
		}
		fmt.Fprintln(w, line)
	}
	if v, ok := rs.median("Token/sender=pushspec", "cpu-ns/op"); ok {
		s, _ := rs.median("Sign/sender=pushspec", "cpu-ns/op")
		fmt.Fprintf(w, "VAPID token               cached %.2f µs, signed %.1f µs "+
			"(webpush-go signs every message)\n", v/1e3, s/1e3)
	}
	if a, ok := rs.median("Prepare/sender=pushspec", "allocs/op"); ok {
		fmt.Fprintf(w, "allocations per message   %.0f to encrypt, sign and build the headers: "+
			"%.0f in crypto/ecdh, crypto/aes and crypto/cipher, %.0f in webpush (goal ≤ 15: %s)\n",
			a, floorAllocs, a-floorAllocs, verdict(a-floorAllocs <= 15))
		missed = missed || a-floorAllocs > 15
	}
	if missed {
		return errMissed
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
