package runtime_test

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func poolEngine(t *testing.T, opts runtime.PoolOptions, clock *fakeClock) *runtime.Engine {
	t.Helper()
	ctx := context.Background()
	e, err := runtime.NewEngine(ctx, runtime.Options{CacheDir: runtimetest.CacheDir(), Pool: opts, Now: clock.Now, Audit: runtime.DiscardAudit{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(ctx) })
	return e
}

func TestPoolReusesWithinBoundsAndEvictsIdle(t *testing.T) {
	home := runtimetest.SampleHome(t)
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	e := poolEngine(t, runtime.PoolOptions{MaxIdlePerModule: 2, IdleTimeout: time.Minute}, clock)
	alice, bob := openSample(t, e, home, "alice"), openSample(t, e, home, "bob")
	ctx := context.Background()

	// Three concurrent calls need three instances; only two stay idle.
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := alice.CallTool(ctx, "whoami", nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if st := e.PoolStats(); st.Idle < 1 || st.Idle > 2 || st.IdleBytes == 0 {
		t.Fatalf("after alice: %+v, want 1..2 idle instances with memory", st)
	}
	if _, err := bob.CallTool(ctx, "whoami", nil); err != nil {
		t.Fatal(err)
	}
	before := e.PoolStats().Idle
	clock.Advance(30 * time.Second)
	if n := e.EvictIdle(ctx); n != 0 {
		t.Fatalf("evicted %d instances idle for 30s (timeout 1m)", n)
	}
	clock.Advance(31 * time.Second)
	if n := e.EvictIdle(ctx); n != before {
		t.Fatalf("evicted %d of %d instances idle past the timeout", n, before)
	}
	if st := e.PoolStats(); st.Idle != 0 || st.IdleBytes != 0 {
		t.Fatalf("after eviction: %+v", st)
	}
	// Still serving after eviction.
	if _, err := alice.CallTool(ctx, "whoami", nil); err != nil {
		t.Fatal(err)
	}
}

func TestPoolMemoryBudgetEvictsLeastRecentlyUsed(t *testing.T) {
	home := runtimetest.SampleHome(t)
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	// A Go guest commits a few MiB: a 1-byte budget keeps nothing idle.
	e := poolEngine(t, runtime.PoolOptions{MaxIdleBytes: 1}, clock)
	alice := openSample(t, e, home, "alice")
	for range 3 {
		if _, err := alice.CallTool(context.Background(), "whoami", nil); err != nil {
			t.Fatal(err)
		}
	}
	if st := e.PoolStats(); st.Idle != 0 || st.Created != 3 || st.Reused != 0 || st.Evicted != 3 {
		t.Fatalf("memory budget not enforced: %+v, want 3 created and 3 evicted", st)
	}
}

// TestSequentialCallsReuseOneInstance: the counters show the steady state
// of a profile called one call at a time is one instance, reused.
func TestSequentialCallsReuseOneInstance(t *testing.T) {
	home := runtimetest.SampleHome(t)
	e := poolEngine(t, runtime.PoolOptions{}, &fakeClock{t: time.Unix(1_800_000_000, 0)})
	alice := openSample(t, e, home, "alice")
	for range 5 {
		if _, err := alice.CallTool(context.Background(), "whoami", nil); err != nil {
			t.Fatal(err)
		}
	}
	if st := e.PoolStats(); st.Created != 1 || st.Reused != 4 || st.Idle != 1 || st.Discarded != 0 {
		t.Fatalf("%+v, want 1 created, 4 reused, 1 idle", st)
	}
}

func TestFreshPerCallKeepsNothing(t *testing.T) {
	home := runtimetest.Home(t, map[string]runtimetest.Profile{
		"p": {Env: "OPENAI_API_KEY=sk-test-fresh-123456\n", Config: "wasmgw:\n  modules:\n    w:\n      path: builtin:whoami\n      fresh_per_call: true\n"},
	})
	e := runtimetest.Engine(t, nil, nil)
	ten, err := e.Open(context.Background(), runtimetest.OpenProfile(t, home, "p"))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := ten.CallTool(context.Background(), "whoami", nil); err != nil {
			t.Fatal(err)
		}
	}
	if st := e.PoolStats(); st.Idle != 0 || st.Created != 2 || st.Reused != 0 {
		t.Fatalf("fresh_per_call: %+v, want nothing idle and 2 instances created", st)
	}
}

// TestCorruptCacheIsRecovered: every entry of the on-disk cache is damaged;
// a new engine still compiles the module (and rewrites the entry).
func TestCorruptCacheIsRecovered(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// The hand-written module compiles in microseconds; the cache treats it
	// like any other.
	wasm, err := os.ReadFile(filepath.Join(runtimetest.RepoRoot(t), "testdata", "home", "profiles", "alice", "modules", "echo.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	log := &runtimetest.LogWatcher{}
	compile := func() error {
		e, err := runtime.NewEngine(ctx, runtime.Options{CacheDir: dir, Logger: slog.New(slog.NewTextHandler(log, nil)), Audit: runtime.DiscardAudit{}})
		if err != nil {
			return err
		}
		defer e.Close(ctx)
		_, err = e.Compile(ctx, wasm)
		return err
	}
	if err := compile(); err != nil {
		t.Fatal(err)
	}
	var entries []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			entries = append(entries, p)
		}
		return nil
	})
	if len(entries) == 0 {
		t.Fatal("the cache wrote no entry")
	}
	for _, p := range entries {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i := len(b) / 2; i < len(b); i++ {
			b[i] ^= 0xA5
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := compile(); err != nil {
		t.Fatalf("a corrupt cache entry was fatal: %v", err)
	}
	if !strings.Contains(log.String(), "clearing the cache and recompiling") {
		t.Fatalf("the corrupt entry was not detected; log:\n%s", log)
	}
	if err := compile(); err != nil {
		t.Fatalf("the rewritten entry is unusable: %v", err)
	}
}
