package runtime

import (
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/abi"
)

func TestCheckManifestRefusesConfusableNames(t *testing.T) {
	tools := func(names ...string) abi.Manifest {
		m := abi.Manifest{ABI: abi.Version}
		for _, n := range names {
			m.Tools = append(m.Tools, abi.ToolInfo{Name: n})
		}
		return m
	}
	if err := checkManifest(tools("whoami", "text_stats", "a.b-c")); err != nil {
		t.Fatalf("valid manifest refused: %v", err)
	}
	for _, c := range []struct {
		names []string
		want  string
	}{
		{[]string{""}, "tools[0]: name \"\""},
		{[]string{"ok", "Who Am I"}, "tools[1]: name \"Who Am I\""},
		{[]string{"tab\there"}, "tools[0]"},
		{[]string{strings.Repeat("a", abi.MaxNameLen+1)}, "not 1 to 256 bytes"},
		{[]string{"mcp.github.get_me"}, "reserved for MCP tools"},
		{[]string{"x", "x"}, "tools[1]: name \"x\" declared twice"},
	} {
		err := checkManifest(tools(c.names...))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to contain %q", c.names, err, c.want)
		}
	}
}
