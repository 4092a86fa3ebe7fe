package main

import (
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/inspect"
	"github.com/wasmgw/wasmgw/runtime/mcp"
	"github.com/wasmgw/wasmgw/runtime/mcp/mcptest"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// TestAuditReportsMCPConfinement: wasmgw audit shows, per stdio server,
// what confines it, and reports a server with trust: host as a high
// finding (exit 1).
func TestAuditReportsMCPConfinement(t *testing.T) {
	if _, _, ok := mcp.ConfinementSupport(); !ok {
		t.Skip("this kernel cannot confine (Landlock ABI 6+ needed)")
	}
	server := mcptest.Server(t)
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"alice": {
		Env: "GITHUB_TOKEN=ghp_audit_confine_0001\n",
		Config: "mcp_servers:\n  boxed:\n    command: " + server + "\n    network: deny\n    limits:\n      memory: 256MiB\n" +
			"  trusted:\n    command: " + server + "\n    trust: host\n",
	}})
	r := runAudit(t, "audit", "--home", home, "--static-only", "--format", "json", cacheFlag())
	if r.code != 1 {
		t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
	}
	rep, err := inspect.ParseReport([]byte(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	var boxed, trusted inspect.MCPServerReport
	for _, s := range rep.Profiles[0].MCPServers {
		switch s.Name {
		case "boxed":
			boxed = s
		case "trusted":
			trusted = s
		}
	}
	if !boxed.Confined || !strings.Contains(boxed.Confinement, "landlock abi") || !strings.Contains(boxed.Confinement, "network denied") || !strings.Contains(boxed.Confinement, "memory 256MiB") {
		t.Errorf("boxed: %+v", boxed)
	}
	if trusted.Confined || !strings.Contains(trusted.Confinement, "trust: host") {
		t.Errorf("trusted: %+v", trusted)
	}
	high := map[string]bool{}
	for _, f := range rep.Findings {
		if f.Severity == inspect.SeverityHigh {
			high[f.ID+" "+f.Subject] = true
		}
	}
	if !high["mcp.unconfined mcp_servers.trusted"] || high["mcp.unconfined mcp_servers.boxed"] {
		t.Errorf("high findings %v", high)
	}
	r = runAudit(t, "audit", "--home", home, "--static-only", cacheFlag())
	for _, want := range []string{"CONFINEMENT", "landlock abi", "mcp.unconfined", "none (trust: host)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the text report lacks %q:\n%s", want, r.stdout)
		}
	}
}
