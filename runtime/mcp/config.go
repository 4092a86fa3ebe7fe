package mcp

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/wasmgw/wasmgw/runtime/internal/value"
)

// Defaults of the reference (hermes-agent tools/mcp_tool.py).
const (
	// defaultTimeout bounds one tool call.
	defaultTimeout = 300 * time.Second
	// defaultConnectTimeout bounds starting or connecting to a server,
	// the handshake and the first tool listing.
	defaultConnectTimeout = 60 * time.Second
	// maxSeconds bounds a configured timeout (about 11.5 days).
	maxSeconds = 1e6
)

// Transports a server entry may select.
const (
	// TransportStdio: a command run as a child process, spoken to over
	// stdin and stdout (an entry with "command").
	TransportStdio = "stdio"
	// TransportHTTP: streamable HTTP (an entry with "url").
	TransportHTTP = "http"
	// TransportSSE: the older HTTP+SSE transport ("transport: sse").
	TransportSSE = "sse"
)

// Entry is one server of a profile's mcp_servers block as written, before
// interpolation.
type Entry struct {
	// Name is the server's key in mcp_servers.
	Name string
	// Line is where the entry starts in config.yaml.
	Line int
	// Value is the entry, keys in the order written.
	Value *Value
}

// ConfigError names the server and field of a bad MCP server entry. Its
// message never contains a value of the entry, which may hold a secret.
type ConfigError struct {
	// Server is the server's name in mcp_servers.
	Server string
	// Line is the line in config.yaml, when known.
	Line int
	// Field is the field path inside the entry ("env.TOKEN"), if any.
	Field string
	// Msg says what is wrong.
	Msg string
}

// Error implements error: `mcp server "NAME" (line N): FIELD: MSG`.
func (e *ConfigError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mcp server %q", e.Server)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	return b.String() + ": " + e.Msg
}

// ParseServers reads a profile's mcp_servers block (the raw node
// runtime.Config keeps) into entries, in config order. A nil or null node
// is no servers. Server names must match [A-Za-z0-9_-]{1,64}: they name the
// server's tools (mcp.NAME.TOOL).
func ParseServers(node *yaml.Node) ([]Entry, error) {
	if node == nil || node.Kind == yaml.ScalarNode && node.Tag == "!!null" {
		return nil, nil
	}
	for node.Kind == yaml.AliasNode && node.Alias != nil {
		node = node.Alias
	}
	if node.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("mcp_servers (line %d): want a mapping of server names", node.Line)
	}
	all, err := value.FromYAML(node)
	if err != nil {
		var ye *value.YAMLError
		if errors.As(err, &ye) {
			server, field, _ := strings.Cut(ye.Path, ".")
			return nil, &ConfigError{Server: server, Line: ye.Line, Field: field, Msg: ye.Msg}
		}
		return nil, err
	}
	lines := map[string]int{}
	for i := 0; i+1 < len(node.Content); i += 2 {
		lines[node.Content[i].Value] = node.Content[i].Line
	}
	entries := make([]Entry, 0, len(all.Keys))
	for i, name := range all.Keys {
		line := lines[name]
		if !validServerName(name) {
			return nil, &ConfigError{Server: name, Line: line, Msg: "invalid server name (want [A-Za-z0-9_-], 1 to 64 characters: it names the server's tools mcp.NAME.TOOL)"}
		}
		v := all.Items[i]
		if v.Kind != value.Object {
			return nil, &ConfigError{Server: name, Line: line, Msg: "want a mapping of settings, got " + v.Kind.String()}
		}
		if err := CheckReferences(name, v); err != nil {
			var ce *ConfigError
			if errors.As(err, &ce) {
				ce.Line = line
			}
			return nil, err
		}
		entries = append(entries, Entry{Name: name, Line: line, Value: v})
	}
	return entries, nil
}

// validServerName reports whether name may name an MCP server:
// [A-Za-z0-9_-], 1 to 64 characters.
func validServerName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// ServerConfig is one server entry decoded after interpolation. Its Env,
// Headers, Args, Command and URL may hold secret values: never log or print
// them.
type ServerConfig struct {
	// Name is the server's key in mcp_servers.
	Name string
	// Transport is TransportStdio, TransportHTTP or TransportSSE.
	Transport string
	// Command is a stdio server's executable.
	Command string
	// Args are its arguments.
	Args []string
	// Env is the stdio server's own environment, on top of the host
	// baseline (see Baseline).
	Env map[string]string
	// Cwd is the stdio server's working directory ("" for the profile
	// directory; a relative path is relative to it).
	Cwd string
	// URL is an HTTP server's endpoint.
	URL string
	// Headers are sent with every request to URL's origin.
	Headers map[string]string
	// Timeout bounds one tool call.
	Timeout time.Duration
	// ConnectTimeout bounds starting or reaching the server, the handshake
	// and the tool listing.
	ConnectTimeout time.Duration
	// Enabled is false for a server to skip.
	Enabled bool
	// Include and Exclude filter the server's tools by their MCP names: a
	// non-empty Include lists the only tools kept (it wins over Exclude);
	// otherwise Exclude lists tools dropped.
	Include []string
	// Exclude: see Include.
	Exclude []string
	// TLS holds ssl_verify and client_cert (HTTP servers only).
	TLS TLSConfig
	// Extra lists the other keys of the entry, kept and passed through
	// (wasmgw does not use them).
	Extra []string
	// Sandbox is how a stdio server is confined (sandbox.go).
	Sandbox Sandbox
}
