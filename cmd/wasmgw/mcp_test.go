package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/mcp/mcptest"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// TestMCPResolvePrintsNoSecret resolves the sample alice's servers with the
// real CLI: references are shown as ***NAME, no value of any profile
// appears in the output, and the reads are audited by name.
func TestMCPResolvePrintsNoSecret(t *testing.T) {
	t.Parallel()
	home := runtimetest.SampleHome(t)
	for _, format := range []string{"yaml", "json"} {
		r := run(t, "", nil, "mcp", "resolve", "--home", home, "--profile", "alice", "--format", format, cacheFlag())
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", format, r.code, r.stderr)
		}
		for _, want := range []string{"***GITHUB_TOKEN", "Bearer ***MY_MCP_TOKEN", "@modelcontextprotocol/server-github", "remote"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%s: stdout lacks %q:\n%s", format, want, r.stdout)
			}
		}
		for _, v := range runtimetest.FakeValues(t, home) {
			if strings.Contains(r.stdout+r.stderr, v) {
				t.Errorf("%s: value %q printed", format, v)
			}
		}
		if format == "json" {
			var doc struct {
				Profile    string
				MCPServers map[string]json.RawMessage `json:"mcp_servers"`
				Unresolved []any
			}
			if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc.Profile != "alice" || len(doc.MCPServers) != 2 || doc.Unresolved == nil {
				t.Errorf("json output %+v (%v)", doc, err)
			}
		}
	}
	audit, err := os.ReadFile(filepath.Join(home, "logs", "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"module":"interpolate"`, `"name":"GITHUB_TOKEN","outcome":"granted"`, `"name":"MY_MCP_TOKEN","outcome":"granted"`} {
		if !strings.Contains(string(audit), want) {
			t.Errorf("audit log lacks %s:\n%s", want, audit)
		}
	}
	for _, v := range runtimetest.FakeValues(t, home) {
		if strings.Contains(string(audit), v) {
			t.Errorf("value %q in the audit log", v)
		}
	}
}

