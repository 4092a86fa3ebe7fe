package mcp

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/wasmgw/wasmgw/runtime/mcp/internal/fnmatch"

	"github.com/wasmgw/wasmgw/runtime/internal/value"
)

// Defaults of the reference (hermes-agent tools/mcp_tool.py).
const (
	// DefaultTimeout bounds one tool call.
	DefaultTimeout = 300 * time.Second
	// DefaultConnectTimeout bounds starting or connecting to a server,
	// the handshake and the first tool listing.
	DefaultConnectTimeout = 60 * time.Second
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
		if !ValidServerName(name) {
			return nil, &ConfigError{Server: name, Line: line, Msg: "invalid server name (want [A-Za-z0-9_-], 1 to 64 characters: it names the server's tools mcp.NAME.TOOL)"}
		}
		v := all.Items[i]
		if v.Kind != Object {
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

// ValidServerName reports whether name may name an MCP server:
// [A-Za-z0-9_-], 1 to 64 characters.
func ValidServerName(name string) bool {
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
	// baseline (see BuildEnv).
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

// Allows reports whether the tool filter keeps the MCP tool name. Include
// and Exclude entries are fnmatch patterns (as in hermes: *, ?, [seq],
// [!seq]; a plain name matches itself).
func (c *ServerConfig) Allows(tool string) bool {
	if len(c.Include) > 0 {
		return matchAny(c.Include, tool)
	}
	return !matchAny(c.Exclude, tool)
}

func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if fnmatch.Match(p, s) {
			return true
		}
	}
	return false
}

// UnmatchedFilters returns the tools.include and tools.exclude entries
// that match none of tools (the names a server listed), as
// "tools.include[0] \"get-*\"" descriptions: each is worth a warning.
func (c *ServerConfig) UnmatchedFilters(tools []string) []string {
	var out []string
	for _, f := range []struct {
		key  string
		list []string
	}{{"tools.include", c.Include}, {"tools.exclude", c.Exclude}} {
		for i, p := range f.list {
			if !anyMatch(p, tools) {
				out = append(out, fmt.Sprintf("%s[%d] %q", f.key, i, p))
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func anyMatch(pattern string, names []string) bool {
	pat := fnmatch.Compile(pattern)
	for _, n := range names {
		if pat.Match(n) {
			return true
		}
	}
	return false
}

// knownKeys are the entry keys wasmgw reads; the reference's others
// (auth, sampling, supports_parallel_tool_calls, ...) are kept as Extra.
var knownKeys = []string{"command", "args", "env", "cwd", "url", "transport", "headers", "timeout", "connect_timeout", "enabled", "tools", "trust", "network", "limits", "filesystem", "ssl_verify", "client_cert"}

// Decode decodes one server entry (JSON, as an interpolation module
// returns it). Errors are *ConfigError naming the field.
func Decode(name string, entry json.RawMessage) (ServerConfig, error) {
	v, err := value.ParseJSON(entry)
	if err != nil {
		return ServerConfig{}, &ConfigError{Server: name, Msg: "not valid JSON: " + err.Error()}
	}
	return DecodeValue(name, v)
}

// DecodeValue decodes one server entry. The rules follow the reference,
// stricter where it would guess (see docs/mcp.md):
//   - command: a non-empty string, "~/" expanded later with the child's HOME;
//     args: a list of strings or numbers, or one string (a JSON list, or
//     shell words); env and headers: mappings of names to strings, numbers
//     or booleans; cwd: a string.
//   - url: an absolute http or https URL; transport: sse, or http (also
//     streamable_http, streamable-http, streamablehttp); "stdio" only with
//     command. An entry has command or url, not both.
//   - timeout, connect_timeout: positive seconds (a number or a numeric
//     string); enabled: a boolean, 0/1, or true/false/yes/no/on/off;
//     tools.include, tools.exclude: a tool name or a list of them.
func DecodeValue(name string, v *Value) (ServerConfig, error) {
	c := ServerConfig{Name: name, Timeout: DefaultTimeout, ConnectTimeout: DefaultConnectTimeout, Enabled: true}
	fail := func(field, format string, args ...any) error {
		return &ConfigError{Server: name, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if v == nil || v.Kind != Object {
		kind := "nothing"
		if v != nil {
			kind = v.Kind.String()
		}
		return c, fail("", "want a mapping of settings, got %s", kind)
	}
	var transport string
	for i, key := range v.Keys {
		val := v.Items[i]
		var err error
		switch key {
		case "command":
			c.Command, err = str(val)
			if err == nil && strings.TrimSpace(c.Command) == "" {
				err = errors.New("empty")
			}
			c.Command = strings.TrimSpace(c.Command)
		case "args":
			c.Args, err = decodeArgs(val)
		case "env":
			c.Env, err = stringMap(val, false)
		case "headers":
			c.Headers, err = stringMap(val, true)
		case "cwd":
			c.Cwd, err = str(val)
		case "url":
			c.URL, err = str(val)
			if err == nil {
				err = checkURL(c.URL)
			}
		case "transport":
			if val.Kind != Null {
				transport, err = str(val)
			}
		case "timeout":
			c.Timeout, err = seconds(val, DefaultTimeout)
		case "connect_timeout":
			c.ConnectTimeout, err = seconds(val, DefaultConnectTimeout)
		case "enabled":
			c.Enabled, err = boolish(val)
		case "tools":
			c.Include, c.Exclude, err = toolFilter(val)
		case "trust", "network", "limits", "filesystem":
			err = c.Sandbox.decode(key, val)
		case "ssl_verify":
			err = decodeSSLVerify(val, &c.TLS)
		case "client_cert":
			err = decodeClientCert(val, &c.TLS)
		default:
			c.Extra = append(c.Extra, key)
		}
		if err != nil {
			var fe *fieldError
			if errors.As(err, &fe) {
				return c, fail(joinSub(key, fe.sub), "%s", fe.msg)
			}
			return c, fail(key, "%v", err)
		}
	}
	switch {
	case c.Command != "" && c.URL != "":
		return c, fail("", "has both command and url: a server is either a stdio command or an HTTP endpoint")
	case c.Command == "" && c.URL == "":
		return c, fail("", "has neither command (a stdio server) nor url (an HTTP server)")
	}
	switch t := strings.ToLower(strings.TrimSpace(transport)); t {
	case "":
		c.Transport = TransportHTTP
		if c.Command != "" {
			c.Transport = TransportStdio
		}
	case "stdio":
		if c.Command == "" {
			return c, fail("transport", "stdio needs a command")
		}
		c.Transport = TransportStdio
	case "sse", "http", "streamable_http", "streamable-http", "streamablehttp":
		if c.URL == "" {
			return c, fail("transport", "%s needs a url", t)
		}
		c.Transport = TransportHTTP
		if t == "sse" {
			c.Transport = TransportSSE
		}
	default:
		return c, fail("transport", "unknown transport (want stdio, http or sse)")
	}
	return c, nil
}

// fieldError is an error inside a field: sub is the path below it.
type fieldError struct {
	sub string
	msg string
}

// Error implements error.
func (e *fieldError) Error() string { return e.msg }

func joinSub(key, sub string) string {
	if sub == "" {
		return key
	}
	if sub[0] == '[' {
		return key + sub
	}
	return key + "." + sub
}

func str(v *Value) (string, error) {
	if v.Kind != String {
		return "", fmt.Errorf("want a string, got %s", v.Kind)
	}
	return v.Str, nil
}

// scalarText is the text of a string, number or boolean (a YAML "port:
// 8080" in env is the string "8080" to the child).
func scalarText(v *Value) (string, bool) {
	switch v.Kind {
	case String, Number:
		return v.Str, true
	case Bool:
		return strconv.FormatBool(v.Bool), true
	}
	return "", false
}

func decodeArgs(v *Value) ([]string, error) {
	switch v.Kind {
	case Null:
		return nil, nil
	case Array:
		args := make([]string, 0, len(v.Items))
		for i, it := range v.Items {
			if it.Kind != String && it.Kind != Number {
				return nil, &fieldError{sub: value.JoinIndex("", i), msg: "want a string or a number, got " + it.Kind.String()}
			}
			args = append(args, it.Str)
		}
		return args, nil
	case String:
		text := strings.TrimSpace(v.Str)
		if text == "" {
			return nil, nil
		}
		if text[0] == '[' || text[0] == '{' {
			var list []any
			if err := json.Unmarshal([]byte(text), &list); err != nil {
				return nil, errors.New("looks like a list but is not a JSON list of strings")
			}
			args := make([]string, 0, len(list))
			for _, it := range list {
				switch x := it.(type) {
				case string:
					args = append(args, x)
				case float64:
					args = append(args, strconv.FormatFloat(x, 'g', -1, 64))
				default:
					return nil, errors.New("looks like a list but is not a JSON list of strings")
				}
			}
			return args, nil
		}
		return ShellSplit(v.Str)
	}
	return nil, fmt.Errorf("want a list of strings, got %s", v.Kind)
}

// stringMap decodes env or headers: a mapping of names to scalars.
func stringMap(v *Value, header bool) (map[string]string, error) {
	if v.Kind == Null {
		return nil, nil
	}
	if v.Kind != Object {
		return nil, fmt.Errorf("want a mapping, got %s", v.Kind)
	}
	m := make(map[string]string, len(v.Keys))
	for i, k := range v.Keys {
		val, ok := scalarText(v.Items[i])
		switch {
		case !ok:
			return nil, &fieldError{sub: value.JoinKey("", k), msg: "want a string, got " + v.Items[i].Kind.String()}
		case header && !validHeaderName(k):
			return nil, &fieldError{sub: value.JoinKey("", k), msg: "not a valid HTTP header name"}
		case header && strings.ContainsAny(val, "\r\n\x00"):
			return nil, &fieldError{sub: value.JoinKey("", k), msg: "a header value must not contain CR, LF or NUL"}
		case !header && (k == "" || strings.ContainsAny(k, "=\x00")):
			return nil, &fieldError{sub: value.JoinKey("", k), msg: "not a valid environment variable name"}
		case !header && strings.ContainsRune(val, 0):
			return nil, &fieldError{sub: value.JoinKey("", k), msg: "an environment value must not contain NUL"}
		}
		m[k] = val
	}
	return m, nil
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want an absolute http or https URL")
	}
	return nil
}

func seconds(v *Value, def time.Duration) (time.Duration, error) {
	var f float64
	switch v.Kind {
	case Null:
		return def, nil
	case Number, String:
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSpace(v.Str), 64); err != nil {
			return 0, errors.New("want a number of seconds")
		}
	default:
		return 0, fmt.Errorf("want a number of seconds, got %s", v.Kind)
	}
	if math.IsNaN(f) || f <= 0 || f > maxSeconds {
		return 0, fmt.Errorf("want a number of seconds above 0 and at most %g", float64(maxSeconds))
	}
	return time.Duration(f * float64(time.Second)), nil
}

func boolish(v *Value) (bool, error) {
	switch v.Kind {
	case Null:
		return true, nil
	case Bool:
		return v.Bool, nil
	case Number:
		f, err := strconv.ParseFloat(v.Str, 64)
		if err != nil {
			return false, errors.New("want true or false")
		}
		return f != 0, nil
	case String:
		switch strings.ToLower(strings.TrimSpace(v.Str)) {
		case "true", "1", "yes", "on":
			return true, nil
		case "false", "0", "no", "off":
			return false, nil
		}
	}
	return false, errors.New("want true or false (or yes/no, on/off, 1/0)")
}

// EnabledAsWritten reports whether an entry, before interpolation, is
// certainly disabled: its enabled key is a literal false. A server whose
// enabled value holds a reference is decided after interpolation.
func EnabledAsWritten(v *Value) (enabled, known bool) {
	e := v.Get("enabled")
	if e == nil {
		return true, true
	}
	if e.Kind == String && strings.Contains(e.Str, "${") {
		return true, false
	}
	b, err := boolish(e)
	if err != nil {
		return true, false
	}
	return b, true
}

func toolFilter(v *Value) (include, exclude []string, err error) {
	if v.Kind == Null {
		return nil, nil, nil
	}
	if v.Kind != Object {
		return nil, nil, fmt.Errorf("want a mapping (include, exclude), got %s", v.Kind)
	}
	names := func(key string) ([]string, error) {
		x := v.Get(key)
		if x == nil || x.Kind == Null {
			return nil, nil
		}
		if s, ok := scalarText(x); ok && x.Kind != Bool {
			return []string{s}, nil
		}
		if x.Kind != Array {
			return nil, &fieldError{sub: key, msg: "want a tool name or a list of them, got " + x.Kind.String()}
		}
		var out []string
		for i, it := range x.Items {
			if it.Kind != String && it.Kind != Number {
				return nil, &fieldError{sub: value.JoinIndex(key, i), msg: "want a tool name, got " + it.Kind.String()}
			}
			out = append(out, it.Str)
		}
		return out, nil
	}
	if include, err = names("include"); err != nil {
		return nil, nil, err
	}
	exclude, err = names("exclude")
	return include, exclude, err
}

// ShellSplit splits s into words as a POSIX shell would, without
// expansions (the reference's shlex.split): whitespace separates words;
// single quotes keep everything literally; inside double quotes a backslash
// escapes only $, `, ", \ and newline; outside quotes it escapes any
// character.
func ShellSplit(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated double quote")
			}
			inWord = true
		case c == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("trailing backslash")
			}
			i++
			cur.WriteByte(s[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
