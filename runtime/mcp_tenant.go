package runtime

// A tenant's MCP servers: resolved by its interpolation module
// (interpolate.go), connected lazily, owned by the tenant (two profiles
// with a server of the same name each get their own), offered next to the
// wasm tools as mcp.SERVER.TOOL, closed with the tenant. See docs/mcp.md.

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/mcp"
)

// MCPToolPrefix starts the name of every MCP tool: mcp.SERVER.TOOL, where
// SERVER is the server's key in mcp_servers and TOOL the tool's MCP name.
const MCPToolPrefix = "mcp."

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

// mcpServers parses the profile's mcp_servers once.
func (t *Tenant) mcpServers() ([]*mcpServer, error) {
	t.mcp.mu.Lock()
	defer t.mcp.mu.Unlock()
	if !t.mcp.parsed {
		t.mcp.parsed = true
		entries, err := mcp.ParseServers(t.profile.Config.MCPServers)
		if err != nil {
			t.mcp.parseErr = fmt.Errorf("profile %q: %s: %w", t.profile.Name, filepath.Join(t.profile.Dir, "config.yaml"), err)
		}
		t.mcp.byName = map[string]*mcpServer{}
		for _, e := range entries {
			s := &mcpServer{entry: e}
			t.mcp.servers = append(t.mcp.servers, s)
			t.mcp.byName[e.Name] = s
		}
	}
	return t.mcp.servers, t.mcp.parseErr
}

// MCPServerNames lists the profile's MCP servers in config order, enabled
// or not.
func (t *Tenant) MCPServerNames() ([]string, error) {
	servers, err := t.mcpServers()
	names := make([]string, len(servers))
	for i, s := range servers {
		names[i] = s.entry.Name
	}
	return names, err
}

func (t *Tenant) mcpServer(name string) (*mcpServer, error) {
	servers, err := t.mcpServers()
	if err != nil {
		return nil, err
	}
	t.mcp.mu.Lock()
	s := t.mcp.byName[name]
	t.mcp.mu.Unlock()
	if s == nil {
		names := make([]string, len(servers))
		for i, x := range servers {
			names[i] = x.entry.Name
		}
		return nil, fmt.Errorf("profile %q: no mcp server %q (servers: %s)", t.profile.Name, name, listOrNone(names))
	}
	return s, nil
}

// ResolveMCP resolves one server of the profile in its interpolation
// module, without connecting: the entry is interpolated, validated and
// decoded. Disabled servers are resolved too.
func (t *Tenant) ResolveMCP(ctx context.Context, name string) (*MCPServer, error) {
	s, err := t.mcpServer(name)
	if err != nil {
		return nil, err
	}
	scope, err := t.profile.Scope()
	if err != nil {
		return nil, err
	}
	srv, _, err := t.resolveMCP(ctx, s.entry, scope)
	return srv, err
}

func (t *Tenant) resolveMCP(ctx context.Context, e mcp.Entry, scope *Scope) (*MCPServer, [32]byte, error) {
	res, resolved, err := t.interpolate(ctx, scope, e.Name, e.Value.JSON())
	if err != nil {
		return nil, [32]byte{}, err
	}
	cfg, err := mcp.DecodeValue(e.Name, resolved)
	if err != nil {
		var ce *mcp.ConfigError
		if errors.As(err, &ce) {
			ce.Line = e.Line
		}
		return nil, [32]byte{}, fmt.Errorf("profile %q: %s: %w", t.profile.Name, filepath.Join(t.profile.Dir, "config.yaml"), err)
	}
	srv := &MCPServer{Name: e.Name, Line: e.Line, Config: cfg, Refs: res.Refs, Masked: maskEntry(e.Value, res.Refs, scope), Generation: scope.Generation()}
	return srv, sha256.Sum256(res.Entry), nil
}

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
	copts := mcp.Options{
		Environ: environ, Dir: t.profile.Dir, Redact: scope.Redact,
		ClientVersion: "wasmgw", StopGrace: opts.StopGrace, Now: t.e.now,
	}
	if srv.Config.Transport == mcp.TransportStdio {
		if f := t.mcpStderr(); f != nil {
			copts.Stderr = f
		}
	}
	t.log.Debug("mcp server connecting", "server", name, "transport", srv.Config.Transport, "at", whereIs(srv))
	conn, err := mcp.Connect(ctx, srv.Config, copts)
	if err != nil {
		return nil, fmt.Errorf("profile %q: mcp server %q (%s): %s", t.profile.Name, name, whereIs(srv), scope.Redact(err.Error()))
	}
	l := &mcpLink{conn: conn, fingerprint: fp, names: map[string]bool{}}
	l.server.Store(srv)
	for _, tool := range conn.Tools() {
		full := MCPToolPrefix + name + "." + tool.Name
		switch {
		case len(full) > abi.MaxNameLen || strings.ContainsFunc(tool.Name, func(r rune) bool { return r < ' ' }):
			t.log.Warn("mcp tool left out: its name is too long or has control characters", "server", name)
			continue
		case t.byTool[full] != nil:
			t.log.Warn("mcp tool left out: a module of the profile offers a tool of the same name", "server", name, "tool", full)
			continue
		}
		l.names[tool.Name] = true
		l.tools = append(l.tools, Tool{ToolInfo: abi.ToolInfo{Name: full, Description: tool.Description, InputSchema: tool.InputSchema}, Module: MCPModulePrefix + name})
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
	t.log.Info("mcp server connected", "server", name, "transport", srv.Config.Transport, "tools", len(l.tools), "pid", conn.PID())
	return l, nil
}

