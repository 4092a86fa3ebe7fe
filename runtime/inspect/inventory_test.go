package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/mcp"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

func findingIDs(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %s/%s", f.Severity, f.ID, f.Profile, f.Module))
	}
	return out
}

func hasFinding(fs []Finding, sev Severity, id, profile, module string) bool {
	for _, f := range fs {
		if f.Severity == sev && f.ID == id && f.Profile == profile && f.Module == module {
			return true
		}
	}
	return false
}

func profileByName(ps []ProfileReport, name string) *ProfileReport {
	for i := range ps {
		if ps[i].Name == name {
			return &ps[i]
		}
	}
	return nil
}

// noValues fails if any value of any .env of home appears in v (as JSON).
func noValues(t *testing.T, home string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, val := range runtimetest.FakeValues(t, home) {
		if strings.Contains(string(b), val) {
			t.Errorf("the report holds the value %q", val)
		}
	}
}

func TestSampleHomeInventory(t *testing.T) {
	home := runtimetest.SampleHome(t)
	profiles, findings, err := takeInventory(inventoryOptions{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range profiles {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, ","); got != "alice,bob,broken-env,default,missing-module" {
		t.Fatalf("profiles %s", got)
	}
	for _, f := range findings {
		if f.Severity == SeverityHigh {
			t.Errorf("high finding on the sample home: %+v", f)
		}
	}
	for _, want := range []struct {
		sev             Severity
		id, prof, modul string
	}{
		{SeverityMedium, "grants.all-names", "bob", "whoami"},
		{SeverityMedium, "env.invalid", "broken-env", ""},
		{SeverityMedium, "module.unreadable", "missing-module", "ghost"},
		{SeverityLow, "grants.all-names", "missing-module", "ghost"},
	} {
		if !hasFinding(findings, want.sev, want.id, want.prof, want.modul) {
			t.Errorf("no %s %s for %s/%s in %v", want.sev, want.id, want.prof, want.modul, findingIDs(findings))
		}
	}
	alice := profileByName(profiles, "alice")
	if alice.Env.Mode != "0600" || strings.Join(alice.Env.Names, ",") != "EMPTY_ONE,GITHUB_TOKEN,MY_MCP_TOKEN,OPENAI_API_KEY" {
		t.Errorf("alice .env %+v", alice.Env)
	}
	if alice.Limits.MemoryBytes != 128<<20 || alice.Limits.TimeoutMS != 10000 || alice.Limits.MaxHostCalls != runtime.DefaultLimits().MaxHostCalls {
		t.Errorf("alice limits %+v", alice.Limits)
	}
	var mods []string
	for _, m := range alice.Modules {
		mods = append(mods, m.Name+":"+m.Role+":"+grantsText(m))
		if m.Error != "" || m.ABIVersion != 1 || len(m.SHA256) != 64 || m.Size == 0 {
			t.Errorf("alice module %s: %+v", m.Name, m)
		}
		for _, im := range m.Imports {
			if !im.Provided {
				t.Errorf("alice module %s imports %s.%s, not provided", m.Name, im.Module, im.Name)
			}
		}
	}
	want := "whoami:tool:OPENAI_API_KEY textkit:tool:none echo:tool:OPENAI_API_KEY handler:handler:none"
	if len(alice.MCPServers) > 0 {
		// The interpolation module reads the names the servers reference.
		want += " interpolate:interpolation:ALL NAMES"
	}
	if got := strings.Join(mods, " "); got != want {
		t.Errorf("alice modules %s, want %s", got, want)
	}
	for _, s := range alice.MCPServers {
		for _, r := range s.SecretRefs {
			if !r.Defined {
				t.Errorf("alice server %s references %s, which alice defines", s.Name, r.Name)
			}
		}
	}
	echo := alice.Modules[2]
	if echo.Limits.MemoryBytes != 4<<20 || echo.Limits.TimeoutMS != 2000 || echo.Limits.MaxOutputBytes != 1<<20 {
		t.Errorf("echo limits %+v (want its own memory and timeout, the profile's max_output)", echo.Limits)
	}
	if len(echo.Memories) != 1 || echo.Memories[0].Imported {
		t.Errorf("echo memories %+v", echo.Memories)
	}
	noValues(t, home, profiles)
	noValues(t, home, findings)
}

// writeProfile adds a profile to a home.
func writeProfile(t *testing.T, home, name, env, config string, files map[string][]byte) string {
	t.Helper()
	dir := filepath.Join(home, "profiles", name)
	if err := os.MkdirAll(filepath.Join(dir, "modules"), 0o755); err != nil {
		t.Fatal(err)
	}
	if env != "" {
		if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(env), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	for rel, b := range files {
		if err := os.WriteFile(filepath.Join(dir, rel), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestPlantedProblemsAreFound(t *testing.T) {
	home := runtimetest.SampleHome(t)
	bad := readWAT(t, "unknown_import")
	dir := writeProfile(t, home, "mallory", "OPENAI_API_KEY=sk-planted-value-1\nPATH=/planted/path/value\nGATEWAY_RELAY_SECRET=relay-planted-value\n",
		"wasmgw:\n  modules:\n    evil:\n      path: modules/evil.wasm\n      grants: [OPENAI_API_KEY, TYPO_KEY]\n    notwasm: modules/notwasm.wasm\n",
		map[string][]byte{"modules/evil.wasm": bad, "modules/notwasm.wasm": []byte("#!/bin/sh\n")})
	if err := os.Chmod(filepath.Join(dir, ".env"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(home, "profiles", "alice", ".env"), 0o604); err != nil {
		t.Fatal(err)
	}
	profiles, findings, err := takeInventory(inventoryOptions{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		sev             Severity
		id, prof, modul string
	}{
		{SeverityHigh, "module.foreign-import", "mallory", "evil"},
		{SeverityHigh, "module.malformed", "mallory", "notwasm"},
		{SeverityHigh, "env.readable-by-others", "mallory", ""},
		{SeverityHigh, "env.readable-by-others", "alice", ""},
		{SeverityMedium, "env.global-name", "mallory", ""},
		{SeverityLow, "env.relay-material", "mallory", ""},
		{SeverityLow, "grants.unknown-name", "mallory", "evil"},
	} {
		if !hasFinding(findings, want.sev, want.id, want.prof, want.modul) {
			t.Errorf("no %s %s for %s/%s in %v", want.sev, want.id, want.prof, want.modul, findingIDs(findings))
		}
	}
	for _, f := range findings {
		if f.ID == "module.foreign-import" && !strings.Contains(f.Message, "env.exfiltrate") {
			t.Errorf("the finding does not name the import: %+v", f)
		}
	}
	evil := profileByName(profiles, "mallory").Modules[0]
	if len(evil.Imports) != 2 || evil.Imports[1].Provided || evil.Imports[1].Name != "exfiltrate" {
		t.Errorf("evil imports %+v", evil.Imports)
	}
	noValues(t, home, profiles)
	noValues(t, home, findings)
}

func TestWritableFilesAreHigh(t *testing.T) {
	home := runtimetest.SampleHome(t)
	cfg := filepath.Join(home, "profiles", "bob", "config.yaml")
	if err := os.Chmod(cfg, 0o666); err != nil {
		t.Fatal(err)
	}
	_, findings, err := takeInventory(inventoryOptions{Home: home, Profiles: []string{"bob"}})
	if err != nil {
		t.Fatal(err)
	}
	if !hasFinding(findings, SeverityHigh, "fs.writable-by-others", "bob", "") {
		t.Errorf("world-writable config.yaml not found: %v", findingIDs(findings))
	}
}

func TestUnknownProfileIsAnError(t *testing.T) {
	home := runtimetest.SampleHome(t)
	_, _, err := takeInventory(inventoryOptions{Home: home, Profiles: []string{"zed"}})
	if err == nil || !strings.Contains(err.Error(), `profile "zed": no such profile`) {
		t.Fatalf("err %v", err)
	}
}

func TestMCPServersAreInventoriedByName(t *testing.T) {
	home := runtimetest.SampleHome(t)
	bin := t.TempDir() // outside the profile and the system directories
	if err := os.WriteFile(filepath.Join(bin, "fake-mcp"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeProfile(t, home, "mcp", "GITHUB_TOKEN=ghp_planted_mcp_value\nMY_MCP_TOKEN=mcp-planted-token-value\n", `
wasmgw:
  modules: {}
mcp_servers:
  github:
    command: fake-mcp
    args: ["-y", "--token=${GITHUB_TOKEN}"]
    env:
      TOKEN: ${env:MY_MCP_TOKEN}
      API_KEY: literal-planted-credential
      OTHER: "${ MISSING_NAME }"
      SHELLY: ${X:-default}
  remote:
    url: http://mcp.example.com:8080/mcp?x=1
    headers:
      Authorization: Bearer ${MY_MCP_TOKEN}
  local:
    command: ./bin/server
  off:
    command: /nonexistent/server
    enabled: false
`, map[string][]byte{})
	if err := os.MkdirAll(filepath.Join(home, "profiles", "mcp", "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "profiles", "mcp", "bin", "server"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	profiles, findings, err := takeInventory(inventoryOptions{Home: home, Profiles: []string{"mcp"}, Environ: []string{"PATH=/nonexistent:" + bin, "HOME=/root"}})
	if err != nil {
		t.Fatal(err)
	}
	p := profiles[0]
	if len(p.MCPServers) != 4 {
		t.Fatalf("servers %+v", p.MCPServers)
	}
	gh, remote, local, off := p.MCPServers[0], p.MCPServers[1], p.MCPServers[2], p.MCPServers[3]
	var refs []string
	for _, r := range gh.SecretRefs {
		refs = append(refs, fmt.Sprintf("%s=%s/%t", r.Path, r.Name, r.Defined))
	}
	if got := strings.Join(refs, " "); got != "args[1]=GITHUB_TOKEN/true env.TOKEN=MY_MCP_TOKEN/true env.OTHER=MISSING_NAME/false" {
		t.Errorf("github refs %s", got)
	}
	if !slices.Equal(gh.Unsupported, []string{"env.SHELLY"}) || gh.Transport != "stdio" || gh.ResolvedCommand != filepath.Join(bin, "fake-mcp") {
		t.Errorf("github %+v", gh)
	}
	if remote.Transport != "http" || remote.URLOrigin != "http://mcp.example.com:8080" || len(remote.SecretRefs) != 1 {
		t.Errorf("remote %+v", remote)
	}
	if local.ResolvedCommand != filepath.Join(home, "profiles", "mcp", "bin", "server") || off.Enabled {
		t.Errorf("local %+v off %+v", local, off)
	}
	got := map[string]Severity{}
	for _, f := range findings {
		got[f.ID+" "+f.Subject] = f.Severity
	}
	for k, sev := range map[string]Severity{
		"mcp.command-outside mcp_servers.github":    SeverityMedium,
		"mcp.secret-in-argv mcp_servers.github":     SeverityMedium,
		"mcp.literal-credential mcp_servers.github": SeverityMedium,
		"mcp.unset-ref mcp_servers.github":          SeverityLow,
		"mcp.unsupported-ref mcp_servers.github":    SeverityLow,
		"mcp.cleartext-url mcp_servers.remote":      SeverityMedium,
	} {
		if got[k] != sev {
			t.Errorf("%s: %q, want %q (all: %v)", k, got[k], sev, got)
		}
	}
	for k := range got {
		if strings.Contains(k, "mcp_servers.local") || strings.Contains(k, "mcp_servers.off") {
			t.Errorf("unexpected finding %s", k)
		}
	}
	noValues(t, home, profiles)
	noValues(t, home, findings)
	if b, _ := json.Marshal(p); strings.Contains(string(b), "literal-planted-credential") {
		t.Error("the inventory prints a literal credential")
	}
}

func TestLoadCheckRecordsToolsAndRefusals(t *testing.T) {
	home := runtimetest.SampleHome(t)
	profiles, _, err := takeInventory(inventoryOptions{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	h, err := runtime.OpenHome(home, runtime.NewGlobals(nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	findings := checkLoad(context.Background(), runtimetest.Engine(t, nil, nil), h, profiles)
	alice := profileByName(profiles, "alice")
	if alice.Load == nil || !alice.Load.OK || alice.Load.Tools < 3 || strings.Join(alice.Modules[0].Tools, ",") != "whoami" {
		t.Errorf("alice load %+v, whoami tools %v", alice.Load, alice.Modules[0].Tools)
	}
	for _, name := range []string{"broken-env", "missing-module"} {
		p := profileByName(profiles, name)
		if p.Load == nil || p.Load.OK || p.Load.Error == "" {
			t.Errorf("%s load %+v", name, p.Load)
		}
		if !hasFinding(findings, SeverityMedium, "profile.load-failed", name, "") {
			t.Errorf("no profile.load-failed for %s: %v", name, findingIDs(findings))
		}
	}
	noValues(t, home, profiles)
}

// TestMCPConfinementInventory: the inventory says how each stdio server is
// confined on this kernel, reports trust: host and an invalid confinement
// key as high, and nothing for a confined server.
func TestMCPConfinementInventory(t *testing.T) {
	home := t.TempDir()
	writeProfile(t, home, "box", "", `
mcp_servers:
  boxed:
    command: /bin/true
    network: deny
  trusted:
    command: /bin/true
    trust: host
  bad:
    command: /bin/true
    limits:
      memory: lots
  remote:
    url: https://mcp.example.com/mcp
`, map[string][]byte{})
	profiles, findings, err := takeInventory(inventoryOptions{Home: home, Profiles: []string{"box"}, Environ: []string{"PATH=/usr/bin:/bin"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Severity{}
	for _, f := range findings {
		got[f.ID+" "+f.Subject] = f.Severity
	}
	if got["mcp.unconfined mcp_servers.trusted"] != SeverityHigh || got["mcp.confinement-invalid mcp_servers.bad"] != SeverityHigh {
		t.Errorf("findings %v", got)
	}
	_, _, ok := mcp.ConfinementSupport()
	for _, s := range profiles[0].MCPServers {
		switch s.Name {
		case "boxed":
			if ok != s.Confined || ok && !strings.Contains(s.Confinement, "network denied") {
				t.Errorf("boxed %+v", s)
			}
			if ok && got["mcp.cannot-confine mcp_servers.boxed"] != "" || !ok && got["mcp.cannot-confine mcp_servers.boxed"] != SeverityHigh {
				t.Errorf("boxed findings %v", got)
			}
		case "trusted":
			if s.Confined || !strings.Contains(s.Confinement, "trust: host") {
				t.Errorf("trusted %+v", s)
			}
		case "remote":
			if s.Confinement != "" {
				t.Errorf("an HTTP server has a confinement: %+v", s)
			}
		}
	}
}

func TestInventoryFlagsReferencesWhereTheHostDecides(t *testing.T) {
	t.Parallel()
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"p": {
		Env:    "HOST=example.org\n",
		Config: "mcp_servers:\n  api:\n    url: https://${HOST}/mcp\n",
	}})
	_, findings, err := takeInventory(inventoryOptions{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		if f.ID == "mcp.ref-in-host-position" && f.Profile == "p" && strings.Contains(f.Message, "url") {
			return
		}
	}
	t.Errorf("no mcp.ref-in-host-position finding: %+v", findings)
}
