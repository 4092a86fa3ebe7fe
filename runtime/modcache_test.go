package runtime_test

import (
	"context"
	"os"
	"path/filepath"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// withCustomSection returns wasm with a custom section appended: the same
// code under another content hash.
func withCustomSection(wasm []byte, tag byte) []byte {
	name := "wasmgw-test"
	body := append([]byte{byte(len(name))}, name...)
	body = append(body, tag)
	out := append([]byte(nil), wasm...)
	out = append(out, 0, byte(len(body))) // id 0, size (< 128)
	return append(out, body...)
}

// waitHeld runs the garbage collector until the engine holds at most want
// compiled modules, and fails if it never does.
func waitHeld(t *testing.T, e *runtime.Engine, want int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute) // a bound on failure, not a pace
	for e.HeldModulesForTest() > want {
		if time.Now().After(deadline) {
			t.Fatalf("the engine still holds %d compiled modules, want at most %d", e.HeldModulesForTest(), want)
		}
		goruntime.GC()
		goruntime.Gosched()
	}
}

// TestModulesNoLongerUsedAreReleased: a profile whose module changes is
// compiled again; the modules no tenant uses any more are released, so a
// long-running engine holds the modules in use, not every module it ever
// compiled, while a module in use stays compiled and callable.
func TestModulesNoLongerUsedAreReleased(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	base, err := os.ReadFile(filepath.Join(runtimetest.RepoRoot(t), "testdata", "bench", "hostcalls.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"p": {Config: "wasmgw:\n  modules:\n    h: ./h.wasm\n"}})
	path := filepath.Join(home, "profiles", "p", "h.wasm")
	e := runtimetest.Engine(t, nil, nil)
	const versions = 5
	for i := range versions {
		if err := os.WriteFile(path, withCustomSection(base, byte(i)), 0o644); err != nil {
			t.Fatal(err)
		}
		ten, err := e.Open(ctx, runtimetest.OpenProfile(t, home, "p"))
		if err != nil {
			t.Fatalf("version %d: %v", i, err)
		}
		if _, err := ten.CallTool(ctx, "noop", []byte("{}")); err != nil {
			t.Fatalf("version %d: %v", i, err)
		}
		ten.Close(ctx)
	}
	if n := e.Compiles(); n != versions {
		t.Fatalf("%d compiles, want %d (one per version)", n, versions)
	}
	// The last version, in use by an open tenant, stays; the others go.
	ten, err := e.Open(ctx, runtimetest.OpenProfile(t, home, "p"))
	if err != nil {
		t.Fatal(err)
	}
	waitHeld(t, e, 1)
	for range 3 {
		goruntime.GC()
	}
	if n := e.HeldModulesForTest(); n != 1 {
		t.Fatalf("%d modules held while one tenant uses one, want 1", n)
	}
	if _, err := ten.CallTool(ctx, "noop", []byte("{}")); err != nil {
		t.Fatalf("the module in use, after collections: %v", err)
	}
	if n := e.Compiles(); n != versions {
		t.Fatalf("%d compiles, want %d: the module in use was compiled again", n, versions)
	}
	ten.Close(ctx)
	waitHeld(t, e, 0)
	// A module's file entries go with it (in the same critical section).
	if n := e.FileEntriesForTest(); n != 0 {
		t.Fatalf("%d file entries kept after every module was released, want 0", n)
	}
}
