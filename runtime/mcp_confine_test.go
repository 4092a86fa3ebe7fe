package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/mcp"
	"github.com/wasmgw/wasmgw/runtime/mcp/mcptest"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// TestProfileMCPServerCannotReadNeighbours is the gateway's view of the
// confinement: bob's stdio server, configured in bob's config.yaml, tries
// to read alice's .env, the home's .env, bob's own .env and the gateway's
// /proc/PID/environ, and gets nothing, while a real tool call through it
// succeeds. The same profile with trust: host reads them all: the probe
// would see a leak.
func TestProfileMCPServerCannotReadNeighbours(t *testing.T) {
	if _, _, ok := mcp.ConfinementSupport(); !ok {
		t.Skip("this kernel cannot confine (Landlock ABI 6+ needed)")
	}
	t.Parallel()
	for _, trust := range []string{"", "    trust: host\n"} {
		t.Run(fmt.Sprintf("trust=%q", strings.TrimSpace(trust)), func(t *testing.T) {
			t.Parallel()
			home := runtimetest.SampleHome(t)
			if err := os.WriteFile(filepath.Join(home, ".env"), []byte("RELAY_SECRET=fake-relay-secret\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := "mcp_servers:\n  probe:\n    command: " + mcptest.Server(t) + "\n    args: [--probe]\n    env:\n      TOKEN: ${GITHUB_TOKEN}\n" + trust
			if err := os.WriteFile(filepath.Join(home, "profiles", "bob", "config.yaml"), []byte(cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			e := runtimetest.Engine(t, nil, nil)
			bob := openTenant(t, e, home, "bob")
			ctx := context.Background()
			targets := []string{
				filepath.Join(home, "profiles", "alice", ".env"),
				filepath.Join(home, ".env"),
				filepath.Join(home, "profiles", "bob", ".env"),
				fmt.Sprintf("/proc/%d/environ", os.Getpid()),
			}
			var leaked []string
			for _, path := range targets {
				in, _ := json.Marshal(map[string]string{"path": path})
				out, err := bob.CallTool(ctx, "mcp.probe.tryread", in)
				if err != nil {
					t.Fatal(err)
				}
				var a struct {
					StructuredContent struct {
						OK    bool   `json:"ok"`
						Bytes int    `json:"bytes"`
						Error string `json:"error"`
					} `json:"structuredContent"`
				}
				if err := json.Unmarshal(out, &a); err != nil {
					t.Fatalf("%s: %v", out, err)
				}
				if a.StructuredContent.OK {
					leaked = append(leaked, path)
				}
			}
			if trust == "" && len(leaked) > 0 {
				t.Errorf("bob's confined server read %v", leaked)
			}
			if trust != "" && len(leaked) != len(targets) {
				t.Errorf("with trust: host the probe read only %v of %v: it cannot see a leak", leaked, targets)
			}
			w, err := callWhoami(ctx, bob, "mcp.probe.whoami")
			if err != nil || w.StructuredContent.TokenSHA256 == "" {
				t.Errorf("a real tool call through the server: %+v %v", w, err)
			}
		})
	}
}
