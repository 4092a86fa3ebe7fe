package runtime_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/mcp/mcptest"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// TestMCPToolFilterGlobs: with the real test server, exclude: "w*" (a
// scalar, a glob) drops whoami from the listing and refuses it by name;
// echo still runs; an entry matching no tool is warned about; the default
// handler's /tools lists the MCP tools the profile offers, connecting its
// servers, and /call of the excluded tool answers that there is no such
// tool.
func TestMCPToolFilterGlobs(t *testing.T) {
	t.Parallel()
	home := mcpHome(t, mcptest.Server(t), "    tools:\n      exclude: \"w*\"\n      include: []\n    auth: oauth\n")
	log := &runtimetest.LogWatcher{}
	e := runtimetest.Engine(t, log, nil)
	ten := openTenant(t, e, home, "alice")
	ten.SetMCPOptions(runtime.MCPOptions{Environ: os.Environ()})
	ctx := context.Background()
	if !strings.Contains(log.String(), "mcp server key not honoured") || !strings.Contains(log.String(), "auth") {
		t.Errorf("no warning at load for auth:\n%s", log.String())
	}

	reply, err := ten.Handle(ctx, abi.HandleRequest{Text: "/tools", SessionKey: "agent:alice:test:dm:1"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(reply.Text, "MCP tools:") || !strings.Contains(reply.Text, "• mcp.github.echo") || strings.Contains(reply.Text, "mcp.github.whoami") {
		t.Errorf("/tools: %q", reply.Text)
	}
	if out, err := ten.CallTool(ctx, "mcp.github.echo", []byte(`{"text":"hi"}`)); err != nil || !strings.Contains(string(out), "hi") {
		t.Errorf("echo: %s %v", out, err)
	}
	_, err = ten.CallTool(ctx, "mcp.github.whoami", nil)
	if !errors.Is(err, runtime.ErrUnknownTool) || !strings.Contains(err.Error(), "filters it out") {
		t.Errorf("an excluded tool called by name: %v", err)
	}
	reply, err = ten.Handle(ctx, abi.HandleRequest{Text: "/call mcp.github.whoami", SessionKey: "agent:alice:test:dm:1"})
	if err != nil || !strings.Contains(reply.Text, `no tool "mcp.github.whoami"`) {
		t.Errorf("/call of an excluded tool: %q %v", reply.Text, err)
	}
}

// TestMCPUnmatchedFilterIsWarned: an include entry that matches none of
// the server's tools is logged and reported by MCPFilterWarnings.
func TestMCPUnmatchedFilterIsWarned(t *testing.T) {
	t.Parallel()
	home := mcpHome(t, mcptest.Server(t), "    tools:\n      include: [\"ech?\", \"get-*\"]\n")
	log := &runtimetest.LogWatcher{}
	ten := openTenant(t, runtimetest.Engine(t, log, nil), home, "bob")
	ten.SetMCPOptions(runtime.MCPOptions{Environ: os.Environ()})
	if err := ten.ConnectMCP(context.Background()); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range ten.Tools() {
		names = append(names, tool.Name)
	}
	if strings.Join(names, ",") != "whoami,mcp.github.echo" {
		t.Errorf("tools %v", names)
	}
	w := ten.MCPFilterWarnings()
	if len(w) != 1 || !strings.Contains(w[0], `tools.include[1] "get-*" matches none`) {
		t.Errorf("filter warnings %q", w)
	}
	if !strings.Contains(log.String(), "mcp tool filter matches none of the server's tools") {
		t.Errorf("log:\n%s", log.String())
	}
}
