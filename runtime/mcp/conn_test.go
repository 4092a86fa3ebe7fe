package mcp_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime/mcp"
	"github.com/wasmgw/wasmgw/runtime/mcp/mcptest"
)

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

type whoami struct {
	EnvNames    []string `json:"env_names"`
	TokenSHA256 string   `json:"token_sha256"`
	TokenSource string   `json:"token_source"`
	PID         int      `json:"pid"`
	Transport   string   `json:"transport"`
}

func callWhoami(t *testing.T, c *mcp.Conn) whoami {
	t.Helper()
	res, err := c.Call(context.Background(), "whoami", nil)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		StructuredContent whoami `json:"structuredContent"`
	}
	if err := json.Unmarshal(res.Output, &out); err != nil {
		t.Fatalf("%s: %v", res.Output, err)
	}
	return out.StructuredContent
}

func stdioConfig(t *testing.T, env map[string]string) mcp.ServerConfig {
	return mcp.ServerConfig{Name: "test", Transport: mcp.TransportStdio, Command: mcptest.Server(t), Env: env,
		Timeout: 30 * time.Second, ConnectTimeout: 30 * time.Second, Enabled: true}
}

func connect(t *testing.T, cfg mcp.ServerConfig, opts mcp.Options) *mcp.Conn {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	c, err := mcp.Connect(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestStdioChildGetsOnlyTheBaselineAndItsEnv proves that a host variable
// outside the baseline never reaches a child, even when the snapshot the
// host passes holds it.
func TestStdioChildGetsOnlyTheBaselineAndItsEnv(t *testing.T) {
	t.Setenv("LEAK_ME", "host-secret-do-not-pass")
	t.Setenv("XDG_CONFIG_HOME", "/tmp/xdg")
	t.Setenv("TERM", "xterm-test")
	environ := os.Environ()
	c := connect(t, stdioConfig(t, map[string]string{"TOKEN": "tok-123", "EXTRA": "x"}), mcp.Options{Environ: environ})
	got := callWhoami(t, c)

	want := []string{"EXTRA", "TOKEN"}
	for k := range mcp.Baseline(environ) {
		want = append(want, k)
	}
	sort.Strings(want)
	if !reflect.DeepEqual(got.EnvNames, want) {
		t.Errorf("child env names %v, want exactly %v", got.EnvNames, want)
	}
	for _, n := range got.EnvNames {
		if n == "LEAK_ME" {
			t.Error("LEAK_ME reached the child")
		}
	}
	if !contains(got.EnvNames, "XDG_CONFIG_HOME") || !contains(got.EnvNames, "TERM") || !contains(got.EnvNames, "PATH") {
		t.Errorf("baseline names missing from %v", got.EnvNames)
	}
	if got.TokenSHA256 != sha("tok-123") || got.Transport != "stdio" {
		t.Errorf("whoami %+v", got)
	}
}

func TestStdioChildWithNoSnapshotGetsOnlyItsEnv(t *testing.T) {
	c := connect(t, stdioConfig(t, map[string]string{"TOKEN": "t"}), mcp.Options{})
	if got := callWhoami(t, c).EnvNames; !reflect.DeepEqual(got, []string{"TOKEN"}) {
		t.Errorf("env names %v, want only TOKEN", got)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestCommandIsFoundInTheChildsPATHOnly(t *testing.T) {
	srv := mcptest.Server(t)
	dir := t.TempDir()
	if err := os.Symlink(srv, dir+"/my-mcp-server"); err != nil {
		t.Fatal(err)
	}
	cfg := stdioConfig(t, map[string]string{"TOKEN": "t"})
	cfg.Command = "my-mcp-server"
	// Not in the host's PATH, only in the one the child gets.
	c := connect(t, cfg, mcp.Options{Environ: []string{"PATH=" + dir}})
	if got := callWhoami(t, c); got.TokenSHA256 != sha("t") {
		t.Errorf("whoami %+v", got)
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	_, err := mcp.Connect(context.Background(), cfg, mcp.Options{Environ: []string{"PATH=/nonexistent"}, Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "not found in the server's PATH") {
		t.Errorf("err = %v, want not found (the host's PATH must not be used)", err)
	}
}

func TestToolFilterAndCalls(t *testing.T) {
	cfg := stdioConfig(t, nil)
	cfg.Exclude = []string{"spawn", "stderr"}
	c := connect(t, cfg, mcp.Options{})
	var names []string
	for _, tool := range c.Tools() {
		names = append(names, tool.Name)
		if len(tool.InputSchema) == 0 {
			t.Errorf("tool %s has no schema", tool.Name)
		}
	}
	sort.Strings(names)
	if !reflect.DeepEqual(names, []string{"echo", "fail", "whoami"}) {
		t.Errorf("tools %v", names)
	}
	res, err := c.Call(context.Background(), "echo", json.RawMessage(`{"text":"hi","n":3}`))
	var echoed struct {
		StructuredContent struct {
			Text string
			N    int
		} `json:"structuredContent"`
	}
	if err != nil || res.IsError || json.Unmarshal(res.Output, &echoed) != nil || echoed.StructuredContent.Text != "hi" || echoed.StructuredContent.N != 3 {
		t.Errorf("echo: %s, %v", res.Output, err)
	}
	res, err = c.Call(context.Background(), "fail", nil)
	if err != nil || !res.IsError || res.Text != "this tool always fails" {
		t.Errorf("fail: %+v, %v", res, err)
	}
}

// TestCloseLeavesNoOrphans: the server spawns a grandchild; closing the
// connection ends both and reaps the server.
func TestCloseLeavesNoOrphans(t *testing.T) {
	c := connect(t, stdioConfig(t, nil), mcp.Options{})
	res, err := c.Call(context.Background(), "spawn", nil)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		StructuredContent struct{ PID int } `json:"structuredContent"`
	}
	if err := json.Unmarshal(res.Output, &out); err != nil || out.StructuredContent.PID == 0 {
		t.Fatalf("%s: %v", res.Output, err)
	}
	grandchild, server := out.StructuredContent.PID, c.PID()
	if err := c.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	if !mcptest.WaitExit(t, server, 5*time.Second) {
		t.Error("the server is still running after Close")
	}
	if !mcptest.WaitExit(t, grandchild, 5*time.Second) {
		t.Error("the server's grandchild is still running after Close (an orphan)")
	}
	select {
	case <-c.Done():
	default:
		t.Error("Done is not closed after Close")
	}
}

func TestConnectTimeoutLeavesNothingRunning(t *testing.T) {
	cfg := stdioConfig(t, nil)
	cfg.Args = []string{"--sleep"} // never answers the handshake
	cfg.ConnectTimeout = 300 * time.Millisecond
	var stderr bytes.Buffer
	start := time.Now()
	_, err := mcp.Connect(context.Background(), cfg, mcp.Options{Dir: t.TempDir(), Stderr: &stderr, StopGrace: 200 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "connect_timeout") {
		t.Fatalf("err = %v, want a connect timeout", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s", took)
	}
	// The pid is in the stderr log's start marker.
	var pid int
	for _, line := range strings.Split(stderr.String(), "\n") {
		if i := strings.Index(line, "started pid "); i >= 0 {
			_, _ = fmtSscan(line[i+len("started pid "):], &pid)
		}
	}
	if pid == 0 {
		t.Fatalf("no pid in %q", stderr.String())
	}
	if !mcptest.WaitExit(t, pid, 5*time.Second) {
		t.Error("the server is still running after a failed connect")
	}
}

func TestStderrIsPrefixedAndRedacted(t *testing.T) {
	var buf syncBuffer
	redact := func(s string) string { return strings.ReplaceAll(s, "tok-secret-42", "[REDACTED:TOKEN]") }
	c, err := mcp.Connect(context.Background(), stdioConfig(t, map[string]string{"TOKEN": "tok-secret-42"}),
		mcp.Options{Dir: t.TempDir(), Stderr: &buf, Redact: redact})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Call(context.Background(), "stderr", nil); err != nil {
		t.Fatal(err)
	}
	_ = c.Close() // waits for the child's stderr to be drained
	log := buf.String()
	if strings.Contains(log, "tok-secret-42") || !strings.Contains(log, "[test] debug: my token is [REDACTED:TOKEN]") {
		t.Errorf("stderr log:\n%s", log)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestStreamableHTTPSendsTheHeaders(t *testing.T) {
	url := mcptest.HTTPServer(t)
	cfg := mcp.ServerConfig{Name: "remote", Transport: mcp.TransportHTTP, URL: url, Headers: map[string]string{"Authorization": "Bearer http-tok"},
		Timeout: 30 * time.Second, ConnectTimeout: 30 * time.Second, Enabled: true}
	c := connect(t, cfg, mcp.Options{})
	if got := callWhoami(t, c); got.TokenSHA256 != sha("http-tok") || got.Transport != "http" || got.TokenSource != "header:Authorization" {
		t.Errorf("whoami %+v", got)
	}
	if c.PID() != 0 {
		t.Error("an HTTP server has no pid")
	}
}

// TestHeadersStayOnTheServersOrigin: a redirect to another origin does not
// carry the entry's headers.
func TestHeadersStayOnTheServersOrigin(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen["other"] = r.Header.Get("X-Api-Key")
		mu.Unlock()
		http.Error(w, "no", http.StatusTeapot)
	}))
	defer other.Close()
	home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen["home"] = r.Header.Get("X-Api-Key")
		mu.Unlock()
		http.Redirect(w, r, other.URL+"/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer home.Close()
	cfg := mcp.ServerConfig{Name: "r", Transport: mcp.TransportHTTP, URL: home.URL + "/mcp", Headers: map[string]string{"X-Api-Key": "k-123"},
		Timeout: 5 * time.Second, ConnectTimeout: 5 * time.Second, Enabled: true}
	_, err := mcp.Connect(context.Background(), cfg, mcp.Options{})
	if err == nil {
		t.Fatal("connected to a server that is not MCP")
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["home"] != "k-123" {
		t.Errorf("the server's origin got %q", seen["home"])
	}
	if v, ok := seen["other"]; !ok || v != "" {
		t.Errorf("the redirect target got X-Api-Key %q (reached: %v)", v, ok)
	}
}

func fmtSscan(s string, pid *int) (int, error) { return fmt.Sscan(s, pid) }

// TestListingIsBounded: a server listing more tools than MaxListedTools is
// read up to the bound (its names and what the host keeps stop there).
func TestListingIsBounded(t *testing.T) {
	cfg := stdioConfig(t, nil)
	cfg.Args = []string{"--many-tools", strconv.Itoa(mcp.MaxListedTools + 100)}
	c := connect(t, cfg, mcp.Options{})
	if got := len(c.Listed()); got != mcp.MaxListedTools {
		t.Fatalf("listed %d tools, want the bound %d", got, mcp.MaxListedTools)
	}
	if got := len(c.Tools()); got > mcp.MaxListedTools {
		t.Fatalf("kept %d tools", got)
	}
}
