package runtime

// A tenant's MCP servers: resolved by its interpolation module
// (interpolate.go), connected lazily, owned by the tenant (two profiles
// with a server of the same name each get their own), offered next to the
// wasm tools as mcp.SERVER.TOOL, closed with the tenant. See docs/mcp.md.
//
// This file holds the tenant's MCP state and connecting one server;
// mcp_servers.go parses, resolves and describes servers, mcp_listing.go
// connects them ahead of a call, mcp_call.go runs a tool call and
// mcp_close.go ends connections.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/internal/redact"
	"github.com/wasmgw/wasmgw/runtime/mcp"
)

// mcpToolPrefix starts the name of every MCP tool: mcp.SERVER.TOOL, where
// SERVER is the server's key in mcp_servers and TOOL the tool's MCP name.
const mcpToolPrefix = "mcp."

// MCPModulePrefix starts the Module of an MCP tool's Tool: "mcp:SERVER".
const MCPModulePrefix = "mcp:"

// MCPOptions configure how a tenant starts and reaches its MCP servers.
type MCPOptions struct {
	// Environ is the host environment snapshot (os.Environ form) the
	// baseline of a stdio server's environment is taken from: PATH HOME
	// USER LANG LC_ALL TERM SHELL TMPDIR XDG_*, nothing else. nil: the
	// engine's Options.Environ.
	Environ []string
	// StopGrace is how long closing waits for a stdio server to exit after
	// its stdin closed, and again after SIGTERM (0: 2s).
	StopGrace time.Duration
}

// tenantMCP is a tenant's MCP state. Its zero value is ready: the tenant
// parses its servers and loads its interpolation module on first use.
type tenantMCP struct {
	interpMu    sync.Mutex
	interp      *tenantModule
	interpOwned bool
	// cache keeps what was derived from each entry (interpcache.go).
	cache interpCache

	closed atomic.Bool

	mu       sync.Mutex
	opts     MCPOptions
	parsed   bool
	parseErr error
	servers  []*mcpServer
	byName   map[string]*mcpServer
	live     map[*mcpLink]struct{}
	stderr   *os.File
	bg       sync.WaitGroup
	// stop is closed by closeMCP to cancel the connects in progress, which
	// connecting counts (Add only under mu while not closed).
	stop       chan struct{}
	connecting sync.WaitGroup
}

// mcpServer is one server of the profile and its current connection.
type mcpServer struct {
	entry mcp.Entry
	// failedAt is when connecting for a listing last failed (guarded by
	// mu): the handler's listing does not retry before mcpRetryAfter.
	failedAt time.Time

	mu      sync.Mutex
	link    *mcpLink
	pending *mcpAttempt
}

// mcpAttempt is a connect in progress; callers that wait for it get its
// outcome rather than trying again themselves.
type mcpAttempt struct {
	done chan struct{}
	err  error
}

// mcpLink is one live connection of a server, counted while in use so
// that a connection replaced after a secret rotation is closed only when
// its last call returns.
type mcpLink struct {
	conn *mcp.Conn
	// server is the resolved entry; replaced when the .env changes but the
	// entry resolves as before.
	server      atomic.Pointer[MCPServer]
	fingerprint [32]byte
	tools       []Tool
	names       map[string]bool
	// unmatched are the entry's tools.include/exclude patterns that match
	// none of the tools the server listed.
	unmatched []string
	// secrets are the profile values substituted into the server's
	// resolved entry: what it could have learned from the gateway, and
	// what its output, errors and stderr are scrubbed of.
	secrets *redact.Set

	mu      sync.Mutex
	users   int
	retired bool
}

func (l *mcpLink) dead() bool {
	select {
	case <-l.conn.Done():
		return true
	default:
		return false
	}
}

// MCPServer is one MCP server of a profile, resolved by its interpolation
// module.
type MCPServer struct {
	// Name is the server's key in mcp_servers.
	Name string
	// Line is where its entry starts in config.yaml.
	Line int
	// Config is the resolved, decoded entry. It may hold secret values:
	// never log or print it.
	Config mcp.ServerConfig
	// Refs are the references the module reported, by field path.
	Refs []abi.Reference
	// Masked is the entry as written, with each resolved reference shown as
	// ***NAME and any of the profile's values redacted: safe to print.
	Masked *mcp.Value
	// Generation is the .env generation the entry was resolved at.
	Generation string
	// Warnings name the entry's keys wasmgw does not honour, or that
	// weaken it (mcp.EntryWarnings): never ignored silently.
	Warnings []mcp.KeyWarning
}

