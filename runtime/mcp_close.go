package runtime

// The end of a tenant's MCP connections: links counted while in use and
// closed after their last call once retired, the stderr log, and closing
// everything with the tenant.

import (
	"context"
	"os"
	"path/filepath"
	"sync"
)

// mcpStderr returns the profile's MCP stderr log, <profile>/logs/
// mcp-stderr.log, opened on first use (nil when it cannot be).
func (t *Tenant) mcpStderr() *os.File {
	t.mcp.mu.Lock()
	defer t.mcp.mu.Unlock()
	if t.mcp.stderr != nil {
		return t.mcp.stderr
	}
	dir := filepath.Join(t.profile.Dir, "logs")
	f, err := func() (*os.File, error) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		return os.OpenFile(filepath.Join(dir, "mcp-stderr.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	}()
	if err != nil {
		t.log.Warn("mcp stderr log not opened; servers' stderr is discarded", "error", err)
		return nil
	}
	t.mcp.stderr = f
	return f
}

func (l *mcpLink) acquire() {
	l.mu.Lock()
	l.users++
	l.mu.Unlock()
}

// releaseLink ends a use of l; a retired link is closed after its last.
func (t *Tenant) releaseLink(l *mcpLink) {
	l.mu.Lock()
	l.users--
	last := l.users == 0 && l.retired
	l.mu.Unlock()
	if last {
		t.closeLinkAsync(l)
	}
}

// retireLink marks l replaced: it is closed once no call uses it.
func (t *Tenant) retireLink(l *mcpLink) {
	l.mu.Lock()
	l.retired = true
	idle := l.users == 0
	l.mu.Unlock()
	if idle {
		t.closeLinkAsync(l)
	}
}

func (t *Tenant) closeLinkAsync(l *mcpLink) {
	t.mcp.bg.Add(1)
	go func() {
		defer t.mcp.bg.Done()
		t.closeLink(l)
	}()
}

func (t *Tenant) closeLink(l *mcpLink) {
	_ = l.conn.Close()
	t.mcp.mu.Lock()
	delete(t.mcp.live, l)
	t.mcp.mu.Unlock()
}

// closeMCP closes every MCP connection of the tenant (children are ended
// and reaped), its stderr log and its own interpolation module's idle
// instances. Later MCP calls fail.
func (t *Tenant) closeMCP(ctx context.Context) {
	t.mcp.mu.Lock()
	t.mcp.closed.Store(true)
	if t.mcp.stop != nil {
		close(t.mcp.stop)
		t.mcp.stop = nil
	}
	t.mcp.mu.Unlock()
	t.mcp.connecting.Wait() // cancelled connects end, closing what they started
	t.mcp.mu.Lock()
	links := make([]*mcpLink, 0, len(t.mcp.live))
	for l := range t.mcp.live {
		links = append(links, l)
	}
	t.mcp.mu.Unlock()
	var wg sync.WaitGroup
	for _, l := range links {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.closeLink(l)
		}()
	}
	wg.Wait()
	t.mcp.bg.Wait()
	t.mcp.mu.Lock()
	if t.mcp.stderr != nil {
		_ = t.mcp.stderr.Close()
		t.mcp.stderr = nil
	}
	t.mcp.mu.Unlock()
	t.mcp.interpMu.Lock()
	interp, owned := t.mcp.interp, t.mcp.interpOwned
	t.mcp.interpMu.Unlock()
	if interp != nil && owned {
		t.e.pool.drain(ctx, interp)
	}
}
