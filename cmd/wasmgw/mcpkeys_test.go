package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/mcp/mcptest"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// TestMCPResolveWarnsOfKeysNotHonoured: mcp resolve names every key wasmgw
// does not act on (and ssl_verify: false, loudly) on stderr and in its JSON,
// explains a hermes context variable, and still exits 0.
func TestMCPResolveWarnsOfKeysNotHonoured(t *testing.T) {
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"p": {Config: `mcp_servers:
  remote:
    url: https://mcp.example.com/mcp
    ssl_verify: false
    auth: oauth
  local:
    command: srv
    args: ["${workspaceFolder}"]
    lifecycle: eager
`}})
	r := run(t, "", nil, "mcp", "resolve", "--home", home, "--profile", "p", "--audit-log", "off", cacheFlag())
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		`warning: mcp server "remote": ssl_verify: false: the server's TLS certificate is NOT verified`,
		`warning: mcp server "remote": auth: not supported`,
		`warning: mcp server "local": lifecycle: not supported`,
		`warning: mcp server "local": args[0]: ${workspaceFolder} is a hermes context variable`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	r = run(t, "", nil, "mcp", "resolve", "--home", home, "--profile", "p", "--format", "json", "--audit-log", "off", cacheFlag())
	var doc struct {
		NotHonoured []struct {
			Server, Key string
			Security    bool
		} `json:"not_honoured"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.NotHonoured) != 4 {
		t.Fatalf("json: %v %s", err, r.stdout)
	}
}

// TestMCPToolsWarnsOfUnmatchedFilters: mcp tools names a tools.exclude
// glob that matches none of the server's tools, and applies the others.
func TestMCPToolsWarnsOfUnmatchedFilters(t *testing.T) {
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"p": {
		Config: "mcp_servers:\n  t:\n    command: " + mcptest.Server(t) + "\n    tools:\n      exclude: [\"s*\", \"get-*\"]\n",
	}})
	r := run(t, "", nil, "mcp", "tools", "--home", home, "--profile", "p", "--audit-log", "off", cacheFlag())
	if r.code != 0 || !strings.Contains(r.stderr, `warning: mcp server "t": tools.exclude[1] "get-*" matches none`) {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
	if strings.Contains(r.stdout, "mcp.t.spawn") || strings.Contains(r.stdout, "mcp.t.stderr") || !strings.Contains(r.stdout, "mcp.t.echo") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}