// Unresolved returns the references left as written (unset or
// unsupported).
func (s *MCPServer) Unresolved() []abi.Reference {
	var out []abi.Reference
	for _, r := range s.Refs {
		if r.Outcome != abi.RefResolved {
			out = append(out, r)
		}
	}
	return out
}

// errMCPDisabled marks a server whose resolved entry says enabled: false.
var errMCPDisabled = errors.New("disabled (enabled: false)")

// SetMCPOptions sets how the tenant starts and reaches its MCP servers;
// connections made before keep their settings.
func (t *Tenant) SetMCPOptions(o MCPOptions) {
	t.mcp.mu.Lock()
	t.mcp.opts = o
	t.mcp.mu.Unlock()
}

// mcpLink returns the server's live connection, acquired (release it with
// releaseLink), connecting it when there is none, when it died, or when
// the profile's .env changed and the entry resolves differently. Callers
// for the same server wait for one connect and share its outcome.
func (t *Tenant) mcpLink(ctx context.Context, s *mcpServer) (*mcpLink, error) {
	name := s.entry.Name
	for {
		if t.mcp.closed.Load() {
			return nil, fmt.Errorf("profile %q: mcp server %q: the tenant is closed", t.profile.Name, name)
		}
		scope, err := t.profile.Scope()
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		l := s.link
		if l != nil && !l.dead() && l.server.Load().Generation == scope.Generation() {
			l.acquire()
			s.mu.Unlock()
			return l, nil
		}
		if at := s.pending; at != nil {
			s.mu.Unlock()
			select {
			case <-at.done:
				if at.err != nil {
					return nil, at.err
				}
				continue
			case <-ctx.Done():
				return nil, fmt.Errorf("profile %q: mcp server %q: %w", t.profile.Name, name, context.Cause(ctx))
			}
		}
		t.mcp.mu.Lock()
		if t.mcp.closed.Load() {
			t.mcp.mu.Unlock()
			s.mu.Unlock()
			continue // reported at the top of the loop
		}
		if t.mcp.stop == nil {
			t.mcp.stop = make(chan struct{})
		}
		stop, opts := t.mcp.stop, t.mcp.opts
		t.mcp.connecting.Add(1)
		t.mcp.mu.Unlock()
		at := &mcpAttempt{done: make(chan struct{})}
		s.pending = at
		s.mu.Unlock()

		nl, err := t.connectUnlessClosed(ctx, stop, s, l, scope, opts)
		t.mcp.connecting.Done()

		s.mu.Lock()
		s.pending = nil
		if err != nil && ctx.Err() != nil {
			// This caller gave up: those waiting try for themselves.
			close(at.done)
			s.mu.Unlock()
			return nil, err
		}
		at.err = err
		close(at.done)
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		old := s.link
		s.link = nl
		nl.acquire()
		s.mu.Unlock()
		if old != nil && old != nl {
			t.retireLink(old)
		}
		return nl, nil
	}
}

// connectUnlessClosed runs connectMCP, cancelled if the tenant closes.
func (t *Tenant) connectUnlessClosed(ctx context.Context, stop <-chan struct{}, s *mcpServer, old *mcpLink, scope *Scope, opts MCPOptions) (*mcpLink, error) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-stop:
			cancel()
		case <-done:
		}
	}()
	return t.connectMCP(cctx, s, old, scope, opts)
}