func TestMCPResolveStrict(t *testing.T) {
	t.Parallel()
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"p": {
		Env: "TOKEN=tok-strict-0123456\n",
		Config: `mcp_servers:
  api:
    command: srv
    env:
      TOKEN: ${TOKEN}
      MISSING: prefix-${NOT_SET}
      SHELLISH: ${TOKEN:-fallback}
`,
	}})
	args := []string{"mcp", "resolve", "--home", home, "--profile", "p", "--audit-log", "off", cacheFlag()}
	r := run(t, "", nil, args...)
	if r.code != 0 || !strings.Contains(r.stderr, `warning: mcp server "api": env.MISSING: ${NOT_SET} is not set`) ||
		!strings.Contains(r.stderr, `warning: mcp server "api": env.SHELLISH: ${TOKEN:-fallback} is not a supported form`) {
		t.Fatalf("without --strict: exit %d, stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "TOKEN: '***TOKEN'") || !strings.Contains(r.stdout, "MISSING: prefix-${NOT_SET}") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	r = run(t, "", nil, append(args, "--strict")...)
	if r.code != 1 || !strings.Contains(r.stderr, `error: mcp server "api": env.MISSING: ${NOT_SET}`) ||
		!strings.Contains(r.stderr, "2 reference(s) left unresolved (--strict)") {
		t.Fatalf("--strict: exit %d, stderr %q", r.code, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "tok-strict-0123456") {
		t.Error("a value was printed")
	}
}

func TestMCPToolsConnectsAndLists(t *testing.T) {
	t.Parallel()
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"alice": {
		Env:    "GITHUB_TOKEN=ghp_cli_test_000111\n",
		Config: "mcp_servers:\n  github:\n    command: " + mcptest.Server(t) + "\n    env:\n      TOKEN: ${GITHUB_TOKEN}\n    tools:\n      exclude: [spawn]\n  off:\n    command: nothing-to-run\n    enabled: false\n",
	}})
	r := run(t, "", nil, "mcp", "tools", "--home", home, "--profile", "alice", "--audit-log", "off", cacheFlag())
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{`MCP tools of profile "alice"`, "mcp.github.whoami", "mcp.github.echo", "[server github]"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "mcp.github.spawn") {
		t.Error("an excluded tool is listed")
	}
	r = run(t, "", nil, "mcp", "tools", "--home", home, "--profile", "alice", "--server", "github", "--format", "json", "--audit-log", "off", cacheFlag())
	var tools []struct{ Name, Module string }
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &tools) != nil || len(tools) != 4 || tools[0].Module != "mcp:github" {
		t.Errorf("json: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	log, err := os.ReadFile(filepath.Join(home, "profiles", "alice", "logs", "mcp-stderr.log"))
	if err != nil || !strings.Contains(string(log), "[github] ===== started pid") {
		t.Errorf("stderr log: %v\n%s", err, log)
	}
	// wasmgw run calls MCP tools like wasm tools; the child sees only the
	// baseline (here PATH and HOME, all this CLI was given) and its env.
	r = run(t, "", []string{"LEAK_ME=from-the-shell"}, "run", "--home", home, "--profile", "alice", "--tool", "mcp.github.whoami", "--audit-log", "off", cacheFlag())
	var who struct {
		StructuredContent struct {
			EnvNames    []string `json:"env_names"`
			TokenSHA256 string   `json:"token_sha256"`
		} `json:"structuredContent"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &who) != nil {
		t.Fatalf("run --tool: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if who.StructuredContent.TokenSHA256 != sha("ghp_cli_test_000111") || strings.Join(who.StructuredContent.EnvNames, " ") != "HOME PATH TOKEN" {
		t.Errorf("run --tool: %+v", who.StructuredContent)
	}
	// A server that cannot start is named, with exit status 1.
	r = run(t, "", nil, "mcp", "tools", "--home", home, "--profile", "alice", "--server", "off", "--audit-log", "off", cacheFlag())
	if r.code != 1 || !strings.Contains(r.stderr, `mcp server "off"`) {
		t.Errorf("disabled server named: exit %d %q", r.code, r.stderr)
	}
}

func TestMCPErrorsAndHelp(t *testing.T) {
	t.Parallel()
	home := runtimetest.SampleHome(t)
	for _, c := range []struct {
		name string
		args []string
		code int
		out  string // in stdout
		err  string // in stderr
	}{
		{"help", []string{"mcp", "--help"}, 0, "resolve   resolve every server entry", ""},
		{"help mcp", []string{"help", "mcp"}, 0, "tools     connect to the profile's enabled servers", ""},
		{"resolve help", []string{"mcp", "resolve", "--help"}, 0, "as ***NAME (for example ***MY_MCP_TOKEN)", ""},
		{"resolve help strict", []string{"mcp", "resolve", "--help"}, 0, "--strict", ""},
		{"tools help", []string{"mcp", "tools", "--help"}, 0, "built, never inherited", ""},
		{"no subcommand", []string{"mcp"}, 2, "", "Subcommands:"},
		{"unknown subcommand", []string{"mcp", "frob"}, 2, "", `unknown subcommand "frob"`},
		{"no profile", []string{"mcp", "resolve", "--home", home}, 2, "", "--profile is required"},
		{"bad format", []string{"mcp", "resolve", "--home", home, "--profile", "alice", "--format", "xml"}, 2, "", `--format "xml": want yaml or json`},
		{"unknown server", []string{"mcp", "resolve", "--home", home, "--profile", "alice", "--server", "nope", "--audit-log", "off"}, 1, "", `no mcp server "nope" (servers: github, remote)`},
		{"no servers", []string{"mcp", "tools", "--home", home, "--profile", "missing-module", "--audit-log", "off"}, 1, "", `module "ghost"`},
		{"profile without servers", []string{"mcp", "resolve", "--home", home, "--profile", "default", "--audit-log", "off"}, 1, "", `has no mcp_servers`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, "", nil, append(c.args, cacheFlag())...)
			if c.name == "help" || c.name == "help mcp" || c.name == "no subcommand" || c.name == "unknown subcommand" {
				r = run(t, "", nil, c.args...)
			}
			if r.code != c.code || !strings.Contains(r.stdout, c.out) || !strings.Contains(r.stderr, c.err) {
				t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant exit %d, %q, %q", r.code, r.stdout, r.stderr, c.code, c.out, c.err)
			}
		})
	}
}
