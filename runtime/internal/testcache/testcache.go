// Package testcache holds the scratch directory of a test binary and the
// compilation cache in it that the binary's engines share, filled ahead
// of the tests.
//
// Under -race, wazero's compiler is instrumented too and compiles a Go
// module about ten times slower (11 s against 0.9 s for builtin:whoami on
// 2 cores), which made the first compile of each module most of a test
// package's time. So the built-in modules, the committed hostile module
// and the modules tests build are compiled into the cache by warmcache
// (the command in ./warmcache), built without the race detector. It
// compiles through runtime.Engine.Compile, the path every engine takes,
// so the cache holds what a test's engine would have written. Tests still
// compile under -race every module they do not take from here: the text
// modules, modules a test writes, engines without the shared cache.
//
// It is its own package, not part of runtimetest, so that the runtime
// package's internal tests, which cannot import runtimetest, share the
// cache too. It does not import the runtime.
package testcache

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

// state is the test binary's: Start sets the scratch directory, Stop
// clears it.
var state struct {
	mu      sync.Mutex
	scratch string
	warm    *sync.Once
	bin     string // the built warmcache; "" when it could not be built
}

// Start gives the test binary its scratch directory (a new temporary
// directory) and returns it; Stop removes it.
func Start() (string, error) {
	dir, err := os.MkdirTemp("", "wasmgw-test-")
	if err != nil {
		return "", err
	}
	state.mu.Lock()
	state.scratch, state.warm, state.bin = dir, new(sync.Once), ""
	state.mu.Unlock()
	return dir, nil
}

// Stop removes the scratch directory.
func Stop() error {
	state.mu.Lock()
	dir := state.scratch
	state.scratch = ""
	state.mu.Unlock()
	if dir == "" {
		return nil
	}
	return os.RemoveAll(dir)
}

// Scratch returns the scratch directory, or "" outside Start and Stop.
func Scratch() string {
	state.mu.Lock()
	defer state.mu.Unlock()
	return state.scratch
}

// Dir returns the shared compilation cache ("" outside Start and Stop),
// with the built-in modules and the committed hostile module compiled
// into it on first use. A failure to build or run warmcache is reported
// on stderr and left alone: the tests then compile those modules
// themselves, under -race, slower.
func Dir() string {
	state.mu.Lock()
	scratch, once := state.scratch, state.warm
	state.mu.Unlock()
	if scratch == "" {
		return ""
	}
	cache := filepath.Join(scratch, "cache")
	if !warms {
		return cache
	}
	once.Do(func() {
		root := RepoRoot()
		bin := filepath.Join(scratch, "bin", "warmcache")
		cmd := exec.Command("go", "build", "-o", bin, "./runtime/internal/testcache/warmcache")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "testcache: building warmcache (tests will compile every module under -race, slower): %v\n%s", err, out)
			return
		}
		state.mu.Lock()
		state.bin = bin
		state.mu.Unlock()
		run(bin, cache, "-builtins", filepath.Join(root, "runtime", "inspect", "wasm", "hostile.wasm"))
	})
	return cache
}

// Warm compiles the module file path into the shared cache, when there
// is one.
func Warm(path string) {
	cache := Dir()
	state.mu.Lock()
	bin := state.bin
	state.mu.Unlock()
	if cache != "" && bin != "" {
		run(bin, cache, path)
	}
}

func run(bin, cache string, args ...string) {
	cmd := exec.Command(bin, append([]string{"-cache", cache}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "testcache: warmcache %v: %v\n%s", args, err, out)
	}
}

// RepoRoot returns the repository's root directory, found from this
// source file's path ("" if it cannot be).
func RepoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}
