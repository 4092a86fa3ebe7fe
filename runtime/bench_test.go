package runtime_test

// Benchmarks of the sandboxed path against the same code run natively.
// `make bench` runs them with -count 6 for benchstat; docs/performance.md
// reports the ratios from one run.

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/wasmgw/wasmgw/guest"
	"github.com/wasmgw/wasmgw/guest/textkit"
	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/builtin"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

const benchText = `{"text":"The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs on and on."}`

func benchTenant(b *testing.B, config string) *runtime.Tenant {
	b.Helper()
	home := runtimetest.Home(b, map[string]runtimetest.Profile{
		"p": {Env: "OPENAI_API_KEY=sk-test-bench-0123456789\n", Config: config},
	})
	e := runtimetest.Engine(b, nil, nil)
	ten, err := e.Open(context.Background(), runtimetest.OpenProfile(b, home, "p"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ten.Close(context.Background()) })
	return ten
}

func callLoop(b *testing.B, ten *runtime.Tenant, tool, input string) {
	b.Helper()
	ctx := context.Background()
	in := []byte(input)
	if _, err := ten.CallTool(ctx, tool, in); err != nil { // warm the pool
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := ten.CallTool(ctx, tool, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTextStats compares the sample tool text_stats sandboxed (pooled
// and fresh instances) with the same package called natively through the
// SDK's registry (JSON in, JSON out, no sandbox).
func BenchmarkTextStats(b *testing.B) {
	b.Run("native", func(b *testing.B) {
		registerTextkit()
		in := []byte(benchText)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := guest.Invoke("text_stats", in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sandboxed-pooled", func(b *testing.B) {
		callLoop(b, benchTenant(b, "wasmgw:\n  modules:\n    t: builtin:textkit\n"), "text_stats", benchText)
	})
	b.Run("sandboxed-fresh", func(b *testing.B) {
		callLoop(b, benchTenant(b, "wasmgw:\n  modules:\n    t:\n      path: builtin:textkit\n      fresh_per_call: true\n"), "text_stats", benchText)
	})
}

var textkitRegistered bool

func registerTextkit() {
	if !textkitRegistered {
		textkit.Register()
		textkitRegistered = true
	}
}

// BenchmarkHostPath measures the fixed cost of a call through the host
// (noop: allocate and pass the input, call, copy the output) and of one
// host-function round trip (self1000 makes 1000; subtract noop and divide).
func BenchmarkHostPath(b *testing.B) {
	mod := filepath.Join(runtimetest.RepoRoot(b), "testdata", "bench", "hostcalls.wasm")
	ten := benchTenant(b, "wasmgw:\n  modules:\n    h: "+mod+"\n")
	b.Run("noop", func(b *testing.B) { callLoop(b, ten, "noop", "{}") })
	b.Run("self1000", func(b *testing.B) { callLoop(b, ten, "self1000", "{}") })
}

// BenchmarkWhoami is a call that reads a secret (one audited lookup).
func BenchmarkWhoami(b *testing.B) {
	callLoop(b, benchTenant(b, "wasmgw:\n  modules:\n    w: builtin:whoami\n"), "whoami", "{}")
}

// BenchmarkCompile measures compiling a Go guest: cold (no cache) and from
// the on-disk cache, each in a new engine.
func BenchmarkCompile(b *testing.B) {
	wasm, err := builtin.Module("whoami")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	run := func(b *testing.B, dir string) {
		for b.Loop() {
			e, err := runtime.NewEngine(ctx, runtime.Options{CacheDir: dir, CompileWorkers: 2})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.Compile(ctx, wasm); err != nil {
				b.Fatal(err)
			}
			_ = e.Close(ctx)
		}
	}
	b.Run("cold", func(b *testing.B) { run(b, "") })
	b.Run("cached", func(b *testing.B) {
		dir := b.TempDir()
		run(&testing.B{}, dir) // fill the cache (not timed)
		run(b, dir)
	})
}
