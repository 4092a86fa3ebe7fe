package mcp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime/mcp"
	"github.com/wasmgw/wasmgw/runtime/mcp/internal/confine"
	"github.com/wasmgw/wasmgw/runtime/mcp/mcptest"
)

type attempt struct {
	OK    bool   `json:"ok"`
	Bytes int    `json:"bytes"`
	Error string `json:"error"`
}

func try(t *testing.T, c *mcp.Conn, tool string, args any) attempt {
	t.Helper()
	b, _ := json.Marshal(args)
	res, err := c.Call(context.Background(), tool, b)
	if err != nil {
		t.Fatalf("%s %s: %v", tool, b, err)
	}
	var out struct {
		StructuredContent attempt `json:"structuredContent"`
	}
	if err := json.Unmarshal(res.Output, &out); err != nil || res.IsError {
		t.Fatalf("%s %s: %s %v", tool, b, res.Output, err)
	}
	return out.StructuredContent
}

// home builds a wasmgw home with two profiles, each with a .env, and a
// .env of its own; it returns the home and profile p2's directory.
func twoProfileHome(t *testing.T) (home, p1, p2 string) {
	home = t.TempDir()
	p1 = filepath.Join(home, "profiles", "p1")
	p2 = filepath.Join(home, "profiles", "p2")
	for _, d := range []string{p1, p2} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, ".env"), []byte("FAKE_KEY=fake-"+filepath.Base(d)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(home, ".env"), []byte("RELAY_SECRET=fake-relay\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return home, p1, p2
}

// leaks tries, from a server of profile p2, everything the confinement
// must deny, and returns what succeeded.
func leaks(t *testing.T, c *mcp.Conn, home, p1, p2 string) []string {
	t.Helper()
	gw := os.Getpid()
	var got []string
	for _, path := range []string{
		filepath.Join(home, ".env"),
		filepath.Join(p1, ".env"),
		filepath.Join(p2, ".env"),
		home,
		filepath.Join(home, "profiles"),
		fmt.Sprintf("/proc/%d/environ", gw),
		fmt.Sprintf("/proc/%d/fd", gw),
		fmt.Sprintf("/proc/%d/maps", gw),
		fmt.Sprintf("/proc/%d/fd/0", gw),
		fmt.Sprintf("/proc/%d/cmdline", gw),
	} {
		if a := try(t, c, "tryread", map[string]any{"path": path}); a.OK {
			got = append(got, "read "+path)
		}
	}
	for _, dir := range []string{home, p1, p2} {
		if a := try(t, c, "trywrite", map[string]any{"path": dir}); a.OK {
			got = append(got, "write "+dir)
		}
	}
	if a := try(t, c, "trykill", map[string]any{"pid": gw}); a.OK {
		got = append(got, fmt.Sprintf("signal %d", gw))
	}
	return got
}

// TestConfinedServerCannotReachNeighbours: a stdio server of profile p2
// cannot read p1's .env, the home's .env, its own profile's .env, nor the
// gateway's /proc entries, cannot write the home and cannot signal the
// gateway, while its tools work and its scratch directory is writable.
// It holds with and without a user namespace (Landlock alone). With
// trust: host the same attempts succeed: the probe detects leaks.
func TestConfinedServerCannotReachNeighbours(t *testing.T) {
	if _, _, ok := mcp.ConfinementSupport(); !ok {
		t.Skip("this kernel cannot confine (Landlock ABI 6+ needed)")
	}
	t.Parallel()
	abi, userns, _ := mcp.ConfinementSupport()
	for _, tc := range []struct {
		name      string
		trustHost bool
		userns    bool
	}{{"confined", false, userns}, {"landlock_only", false, false}, {"trust_host", true, userns}} {
		trustHost := tc.trustHost
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			home, p1, p2 := twoProfileHome(t)
			cfg := stdioConfig(t, map[string]string{"TOKEN": "tok"})
			cfg.Args = []string{"--probe"}
			cfg.Sandbox.TrustHost = trustHost
			c := connect(t, cfg, mcp.WithKernel(mcp.Options{Dir: p2, Home: home}, abi, tc.userns))
			if !trustHost && strings.Contains(c.Confinement(), "namespaces user") != tc.userns {
				t.Errorf("user namespace %v, confinement %q", tc.userns, c.Confinement())
			}
			got := leaks(t, c, home, p1, p2)
			if !trustHost {
				if len(got) > 0 {
					t.Errorf("the confined server could:\n  %s", strings.Join(got, "\n  "))
				}
				if !strings.Contains(c.Confinement(), "landlock abi") {
					t.Errorf("confinement %q", c.Confinement())
				}
			} else if len(got) != 14 {
				t.Errorf("with trust: host the probe should succeed 14 times, got %d: %v", len(got), got)
			}
			if who := callWhoami(t, c); who.TokenSHA256 != sha("tok") {
				t.Errorf("a real tool call: %+v", who)
			}
			if a := try(t, c, "trywrite", map[string]any{"path": mcp.ScratchDir(mcp.Options{Dir: p2}, cfg.Name)}); !trustHost && !a.OK {
				t.Errorf("scratch directory not writable: %s", a.Error)
			}
			for _, path := range []string{"/etc/passwd", "/usr/bin", "/proc/self/status", "/proc/cpuinfo"} {
				if a := try(t, c, "tryread", map[string]any{"path": path}); !a.OK {
					t.Errorf("%s is not readable: %s", path, a.Error)
				}
			}
		})
	}
}

