package runtime

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/abi"
)

func TestParseConfig(t *testing.T) {
	cfg, err := ParseConfig("c.yaml", []byte(`
model: anything            # a hermes key: ignored
wasmgw:
  limits: {memory: 64MiB, timeout: 3s, max_output: 10KB}
  handler: builtin:handler
  modules:
    a: builtin:whoami
    b:
      path: mods/b.wasm
      grants: [X, Y_2]
      fresh_per_call: true
      limits: {timeout: 500ms, max_host_calls: 10}
    c:
      path: c.wasm
      grants: []
mcp_servers:
  github: {command: npx}
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Limits.Memory != 64<<20 || cfg.Limits.Timeout != 3*time.Second || cfg.Limits.MaxOutput != 10_000 {
		t.Errorf("limits %+v", cfg.Limits)
	}
	if len(cfg.Modules) != 3 || cfg.Modules[0].Name != "a" || cfg.Modules[0].Path != "builtin:whoami" || cfg.Modules[0].Grants != nil {
		t.Fatalf("modules %+v", cfg.Modules)
	}
	b := cfg.Modules[1]
	if b.Path != "mods/b.wasm" || len(b.Grants) != 2 || !b.FreshPerCall || b.Limits.Timeout != 500*time.Millisecond || b.Limits.MaxHostCalls != 10 {
		t.Errorf("module b %+v", b)
	}
	if cfg.Modules[2].Grants == nil || len(cfg.Modules[2].Grants) != 0 {
		t.Errorf("an empty grant list must stay empty (read nothing), got %#v", cfg.Modules[2].Grants)
	}
	if cfg.Handler != "builtin:handler" || cfg.MCPServers == nil {
		t.Errorf("handler %q mcp %v", cfg.Handler, cfg.MCPServers)
	}
	got := b.Limits.withDefaults(cfg.Limits.withDefaults(DefaultLimits()))
	if got.Memory != 64<<20 || got.Timeout != 500*time.Millisecond || got.MaxLog != defaultMaxLog {
		t.Errorf("effective limits %+v", got)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"wasmgw:\n  modulez: {}\n", `c.yaml line 2: wasmgw.modulez: unknown key`},
		{"wasmgw:\n  modules:\n    a:\n      grants: [OK]\n", `c.yaml line 4: wasmgw.modules.a.path: missing`},
		{"wasmgw:\n  modules:\n    a:\n      path: x\n      grants: [\"bad name\"]\n", `c.yaml line 5: wasmgw.modules.a.grants[0]: want a secret name`},
		{"wasmgw:\n  limits:\n    timeout: soon\n", `c.yaml line 3: wasmgw.limits.timeout: want a positive duration`},
		{"wasmgw:\n  limits:\n    memory: 1KiB\n", `wasmgw.limits.memory: 1KiB is outside 4MiB..4GiB`},
		{"wasmgw:\n  limits:\n    max_output: lots\n", `wasmgw.limits.max_output: want a size`},
		{"wasmgw:\n  modules:\n    Bad: x\n", `wasmgw.modules.Bad: invalid module name`},
		{"wasmgw:\n  modules:\n    a:\n      path: x\n      fresh_per_call: maybe\n", `wasmgw.modules.a.fresh_per_call: want true or false`},
		{"- a list\n", "c.yaml line 1: want a mapping at the top level"},
		{"mcp_servers: [1]\n", "c.yaml line 1: mcp_servers: want a mapping"},
		{"wasmgw: {modules: {a: x, a: y}}\n", "duplicate"},
		{"wasmgw: [\n", "c.yaml"},
	} {
		_, err := ParseConfig("c.yaml", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v, want %q", c.src, err, c.want)
		}
	}
	_, err := ParseConfig("c.yaml", []byte("wasmgw:\n  x: 1\n"))
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Line != 2 || ce.Field != "wasmgw.x" {
		t.Errorf("ConfigError %+v", ce)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]uint64{"1048576": 1 << 20, "64MiB": 64 << 20, "1.5GB": 1_500_000_000, "10 KB": 10_000, "7B": 7} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1", "12XB", "1e30"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		"wasmgw:\n  modules:\n    a: builtin:whoami\n",
		"wasmgw:\n  limits: {memory: 64MiB, timeout: 1s}\n  modules:\n    b: {path: x, grants: [A]}\n",
		"mcp_servers:\n  gh: {command: npx, env: {T: '${T}'}}\n", "", "[", "wasmgw: &a [*a]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig("fuzz.yaml", data)
		if err != nil {
			return
		}
		for _, m := range cfg.Modules {
			if m.Path == "" || !validModuleName(m.Name) {
				t.Fatalf("accepted module %+v", m)
			}
			for _, g := range m.Grants {
				if !abi.ValidSecretName(g) {
					t.Fatalf("accepted grant %q", g)
				}
			}
		}
	})
}

func TestParseConfigMaxAuditRecords(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig("c.yaml", []byte("wasmgw:\n  limits: {max_audit_records: 20}\n  modules:\n    a: builtin:whoami\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Limits.withDefaults(DefaultLimits()); got.MaxAuditRecords != 20 {
		t.Errorf("max_audit_records %d, want 20", got.MaxAuditRecords)
	}
	if DefaultLimits().MaxAuditRecords != DefaultMaxAuditRecords {
		t.Error("no default max_audit_records")
	}
}
