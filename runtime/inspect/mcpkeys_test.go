package inspect

import (
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// TestMCPKeysNotHonouredAreFindings: the audit reports, per server, every
// hermes key wasmgw does not act on; ssl_verify: false is high, security
// keys medium, the rest low.
func TestMCPKeysNotHonouredAreFindings(t *testing.T) {
	t.Parallel()
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"h": {Config: `mcp_servers:
  remote:
    url: https://mcp.example.com/mcp
    ssl_verify: false
    auth: oauth
  local:
    command: /bin/true
    lifecycle: eager
    args: ["${workspaceFolder}"]
`}})
	profiles, findings, err := takeInventory(inventoryOptions{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Severity{"remote/ssl_verify": SeverityHigh, "remote/auth": SeverityMedium, "local/lifecycle": SeverityLow, "local/args[0]": SeverityLow}
	got := map[string]Severity{}
	for _, f := range findings {
		if f.ID == "mcp.tls-unverified" || f.ID == "mcp.key-not-honoured" {
			key, _, _ := strings.Cut(f.Message, ":")
			got[strings.TrimPrefix(f.Subject, "mcp_servers.")+"/"+key] = f.Severity
		}
	}
	for k, sev := range want {
		if got[k] != sev {
			t.Errorf("%s: severity %q, want %q (findings %v)", k, got[k], sev, findingIDs(findings))
		}
	}
	p := profileByName(profiles, "h")
	if p == nil || len(p.MCPServers) != 2 || len(p.MCPServers[0].NotHonoured) != 2 || len(p.MCPServers[1].NotHonoured) != 2 {
		t.Errorf("servers %+v", p)
	}
}
