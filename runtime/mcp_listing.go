package runtime

// Connecting a tenant's MCP servers ahead of a call: ConnectMCP, the
// connects a handler's listing starts, and the tools of the servers
// connected.

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/wasmgw/wasmgw/runtime/mcp"
)

// ConnectMCP connects the named MCP servers of the profile (every enabled
// one when none is named) that are not connected yet, in parallel, each
// within its connect_timeout and ctx. A server whose resolved entry is
// disabled is skipped. The error joins one error per server that failed.
func (t *Tenant) ConnectMCP(ctx context.Context, names ...string) error {
	servers, err := t.mcpServers()
	if err != nil {
		return err
	}
	if len(names) > 0 {
		servers = servers[:0:0]
		for _, n := range names {
			s, err := t.mcpServer(n)
			if err != nil {
				return err
			}
			servers = append(servers, s)
		}
	}
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		if en, known := mcp.EnabledAsWritten(s.entry.Value); known && !en && len(names) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := t.mcpLink(ctx, s)
			if err == nil {
				t.releaseLink(l)
			} else if !errors.Is(err, errMCPDisabled) || len(names) > 0 {
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// mcpRetryAfter is how long a handler's listing waits before trying again
// to connect a server that failed to connect.
const mcpRetryAfter = 30 * time.Second

// mcpListingWait is how long a handler's message waits for its profile's
// servers to connect before it is handled with the tools listed so far.
const mcpListingWait = 5 * time.Second

// connectForListing connects the profile's enabled MCP servers that are
// not connected, so that a handler (its /tools, or a model's function
// list) sees their tools: a server starts with its profile's first
// message rather than its first tool call. A server that failed is tried
// again after mcpRetryAfter; failures are logged, never returned.
func (t *Tenant) connectForListing(ctx context.Context) {
	if t.profile.Config.MCPServers == nil || t.mcp.closed.Load() {
		return
	}
	servers, err := t.mcpServers()
	if err != nil {
		return
	}
	now := t.e.now()
	var names []string
	for _, s := range servers {
		if en, known := mcp.EnabledAsWritten(s.entry.Value); known && !en {
			continue
		}
		s.mu.Lock()
		need := (s.link == nil || s.link.dead()) && (s.failedAt.IsZero() || now.Sub(s.failedAt) >= mcpRetryAfter)
		s.mu.Unlock()
		if need {
			names = append(names, s.entry.Name)
		}
	}
	if len(names) == 0 {
		return
	}
	// The connects go on past the wait (bounded by each server's
	// connect_timeout and the tenant's close): a slow server (npx
	// fetching its package) is listed on a later message instead of
	// holding this one.
	t.mcp.mu.Lock()
	if t.mcp.closed.Load() {
		t.mcp.mu.Unlock()
		return
	}
	t.mcp.bg.Add(1) // closeMCP waits for it
	t.mcp.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer t.mcp.bg.Done()
		defer close(done)
		if err := t.ConnectMCP(context.WithoutCancel(ctx), names...); err != nil {
			t.log.Warn("mcp servers not connected; their tools are not listed", "error", err)
		}
		for _, s := range servers {
			s.mu.Lock()
			if slices.Contains(names, s.entry.Name) && (s.link == nil || s.link.dead()) {
				s.failedAt = t.e.now()
			}
			s.mu.Unlock()
		}
	}()
	wait := time.NewTimer(mcpListingWait)
	defer wait.Stop()
	select {
	case <-done:
	case <-wait.C:
	case <-ctx.Done():
	}
}

// mcpTools returns the tools of the profile's MCP servers that are
// connected. It never connects: ConnectMCP, or a call of one of a server's
// tools, does.
func (t *Tenant) mcpTools() []Tool {
	if t.profile.Config.MCPServers == nil || t.mcp.closed.Load() {
		return nil
	}
	servers, err := t.mcpServers()
	if err != nil {
		return nil
	}
	var tools []Tool
	for _, s := range servers {
		s.mu.Lock()
		l := s.link
		s.mu.Unlock()
		if l != nil && !l.dead() {
			tools = append(tools, l.tools...)
		}
	}
	return tools
}