// TestConfinementFailsClosed: where the kernel cannot confine, a stdio
// server is not started, with an error that names the opt-out; with
// trust: host it starts.
func TestConfinementFailsClosed(t *testing.T) {
	t.Parallel()
	home, _, p2 := twoProfileHome(t)
	cfg := stdioConfig(t, nil)
	opts := mcp.WithKernel(mcp.Options{Dir: p2, Home: home}, 3, true)
	c, err := mcp.Connect(context.Background(), cfg, opts)
	if err == nil {
		_ = c.Close()
		t.Fatal("a server was started where the kernel cannot confine it")
	}
	if !errors.Is(err, confine.ErrUnsupported) || !strings.Contains(err.Error(), "trust: host") || !strings.Contains(err.Error(), "ABI is 3") {
		t.Errorf("error %q", err)
	}
	if _, err := os.Stat(mcp.ScratchDir(opts, cfg.Name)); err == nil {
		t.Error("the scratch directory was made for a server never started")
	}
	cfg.Sandbox.TrustHost = true
	c = connect(t, cfg, opts)
	if c.Confinement() != "" {
		t.Errorf("trust: host server reports confinement %q", c.Confinement())
	}
}

type limitsOut struct {
	OpenFiles int64 `json:"open_files"`
	Data      int64 `json:"data"`
	Processes int64 `json:"processes"`
}

func serverLimits(t *testing.T, c *mcp.Conn) limitsOut {
	t.Helper()
	res, err := c.Call(context.Background(), "limits", nil)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		StructuredContent limitsOut `json:"structuredContent"`
	}
	if err := json.Unmarshal(res.Output, &out); err != nil {
		t.Fatal(err)
	}
	return out.StructuredContent
}

// TestConfinedLimitsAndNetwork: the limits of the entry (or the defaults)
// are the server's; network: deny stops a TCP connection the default
// allows.
func TestConfinedLimitsAndNetwork(t *testing.T) {
	if _, _, ok := mcp.ConfinementSupport(); !ok {
		t.Skip("this kernel cannot confine (Landlock ABI 6+ needed)")
	}
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	_, userns, _ := mcp.ConfinementSupport()
	for _, deny := range []bool{false, true} {
		t.Run(fmt.Sprintf("deny=%v", deny), func(t *testing.T) {
			t.Parallel()
			home, _, p2 := twoProfileHome(t)
			cfg := stdioConfig(t, nil)
			cfg.Args = []string{"--probe"}
			want := limitsOut{OpenFiles: confine.DefaultOpenFiles, Data: confine.DefaultMemory, Processes: confine.DefaultProcesses}
			if deny {
				cfg.Sandbox = mcp.Sandbox{DenyNetwork: true, Memory: 512 << 20, Processes: 64, OpenFiles: 200}
				want = limitsOut{OpenFiles: 200, Data: 512 << 20, Processes: 64}
			}
			c := connect(t, cfg, mcp.Options{Dir: p2, Home: home})
			got := serverLimits(t, c)
			if !userns {
				want.Processes = got.Processes // not applied without a user namespace
			}
			if got != want {
				t.Errorf("limits %+v, want %+v", got, want)
			}
			a := try(t, c, "tryconnect", map[string]any{"addr": ln.Addr().String()})
			if a.OK == deny {
				t.Errorf("network deny=%v: connect ok=%v (%s); confinement %s", deny, a.OK, a.Error, c.Confinement())
			}
			if !strings.Contains(c.Confinement(), map[bool]string{false: "network allowed", true: "network denied"}[deny]) {
				t.Errorf("confinement %q", c.Confinement())
			}
		})
	}
}

