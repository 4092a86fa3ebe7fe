//go:build !linux

package mcptest

import (
	"testing"
	"time"
)

// WaitExit skips the test: waiting for a process that is not a child of
// the test needs Linux's pidfd.
func WaitExit(t testing.TB, pid int, timeout time.Duration) bool {
	t.Helper()
	t.Skipf("waiting for process %d to exit needs Linux (pidfd)", pid)
	return false
}
