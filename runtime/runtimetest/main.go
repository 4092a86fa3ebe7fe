package runtimetest

import (
	"fmt"
	"os"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/internal/testcache"
)

// Main runs a package's tests with a scratch directory of their own (the
// compilation cache, built modules) and removes it when they end: call it
// from TestMain as os.Exit(runtimetest.Main(m)). Without it, CacheDir is
// "" and GoModule builds into each test's t.TempDir().
func Main(m *testing.M) int {
	if _, err := testcache.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "runtimetest:", err)
		return 1
	}
	code := m.Run()
	if err := testcache.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "runtimetest:", err)
	}
	return code
}

// Scratch returns the test binary's scratch directory (see Main), or ""
// when Main is not running.
func Scratch() string { return testcache.Scratch() }
