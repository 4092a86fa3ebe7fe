package runtimetest

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

var (
	scratchMu  sync.Mutex
	scratchDir string // set by Main while the tests run
)

// Main runs a package's tests with a scratch directory of their own (the
// compilation cache, built modules) and removes it when they end: call it
// from TestMain as os.Exit(runtimetest.Main(m)). Without it, CacheDir is
// "" and GoModule builds into each test's t.TempDir().
func Main(m *testing.M) int {
	dir, err := os.MkdirTemp("", "wasmgw-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "runtimetest:", err)
		return 1
	}
	scratchMu.Lock()
	scratchDir = dir
	scratchMu.Unlock()
	code := m.Run()
	scratchMu.Lock()
	scratchDir = ""
	scratchMu.Unlock()
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintln(os.Stderr, "runtimetest:", err)
	}
	return code
}

// Scratch returns the test binary's scratch directory (see Main), or ""
// when Main is not running.
func Scratch() string { return scratch() }

func scratch() string {
	scratchMu.Lock()
	defer scratchMu.Unlock()
	return scratchDir
}
