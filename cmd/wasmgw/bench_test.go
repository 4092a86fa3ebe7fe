package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// TestBenchRelay runs "wasmgw bench" with tiny numbers in this process, so
// that the race detector sees the relay driver, the loopback connector and
// the gateway together; every reply must match its message and profile.
func TestBenchRelay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	stdout, stderr := &runtimetest.LogWatcher{}, &runtimetest.LogWatcher{}
	a := &app{stdin: strings.NewReader(""), stdout: stdout, stderr: stderr, getenv: func(string) string { return "" }}
	tracePath := filepath.Join(t.TempDir(), "bench.trace")
	err := a.main(ctx, []string{"bench", "--profiles", "3", "--active", "2", "--instances", "2", "--calls", "4",
		"--sessions", "3", "--messages", "12", "--rounds", "2", "--warm-calls", "20", "--trace", tracePath, cacheFlag()})
	if err != nil {
		t.Fatalf("bench: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	if b, err := os.ReadFile(tracePath); err != nil || !bytes.HasPrefix(b, []byte("go 1.")) {
		t.Errorf("--trace wrote no execution trace (%d bytes, %v)", len(b), err)
	}
	for _, want := range []string{
		"| live Go instances per GiB, fresh | ",
		"| linear memory a pooled instance grew by over 20 calls | ",
		"| live Go instances per GiB, warm (RSS fresh + that growth) | ",
		"| relay: round 1 of 2 (pools growing): throughput, instances created | ",
		"| relay: messages per round, sessions, profiles | 12, 3, 2 |",
		"| relay: whole-path throughput (push to reply, /call whoami), round 2 of 2 | ",
		"| relay: push to reply at saturation (3 in flight), p50 / p99 | ",
		"| relay: replies per WebSocket message to the connector (frames queued behind a write go out together) | ",
		"| relay: guest calls served by pooled instances | ",
		"| relay: push to reply at 5000 msgs/s offered, p50 / p99, instances created | ",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout.String()+stderr.String(), "sk-test-bench-") {
		t.Error("a bench profile's fake key was printed")
	}
}