// TestConfinementRefusesGrantsOfTheHome: filesystem.read may not open the
// home, a profile directory or a directory above them.
func TestConfinementRefusesGrantsOfTheHome(t *testing.T) {
	if _, _, ok := mcp.ConfinementSupport(); !ok {
		t.Skip("this kernel cannot confine (Landlock ABI 6+ needed)")
	}
	t.Parallel()
	home, p1, p2 := twoProfileHome(t)
	for _, path := range []string{home, p1, p2, filepath.Dir(home), "/", filepath.Join(home, "profiles")} {
		cfg := stdioConfig(t, nil)
		cfg.Sandbox.Read = []string{path}
		c, err := mcp.Connect(context.Background(), cfg, mcp.Options{Dir: p2, Home: home})
		if err == nil {
			_ = c.Close()
			t.Errorf("filesystem.read %s was granted", path)
		} else if !strings.Contains(err.Error(), "home or a profile") {
			t.Errorf("%s: %v", path, err)
		}
	}
	// A directory holding a .env is refused too.
	withEnv := t.TempDir()
	if err := os.WriteFile(filepath.Join(withEnv, ".env"), []byte("FAKE=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := stdioConfig(t, nil)
	cfg.Sandbox.Write = []string{withEnv}
	if c, err := mcp.Connect(context.Background(), cfg, mcp.Options{Dir: p2, Home: home}); err == nil {
		_ = c.Close()
		t.Error("filesystem.write of a directory with a .env was granted")
	} else if !strings.Contains(err.Error(), "holds a .env") {
		t.Errorf("%v", err)
	}
	// A directory of its own, in its profile, is fine.
	own := filepath.Join(p2, "data")
	if err := os.Mkdir(own, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg = stdioConfig(t, nil)
	cfg.Args = []string{"--probe"}
	cfg.Sandbox.Read = []string{own}
	c := connect(t, cfg, mcp.Options{Dir: p2, Home: home})
	if a := try(t, c, "tryread", map[string]any{"path": own}); !a.OK {
		t.Errorf("granted directory not readable: %s", a.Error)
	}
	if a := try(t, c, "trywrite", map[string]any{"path": own}); a.OK {
		t.Error("a read grant is writable")
	}
}

// TestConfinedNodeServer: a Node.js server (testdata/mcpserver-node, no
// packages) runs confined: node starts, its tool answers, it can write its
// scratch directory and cannot read the profiles' .env files.
func TestConfinedNodeServer(t *testing.T) {
	if _, _, ok := mcp.ConfinementSupport(); !ok {
		t.Skip("this kernel cannot confine (Landlock ABI 6+ needed)")
	}
	nodePath, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	t.Parallel()
	home, p1, p2 := twoProfileHome(t)
	script := filepath.Join(mcptest.RepoRoot(t), "testdata", "mcpserver-node", "server.js")
	cfg := mcp.ServerConfig{Name: "node", Transport: mcp.TransportStdio, Command: nodePath, Args: []string{script},
		Timeout: 30 * time.Second, ConnectTimeout: 30 * time.Second, Enabled: true}
	cfg.Sandbox.Read = []string{filepath.Dir(script)}
	opts := mcp.Options{Dir: p2, Home: home, Environ: []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}}
	c := connect(t, cfg, opts)
	if a := try(t, c, "hello", map[string]any{}); !a.OK {
		t.Fatalf("hello: %+v", a)
	}
	for _, path := range []string{filepath.Join(p1, ".env"), filepath.Join(p2, ".env"), filepath.Join(home, ".env"), fmt.Sprintf("/proc/%d/environ", os.Getpid())} {
		if a := try(t, c, "tryread", map[string]any{"path": path}); a.OK {
			t.Errorf("node read %s", path)
		}
	}
	if a := try(t, c, "trywrite", map[string]any{"path": mcp.ScratchDir(opts, "node")}); !a.OK {
		t.Errorf("node cannot write its scratch directory: %s", a.Error)
	}
}
