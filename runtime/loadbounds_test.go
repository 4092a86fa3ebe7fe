package runtime_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// bigNoMarker writes a well-framed wasm file of about size bytes (one
// custom section) that states no ABI marker: what the attacker
// uploaded, and what once cost 3.5 GB and seconds of compiling before "not
// a wasmgw module".
func bigNoMarker(t *testing.T, size int) string {
	t.Helper()
	payload := size - 16
	b := []byte{0, 'a', 's', 'm', 1, 0, 0, 0, 0}
	b = binary.AppendUvarint(b, uint64(payload+2))
	b = append(b, 1, 'x')
	path := filepath.Join(t.TempDir(), "big.wasm")
	// The payload is zeros: a sparse file, written in no time.
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, int64(len(b)+payload)); err != nil {
		t.Fatal(err)
	}
	return path
}

func newEngine(t *testing.T, opts runtime.Options) *runtime.Engine {
	t.Helper()
	ctx := context.Background()
	if opts.CacheDir == "" {
		opts.CacheDir = runtimetest.CacheDir()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Audit == nil {
		opts.Audit = runtime.DiscardAudit{}
	}
	e, err := runtime.NewEngine(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(ctx) })
	return e
}

func oneModuleHome(t *testing.T, path, limits string) string {
	return runtimetest.Home(t, map[string]runtimetest.Profile{
		"mallory": {Config: "wasmgw:\n" + limits + "  modules:\n    big: " + path + "\n"},
		"carol":   {Config: "wasmgw:\n  modules:\n    whoami: builtin:whoami\n"},
	})
}

