package loadgen

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// RunFile is the name of a run's record beside its results.bin.
const RunFile = "run.json"

// A Run is what one generator did, beyond what its results say: the mode,
// how much encrypting it did, its CPU, the Retry-After it honoured. The
// report reads it from run.json beside results.bin; when results from
// several generators are merged, their Runs add up.
type Run struct {
	Name  string `json:"name"`
	Mode  Mode   `json:"mode"`
	Shard string `json:"shard"`
	Pacer string `json:"pacer"`

	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended"`

	Requests uint64             `json:"requests"`
	Outcomes map[Outcome]uint64 `json:"outcomes"`

	// Encrypted is how many messages were encrypted: one per request
	// inline; ahead of the requests pre-encrypted (Unsent were never sent);
	// one per subscription for the constant baseline.
	Encrypted uint64 `json:"encrypted"`
	Unsent    uint64 `json:"unsent"`
	// QueueUnderruns counts the hits that found the pre-encrypted queue
	// empty: their latency includes waiting for encryption.
	QueueCapacity  int    `json:"queue_capacity,omitempty"`
	QueueUnderruns uint64 `json:"queue_underruns"`
	// Prefilled messages were encrypted before the first hit, in
	// PrefillCPU; with a queue that holds the whole run, the attack itself
	// then costs the generator about what the constant baseline does.
	Prefilled  uint64        `json:"prefilled,omitempty"`
	PrefillCPU time.Duration `json:"prefill_cpu_ns,omitempty"`

	// GoneSubscriptions left the pool after a 404 or 410; SkippedGone are
	// pre-encrypted messages for them that were dropped, not sent.
	GoneSubscriptions uint64 `json:"gone_subscriptions"`
	SkippedGone       uint64 `json:"skipped_gone"`

	RetryAfterPolicy  RetryAfterPolicy `json:"retry_after_policy"`
	RetryAfterAnswers uint64           `json:"retry_after_answers"`
	RetryAfterWaits   uint64           `json:"retry_after_waits"`
	RetryAfterWaited  time.Duration    `json:"retry_after_waited_ns"`

	// CPU is the generator process's CPU time from before the first
	// message was encrypted to the last result: encryption, vegeta, the
	// HTTP client, writing results.
	CPU time.Duration `json:"cpu_ns"`

	// Set by the command that ran the attack.
	Target         string        `json:"target,omitempty"`
	Encoding       string        `json:"encoding,omitempty"`
	PayloadSize    int           `json:"payload_size,omitempty"`
	Protocol       string        `json:"protocol,omitempty"`
	Subscriptions  int           `json:"subscriptions,omitempty"`
	MaxWorkers     uint64        `json:"max_workers,omitempty"`
	GOMAXPROCS     int           `json:"gomaxprocs,omitempty"`
	PushServiceCPU time.Duration `json:"push_service_cpu_ns,omitempty"`
	PushService    string        `json:"push_service,omitempty"`
}

// WriteRun writes r to dir/run.json.
func WriteRun(dir string, r *Run) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding run: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, RunFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing run: %w", err)
	}
	return nil
}

// ReadRun reads dir/run.json.
func ReadRun(dir string) (*Run, error) {
	b, err := os.ReadFile(filepath.Join(dir, RunFile))
	if err != nil {
		return nil, fmt.Errorf("reading run: %w", err)
	}
	var r Run
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", filepath.Join(dir, RunFile), err)
	}
	return &r, nil
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ProcessCPU is the user and system CPU time of an exited process, from
// its os.ProcessState.SysUsage.
func ProcessCPU(sysUsage any) time.Duration {
	ru, ok := sysUsage.(*syscall.Rusage)
	if !ok || ru == nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
