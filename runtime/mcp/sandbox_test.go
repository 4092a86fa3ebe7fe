package mcp

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/internal/value"
)

// TestSandboxKeys: trust, network, limits and filesystem decode as
// documented (docs/mcp.md), and a bad value is refused naming the field.
func TestSandboxKeys(t *testing.T) {
	t.Parallel()
	good := []struct {
		entry string
		want  Sandbox
	}{
		{`{"command":"x"}`, Sandbox{}},
		{`{"command":"x","trust":"host"}`, Sandbox{TrustHost: true}},
		{`{"command":"x","trust":"confined","network":"deny"}`, Sandbox{DenyNetwork: true}},
		{`{"command":"x","network":false}`, Sandbox{DenyNetwork: true}},
		{`{"command":"x","network":"allow","trust":null}`, Sandbox{}},
		{`{"command":"x","limits":{"memory":"512MiB","processes":64,"open_files":"256"}}`, Sandbox{Memory: 512 << 20, Processes: 64, OpenFiles: 256}},
		{`{"command":"x","limits":{"memory":1073741824}}`, Sandbox{Memory: 1 << 30}},
		{`{"command":"x","limits":{"memory":"2G"}}`, Sandbox{Memory: 2 << 30}},
		{`{"command":"x","limits":{"memory":"100MB"}}`, Sandbox{Memory: 100e6}},
		{`{"command":"x","filesystem":{"read":["/srv/data/"],"write":"/srv/out"}}`, Sandbox{Read: []string{"/srv/data"}, Write: []string{"/srv/out"}}},
	}
	for _, g := range good {
		c, err := decode("s", []byte(g.entry))
		if err != nil {
			t.Errorf("%s: %v", g.entry, err)
			continue
		}
		if !reflect.DeepEqual(c.Sandbox, g.want) {
			t.Errorf("%s: %+v, want %+v", g.entry, c.Sandbox, g.want)
		}
		if len(c.Extra) > 0 {
			t.Errorf("%s: sandbox keys passed on as extra: %v", g.entry, c.Extra)
		}
	}
	bad := []struct{ entry, field, msg string }{
		{`{"command":"x","trust":"yes"}`, "trust", `want "host"`},
		{`{"command":"x","trust":true}`, "trust", "want a string"},
		{`{"command":"x","network":"maybe"}`, "network", `"allow" or "deny"`},
		{`{"command":"x","limits":[]}`, "limits", "want a mapping"},
		{`{"command":"x","limits":{"memory":"1KiB"}}`, "limits.memory", "16MiB"},
		{`{"command":"x","limits":{"memory":"lots"}}`, "limits.memory", "want a size"},
		{`{"command":"x","limits":{"processes":0}}`, "limits.processes", "from 4"},
		{`{"command":"x","limits":{"open_files":-1}}`, "limits.open_files", "whole number"},
		{`{"command":"x","limits":{"cpu":1}}`, "limits.cpu", "unknown limit"},
		{`{"command":"x","filesystem":{"read":["relative"]}}`, "filesystem.read[0]", "absolute"},
		{`{"command":"x","filesystem":{"exec":["/x"]}}`, "filesystem.exec", "unknown key"},
	}
	for _, b := range bad {
		_, err := decode("s", []byte(b.entry))
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != b.field || !strings.Contains(ce.Msg, b.msg) {
			t.Errorf("%s: got %v, want field %s saying %q", b.entry, err, b.field, b.msg)
		}
	}
}

// FuzzSandbox: any entry decodes to a sandbox within the documented
// bounds, or to a ConfigError; never a panic.
func FuzzSandbox(f *testing.F) {
	for _, s := range []string{
		`{"command":"x","trust":"host","network":"deny"}`,
		`{"command":"x","limits":{"memory":"1.5GiB","processes":"64","open_files":1e3}}`,
		`{"command":"x","filesystem":{"read":"/a","write":["/b","/c/../d"]}}`,
		`{"command":"x","limits":{"memory":"1e30TB"}}`, `{"limits":{"memory":"NaNGiB"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := value.ParseJSON(data)
		if err != nil {
			return
		}
		s, err := SandboxOf("fuzz", v)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Server != "fuzz" {
				t.Fatalf("error %v is not a ConfigError", err)
			}
			return
		}
		if s.Memory != 0 && (s.Memory < minMemory || s.Memory > maxMemory) ||
			s.Processes != 0 && (s.Processes < minProcesses || s.Processes > maxProcesses) ||
			s.OpenFiles != 0 && (s.OpenFiles < minOpenFiles || s.OpenFiles > maxOpenFiles) {
			t.Fatalf("limits out of bounds: %+v", s)
		}
		for _, p := range append(append([]string(nil), s.Read...), s.Write...) {
			if !filepath.IsAbs(p) || filepath.Clean(p) != p {
				t.Fatalf("path %q accepted", p)
			}
		}
	})
}