// allocDuring returns the bytes the Go heap allocated while f ran. Not
// parallel-safe: callers do not call t.Parallel.
func allocDuring(f func()) uint64 {
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	f()
	goruntime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A 60 MB module is refused by its size before it is read, let alone
// compiled: no compile, and a few KiB allocated where the unchecked host
// allocated gigabytes.
func TestOversizedModuleRefusedBeforeRead(t *testing.T) {
	path := bigNoMarker(t, 60<<20)
	home := oneModuleHome(t, path, "")
	e := newEngine(t, runtime.Options{})
	p := runtimetest.OpenProfile(t, home, "mallory")
	var err error
	alloc := allocDuring(func() { _, err = e.Open(context.Background(), p) })
	var se *runtime.ModuleSizeError
	if !errors.As(err, &se) || se.Max != runtime.DefaultMaxModuleSize {
		t.Fatalf("err %v, want a ModuleSizeError at the default bound", err)
	}
	for _, want := range []string{`profile "mallory"`, `module "big"`, "--max-module-size", "33554432"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := e.Compiles(); n != 0 {
		t.Errorf("%d modules compiled, want none", n)
	}
	if alloc > 4<<20 {
		t.Errorf("refusing the module allocated %d bytes, want < 4 MiB", alloc)
	}
}

// Under a raised size bound, a 60 MB module with no ABI marker is read but
// refused by the cheap pass: never compiled, and the host allocates about
// the file's size, not the compiler's gigabytes.
func TestNoMarkerModuleRefusedWithoutCompiling(t *testing.T) {
	path := bigNoMarker(t, 60<<20)
	home := oneModuleHome(t, path, "")
	e := newEngine(t, runtime.Options{MaxModuleSize: 128 << 20})
	p := runtimetest.OpenProfile(t, home, "mallory")
	var err error
	alloc := allocDuring(func() { _, err = e.Open(context.Background(), p) })
	var ae *runtime.ABIError
	if !errors.As(err, &ae) || ae.Found != 0 {
		t.Fatalf("err %v, want an ABIError for a module with no marker", err)
	}
	if n := e.Compiles(); n != 0 {
		t.Errorf("%d modules compiled, want none", n)
	}
	if alloc > 70<<20 {
		t.Errorf("refusing the module allocated %d MiB, want about the file's 60 MiB", alloc>>20)
	}
	// Compile (the API) refuses it the same way, also without compiling.
	wasm, _ := os.ReadFile(path)
	if _, err := e.Compile(context.Background(), wasm); !errors.As(err, &ae) {
		t.Errorf("Compile: %v, want an ABIError", err)
	}
	if n := e.Compiles(); n != 0 {
		t.Errorf("%d modules compiled, want none", n)
	}
}

// A module whose declared initial memory exceeds its limit is refused at
// load (it used to panic the host while instantiating): the error names
// the profile, the module, the declared pages and the limit; nothing was
// compiled; every other profile is served; a profile whose limit allows it
// loads it.
func TestDeclaredMemoryOverLimitRefusedAtLoad(t *testing.T) {
	t.Parallel()
	path := runtimetest.Hostile(t, "big_memory")
	home := runtimetest.Home(t, map[string]runtimetest.Profile{
		"mallory": {Config: "wasmgw:\n  modules:\n    big: " + path + "\n"},
		"roomy":   {Config: "wasmgw:\n  limits: {memory: 512MiB}\n  modules:\n    big: " + path + "\n"},
		"carol":   {Config: "wasmgw:\n  modules:\n    whoami: builtin:whoami\n"},
	})
	e := newEngine(t, runtime.Options{})
	ctx := context.Background()
	h, err := runtime.OpenHome(home, runtime.NewGlobals(nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	f, err := runtime.OpenFleet(ctx, e, h, []string{"mallory", "carol"}, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close(ctx)
	if got := f.Names(); len(got) != 1 || got[0] != "carol" {
		t.Errorf("served %v, want carol", got)
	}
	err = f.Err("mallory")
	var me *runtime.MemoryDeclError
	if !errors.As(err, &me) || me.Pages != 4096 || me.Limit != runtime.DefaultMemory {
		t.Fatalf("mallory: %v, want a MemoryDeclError of 4096 pages over 128 MiB", err)
	}
	for _, want := range []string{`profile "mallory"`, `module "big"`, "4096 pages", "128 MiB"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if carol, _ := f.Tenant("carol"); carol != nil {
		var te *runtime.ToolError
		if _, err := carol.CallTool(ctx, "whoami", nil); err != nil && !errors.As(err, &te) {
			t.Errorf("carol: %v", err)
		}
	}
	// Refused before compiling: only carol's module was compiled.
	if n := e.Compiles(); n != 1 {
		t.Errorf("%d modules compiled, want 1 (carol's)", n)
	}
	// A profile whose limit is large enough loads the module; mallory is
	// refused again afterwards, from the compiled module's record.
	roomy, err := e.Open(ctx, runtimetest.OpenProfile(t, home, "roomy"))
	if err != nil {
		t.Fatalf("roomy: %v", err)
	}
	defer roomy.Close(ctx)
	if _, err := e.Open(ctx, runtimetest.OpenProfile(t, home, "mallory")); !errors.As(err, &me) {
		t.Errorf("mallory after roomy: %v, want a MemoryDeclError", err)
	}
}

// The describe call (the first code of a module the host runs) runs under
// the limits of the module in the profile that loads it, not the 10 s
// default: a start function that loops fails the load at the module's own
// timeout.
func TestDescribeRunsUnderModuleLimits(t *testing.T) {
	t.Parallel()
	home := oneModuleHome(t, runtimetest.Hostile(t, "start_loop"), "  limits: {timeout: 300ms}\n")
	e := newEngine(t, runtime.Options{})
	_, err := e.Open(context.Background(), runtimetest.OpenProfile(t, home, "mallory"))
	var ce *runtime.CallError
	if !errors.As(err, &ce) || ce.Kind != runtime.KindTimeout || !strings.Contains(err.Error(), "timeout of 300ms") {
		t.Fatalf("err %v, want a timeout at the module's 300ms", err)
	}
}

// Compiling waits for one of the engine's compile slots, and gives up when
// its caller does, without compiling.
func TestCompileWaitsForASlot(t *testing.T) {
	t.Parallel()
	e := newEngine(t, runtime.Options{MaxCompiles: 1})
	wasm, err := os.ReadFile(runtimetest.Hostile(t, "spin"))
	if err != nil {
		t.Fatal(err)
	}
	release := e.FillCompileSlotsForTest()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Compile(ctx, wasm); err == nil || !strings.Contains(err.Error(), "waiting to compile") {
		t.Errorf("compile with every slot taken: %v", err)
	}
	if n := e.Compiles(); n != 0 {
		t.Errorf("%d modules compiled, want none", n)
	}
	release()
	if _, err := e.Compile(context.Background(), wasm); err != nil {
		t.Errorf("compile with a free slot: %v", err)
	}
	if n := e.Compiles(); n != 1 {
		t.Errorf("%d modules compiled, want 1", n)
	}
}
