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
)

var (
	buildMu  sync.Mutex
	built    string
	buildErr error
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
// cheap), so a test never runs a stale server. The binary is written to a
// temporary name and renamed, so concurrent test processes never see a
// partial file.
func Server(t testing.TB) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if built == "" && buildErr == nil {
		dir := filepath.Join(os.TempDir(), "wasmgw-test-mcpserver")
		if buildErr = os.MkdirAll(dir, 0o755); buildErr == nil {
			out := filepath.Join(dir, "mcpserver")
			tmp := fmt.Sprintf("%s.%d.tmp", out, os.Getpid())
			cmd := exec.Command("go", "build", "-o", tmp, "./testdata/mcpserver")
			cmd.Dir = RepoRoot(t)
			if b, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build ./testdata/mcpserver (or run make build/mcpserver): %v\n%s", err, b)
			} else if buildErr = os.Rename(tmp, out); buildErr == nil {
				built = out
			}
		}
	}
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
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
