package runtime

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

// Should a module whose initial memory exceeds its limit reach
// instantiation anyway (the load check is the first line; this is the
// second), wazero panics inside the host (slice bounds out of range). The
// panic is contained to that one instantiation: an error of kind host_bug,
// logged as a bug with its stack, and the process lives on.
func TestInstantiatePanicIsContained(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	ctx := context.Background()
	e, err := NewEngine(ctx, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), Audit: DiscardAudit{}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	wasm, err := os.ReadFile("../testdata/hostile/wat/big_memory.wasm")
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.Compile(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	limits := DefaultLimits()
	limits.Memory = 16 << 20
	limits.Timeout = 5 * time.Second
	b := &binding{e: e, profile: "mallory", module: "big", sha: m.SHA256, limits: limits, log: e.log}
	scope := newScope("mallory", "", map[string]string{"K": "sk-test-contain-1234"}, Globals{})
	_, err = e.newInstance(ctx, m, b, scope)
	var ce *CallError
	if !errors.As(err, &ce) || ce.Kind != KindHostBug {
		t.Fatalf("err %v, want a contained host_bug", err)
	}
	if !strings.Contains(logs.String(), "bug: the host panicked") || !strings.Contains(logs.String(), "goroutine") {
		t.Errorf("log lacks the bug and its stack:\n%s", logs.String())
	}
	// The engine still works.
	if _, err := e.describe(ctx, m, DefaultLimits()); err == nil {
		t.Error("describe under the default 128 MiB limit succeeded for a 256 MiB module")
	}
	if _, err := e.describe(ctx, m, Limits{Memory: 512 << 20, Timeout: 5 * time.Second, MaxOutput: 1 << 20, MaxLog: 1 << 10, MaxHostCalls: 100}); err != nil {
		t.Errorf("describe under a 512 MiB limit: %v", err)
	}
}

// A panic in a host function fails the call it serves (host_bug) and is
// logged as a bug; the guest got abi.ErrUnavailable meanwhile.
func TestHostFunctionPanicIsContained(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	b := &binding{log: slog.New(slog.NewTextHandler(&logs, nil)), call: &callState{}}
	stack := []uint64{0, 0, 0, 0}
	func() {
		defer containHostPanic(withBinding(context.Background(), b), "secret_get", 1, stack)
		var s []byte
		_ = s[5] // a host bug
	}()
	if !b.call.hostBug || int32(stack[0]) >= 0 {
		t.Errorf("hostBug %v, result %d", b.call.hostBug, int32(stack[0]))
	}
	if !strings.Contains(logs.String(), "secret_get") {
		t.Errorf("log: %s", logs.String())
	}
}