// connectMCP resolves the server's entry at scope and connects it, or
// keeps old when it is alive and the entry resolves as before.
func (t *Tenant) connectMCP(ctx context.Context, s *mcpServer, old *mcpLink, scope *Scope, opts MCPOptions) (*mcpLink, error) {
	name := s.entry.Name
	srv, fp, err := t.resolveMCP(ctx, s.entry, scope)
	if err != nil {
		return nil, err
	}
	if !srv.Config.Enabled {
		return nil, fmt.Errorf("profile %q: mcp server %q: %w", t.profile.Name, name, errMCPDisabled)
	}
	if old != nil && !old.dead() && old.fingerprint == fp {
		old.server.Store(srv) // the .env changed, this entry did not
		return old, nil
	}
	if un := srv.Unresolved(); len(un) > 0 {
		paths := make([]string, len(un))
		for i, r := range un {
			paths[i] = r.Path + " " + r.Literal + " (" + r.Outcome + ")"
		}
		t.log.Warn("mcp server has unresolved references; they are passed on as written", "server", name, "refs", paths)
	}
	environ := opts.Environ
	if environ == nil {
		environ = t.e.environ
	}
	secrets := serverSecrets(scope, &srv.Config)
	copts := mcp.Options{
		Environ: environ, Dir: t.profile.Dir, Redact: func(s string) string { return secrets.Text(s, redact.Named) },
		ClientVersion: "wasmgw", StopGrace: opts.StopGrace, Now: t.e.now,
		Home: profileHome(t.profile.Dir), ScratchDir: mcpScratchDir(t.profile.Dir),
	}
	if srv.Config.Transport == mcp.TransportStdio {
		if f := t.mcpStderr(); f != nil {
			copts.Stderr = f
		}
	}
	t.log.Debug("mcp server connecting", "server", name, "transport", srv.Config.Transport, "at", whereIs(srv))
	conn, err := mcp.Connect(ctx, srv.Config, copts)
	if err != nil {
		return nil, fmt.Errorf("profile %q: mcp server %q (%s): %s", t.profile.Name, name, whereIs(srv), secrets.Text(err.Error(), redact.Anonymous))
	}
	l := &mcpLink{conn: conn, fingerprint: fp, names: map[string]bool{}, secrets: secrets}
	l.server.Store(srv)
	// What is left out is logged once per kind, not once per tool: the
	// server decides how many tools it lists.
	var badNames int
	var clashes []string
	for _, tool := range conn.Tools() {
		full := mcpToolPrefix + name + "." + tool.Name
		switch {
		case len(full) > abi.MaxNameLen || strings.ContainsFunc(tool.Name, func(r rune) bool { return r < ' ' }):
			badNames++
			continue
		case t.byTool[full] != nil:
			clashes = append(clashes, full)
			continue
		}
		l.names[tool.Name] = true
		l.tools = append(l.tools, Tool{ToolInfo: abi.ToolInfo{Name: full, Description: tool.Description, InputSchema: tool.InputSchema}, Module: MCPModulePrefix + name})
	}
	if badNames > 0 {
		t.log.Warn("mcp tools left out: their names are too long or have control characters", "server", name, "count", badNames)
	}
	if len(clashes) > 0 {
		t.log.Warn("mcp tools left out: a module of the profile offers tools of the same names", "server", name, "count", len(clashes), "tools", clashes[:min(len(clashes), 5)])
	}
	if len(conn.Listed()) == mcp.MaxListedTools {
		t.log.Warn("mcp server lists more tools than are read; the rest are left out", "server", name, "read", mcp.MaxListedTools)
	}
	l.unmatched = srv.Config.UnmatchedFilters(conn.Listed())
	for _, u := range l.unmatched {
		t.log.Warn("mcp tool filter matches none of the server's tools", "server", name, "filter", u, "listed", len(conn.Listed()))
	}
	t.mcp.mu.Lock()
	if t.mcp.closed.Load() {
		t.mcp.mu.Unlock()
		_ = conn.Close()
		return nil, fmt.Errorf("profile %q: mcp server %q: the tenant is closed", t.profile.Name, name)
	}
	if t.mcp.live == nil {
		t.mcp.live = map[*mcpLink]struct{}{}
	}
	t.mcp.live[l] = struct{}{}
	t.mcp.mu.Unlock()
	confinement := conn.Confinement()
	switch {
	case srv.Config.Transport != mcp.TransportStdio:
		confinement = "not a process of this host"
	case srv.Config.Sandbox.TrustHost:
		confinement = "none (trust: host): the server runs as the gateway's user"
		t.log.Warn("mcp server runs unconfined (trust: host): it can read every profile's .env", "server", name)
	}
	t.log.Info("mcp server connected", "server", name, "transport", srv.Config.Transport, "tools", len(l.tools), "pid", conn.PID(), "confinement", confinement)
	return l, nil
}
