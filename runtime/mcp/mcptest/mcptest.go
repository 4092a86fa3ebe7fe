// Package mcptest helps tests run wasmgw's test MCP server
// (testdata/mcpserver): it builds the server once per test process and
// starts its HTTP mode, and waits for processes to exit without sleeping.
package mcptest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

var (
	buildMu sync.Mutex
	built   string // the server in the scratch directory, once built
)

// RepoRoot returns the repository's root directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("mcptest: cannot locate the repository")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// Server returns the path of the test MCP server, built with go build from
// testdata/mcpserver once per test process (the Go build cache makes that
// cheap), so a test never runs a stale server. It is built into the test
// binary's scratch directory (runtimetest.Main), or into the test's own
// temporary directory when the package's TestMain does not call Main:
// never into the source tree or a directory shared between runs.
func Server(t testing.TB) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if built != "" {
		return built
	}
	dir := runtimetest.Scratch()
	shared := dir != ""
	if !shared {
		dir = t.TempDir()
	}
	out := filepath.Join(dir, "mcpserver")
	tmp := fmt.Sprintf("%s.%d.tmp", out, os.Getpid())
	cmd := exec.Command("go", "build", "-o", tmp, "./testdata/mcpserver")
	cmd.Dir = RepoRoot(t)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./testdata/mcpserver (or run make build/mcpserver): %v\n%s", err, b)
	}
	if err := os.Rename(tmp, out); err != nil {
		t.Fatal(err)
	}
	if shared {
		built = out
	}
	return out
}

// HTTPServer starts the test server in streamable HTTP mode on a loopback
// port and returns its endpoint URL; it is stopped when the test ends.
func HTTPServer(t testing.TB) string {
	t.Helper()
	cmd := exec.Command(Server(t), "--http", "127.0.0.1:0")
	cmd.Env = []string{}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("test MCP server: %v", err)
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("test MCP server said %q", line)
	}
	return url
}
