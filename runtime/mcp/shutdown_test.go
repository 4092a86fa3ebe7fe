package mcp_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime/mcp"
)

// A stdio server that writes to its stdout while it shuts down (Node
// servers flush) must not get EPIPE: closing the session keeps draining
// its stdout until it exits, so its shutdown is clean and its stderr log
// holds no broken-pipe error (or, from Node, a stack trace).
func TestStdioShutdownGivesTheChildNoEPIPE(t *testing.T) {
	t.Parallel()
	cfg := stdioConfig(t, nil)
	cfg.Args = []string{"--shutdown-write", "1048576"}
	var stderr syncBuffer
	c, err := mcp.Connect(context.Background(), cfg, mcp.Options{Dir: t.TempDir(), Stderr: &stderr, StopGrace: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	log := stderr.String()
	if !strings.Contains(log, "shutdown: wrote 1048576 bytes to stdout") || strings.Contains(log, "broken pipe") {
		t.Fatalf("the child's shutdown:\n%s", log)
	}
}
