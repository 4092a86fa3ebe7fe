package mcp_test

import (
	"context"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime/mcp"
	"github.com/wasmgw/wasmgw/runtime/mcp/mcptest"
)

// BenchmarkStdioConnect measures starting the test server, the MCP
// handshake, the tool listing and closing it, confined (through the
// helper, with a user namespace when the kernel allows) and with trust:
// host: the cost of the confinement per server start.
func BenchmarkStdioConnect(b *testing.B) {
	if _, _, ok := mcp.ConfinementSupport(); !ok {
		b.Skip("this kernel cannot confine")
	}
	server := mcptest.Server(b)
	for _, trustHost := range []bool{false, true} {
		name := map[bool]string{false: "confined", true: "trust_host"}[trustHost]
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			cfg := mcp.ServerConfig{Name: "bench", Transport: mcp.TransportStdio, Command: server, Enabled: true,
				Timeout: 30 * time.Second, ConnectTimeout: 30 * time.Second}
			cfg.Sandbox.TrustHost = trustHost
			for b.Loop() {
				c, err := mcp.Connect(context.Background(), cfg, mcp.Options{Dir: dir, StopGrace: time.Second})
				if err != nil {
					b.Fatal(err)
				}
				_ = c.Close()
			}
		})
	}
}
