package runtime

// A tenant's MCP servers as configured and as resolved: parsing
// mcp_servers, resolving an entry in the interpolation module, and
// describing a server without its secrets (where it is, its filter
// warnings, the profile values substituted into it).

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/wasmgw/wasmgw/runtime/internal/redact"
	"github.com/wasmgw/wasmgw/runtime/internal/value"
	"github.com/wasmgw/wasmgw/runtime/mcp"
)

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
			for _, w := range mcp.EntryWarnings(e.Name, e.Value) {
				t.log.Warn("mcp server key not honoured", "server", e.Name, "key", w.Key, "security", w.Security, "what_wasmgw_does", w.Msg)
			}
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
	res, resolved, err := t.interpolate(ctx, scope, e.Name, e.Value.JSON(), true)
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
	srv := &MCPServer{Name: e.Name, Line: e.Line, Config: cfg, Refs: res.Refs, Masked: maskEntry(e.Value, res.Refs, scope), Generation: scope.Generation(), Warnings: mcp.EntryWarnings(e.Name, e.Value)}
	return srv, sha256.Sum256(res.Entry), nil
}

// MCPFilterWarnings describes, for each connected server, the
// tools.include and tools.exclude entries that match none of the tools it
// listed (likely a typo, or a filter that fails open).
func (t *Tenant) MCPFilterWarnings() []string {
	servers, err := t.mcpServers()
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range servers {
		s.mu.Lock()
		l := s.link
		s.mu.Unlock()
		if l == nil {
			continue
		}
		for _, u := range l.unmatched {
			out = append(out, fmt.Sprintf("mcp server %q: %s matches none of the %d tools the server lists", s.entry.Name, u, len(l.conn.Listed())))
		}
	}
	return out
}

// whereIs names where a server is, for errors: its command or URL as
// written, references masked, literal values shown as a marker that names
// no secret (errors may reach a chat user).
func whereIs(srv *MCPServer) string {
	for _, k := range []string{"command", "url"} {
		if v := srv.Masked.Get(k); v != nil && v.Kind == value.String {
			return k + " " + redact.Anonymize(v.Str)
		}
	}
	return srv.Config.Transport
}

// serverSecrets returns the profile values (those redaction may scrub)
// that appear in a server's resolved entry: what was substituted for it.
func serverSecrets(scope *Scope, c *mcp.ServerConfig) *redact.Set {
	var b strings.Builder
	add := func(s string) { b.WriteString(s); b.WriteByte(0) }
	add(c.Command)
	add(c.URL)
	add(c.Cwd)
	for _, a := range c.Args {
		add(a)
	}
	for k, v := range c.Env {
		add(k)
		add(v)
	}
	for k, v := range c.Headers {
		add(k)
		add(v)
	}
	all := b.String()
	set := &redact.Set{}
	for _, name := range scope.Names() {
		if sv := scope.values[name]; sv.redactable && strings.Contains(all, sv.value) {
			set.Add(name, sv.value)
		}
	}
	return set
}
