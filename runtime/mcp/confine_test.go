package mcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/mcp"
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
// With trust: host the same attempts succeed: the probe detects leaks.
func TestConfinedServerCannotReachNeighbours(t *testing.T) {
	if _, _, ok := mcp.ConfinementSupport(); !ok {
		t.Skip("this kernel cannot confine (Landlock ABI 6+ needed)")
	}
	t.Parallel()
	for _, trustHost := range []bool{false, true} {
		t.Run(fmt.Sprintf("trust_host=%v", trustHost), func(t *testing.T) {
			t.Parallel()
			home, p1, p2 := twoProfileHome(t)
			cfg := stdioConfig(t, map[string]string{"TOKEN": "tok"})
			cfg.Sandbox.TrustHost = trustHost
			c := connect(t, cfg, mcp.Options{Dir: p2, Home: home})
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