// whereIs names where a server is, for errors: its command or URL as
// written, references masked.
func whereIs(srv *MCPServer) string {
	for _, k := range []string{"command", "url"} {
		if v := srv.Masked.Get(k); v != nil && v.Kind == mcp.String {
			return k + " " + v.Str
		}
	}
	return srv.Config.Transport
}

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

// callMCPTool runs an mcp.SERVER.TOOL call; handled is false for a name
// that names no MCP server of the profile.
func (t *Tenant) callMCPTool(ctx context.Context, name string, input []byte) (out json.RawMessage, handled bool, err error) {
	rest, ok := strings.CutPrefix(name, MCPToolPrefix)
	if !ok || t.profile.Config.MCPServers == nil {
		return nil, false, nil
	}
	server, tool, ok := strings.Cut(rest, ".")
	if !ok {
		return nil, false, nil
	}
	servers, err := t.mcpServers()
	if err != nil {
		return nil, true, err
	}
	var s *mcpServer
	for _, x := range servers {
		if x.entry.Name == server {
			s = x
		}
	}
	if s == nil {
		return nil, false, nil
	}
	if en, known := mcp.EnabledAsWritten(s.entry.Value); known && !en {
		return nil, true, fmt.Errorf("profile %q: tool %q: mcp server %q is disabled: %w", t.profile.Name, name, server, ErrUnknownTool)
	}
	if len(input) == 0 {
		input = []byte("{}")
	}
	if v, err := mcp.ParseJSON(input); err != nil || v.Kind != mcp.Object {
		return nil, true, fmt.Errorf("profile %q: tool %q: input is not a JSON object", t.profile.Name, name)
	}
	l, err := t.mcpLink(ctx, s)
	if err != nil {
		if errors.Is(err, errMCPDisabled) {
			return nil, true, fmt.Errorf("profile %q: tool %q: mcp server %q is disabled: %w", t.profile.Name, name, server, ErrUnknownTool)
		}
		return nil, true, err
	}
	defer t.releaseLink(l)
	if !l.names[tool] {
		return nil, true, fmt.Errorf("profile %q: tool %q: mcp server %q offers no such tool: %w", t.profile.Name, name, server, ErrUnknownTool)
	}
	scope, err := t.profile.Scope()
	if err != nil {
		return nil, true, err
	}
	res, err := l.conn.Call(ctx, tool, input)
	if err != nil {
		var ce *CallError
		switch {
		case ctx.Err() != nil:
			ce = &CallError{Kind: KindInterrupted, Msg: fmt.Sprintf("mcp tool call stopped: %v", context.Cause(ctx))}
		case errors.Is(err, context.DeadlineExceeded):
			ce = &CallError{Kind: KindTimeout, Msg: fmt.Sprintf("mcp tool call ran past the server's timeout of %s", l.server.Load().Config.Timeout)}
		default:
			return nil, true, fmt.Errorf("profile %q: tool %q: mcp server %q: %s", t.profile.Name, name, server, scope.Redact(err.Error()))
		}
		return nil, true, fmt.Errorf("profile %q: %s: %w", t.profile.Name, name, ce)
	}
	if res.IsError {
		return nil, true, &ToolError{Tool: name, Code: "mcp_tool_error", Message: scope.Redact(res.Text)}
	}
	// A server may hold the profile's secrets; it must not hand them on.
	out = json.RawMessage(scope.Redact(string(res.Output)))
	limit := t.profile.Config.Limits.withDefaults(DefaultLimits()).MaxOutput
	switch {
	case uint64(len(out)) > limit:
		return nil, true, fmt.Errorf("profile %q: %s: %w", t.profile.Name, name, &CallError{Kind: KindOutputTooLarge, Msg: fmt.Sprintf("mcp result of %d bytes exceeds the profile's limit of %d", len(out), limit)})
	case !json.Valid(out):
		return nil, true, fmt.Errorf("profile %q: %s: %w", t.profile.Name, name, &CallError{Kind: KindBadModule, Msg: "the mcp result is not valid JSON after redaction"})
	}
	return out, true, nil
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
