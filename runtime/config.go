package runtime

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/internal/yamlerr"
)

// Limits bound one module's calls. Zero fields take the profile's value,
// then the defaults.
type Limits struct {
	// Memory is the most linear memory an instance may have, in bytes.
	Memory uint64
	// Timeout bounds one call, wall clock.
	Timeout time.Duration
	// MaxOutput bounds the bytes of one call's output.
	MaxOutput uint64
	// MaxLog bounds the bytes one call may write to its log (log calls,
	// stdout and stderr together); the rest is dropped with a note.
	MaxLog uint64
	// MaxHostCalls bounds the host function calls of one call.
	MaxHostCalls uint64
	// MaxAuditRecords bounds the audit records of one call; the rest are
	// counted in one summary record (kind "dropped") at the call's end.
	MaxAuditRecords uint64
}

// Default limits. Go guests need at least 38 pages (2.4 MiB) and grow their
// heap in large steps, so the memory default leaves them room while still
// bounding a memory bomb.
const (
	defaultMemory       = 128 << 20
	defaultTimeout      = 10 * time.Second
	defaultMaxOutput    = 1 << 20
	defaultMaxLog       = 64 << 10
	defaultMaxHostCalls = 100_000
	// maxMemory is the ceiling of any configured memory limit (4 GiB, the
	// wasm32 address space).
	maxMemory = 4 << 30
)

// MaxCallStack bounds the engine's native call stack of one guest call, a
// host allocation the guest's memory limit does not cover: a call whose
// WebAssembly frames need more fails with a stack overflow (error kind
// trap). wazero's own ceiling is about 100 MB, grown by doubling and
// copying, so a guest recursing without end made its host allocate and
// copy some 200 MB and stalled neighbours' calls for hundreds of
// milliseconds. Real tools need a few tens of KiB: a Go guest keeps its
// goroutine stacks in its linear memory, under its memory limit.
const MaxCallStack = 8 << 20

// MaxTableElements bounds each table of a guest, in elements: a word of
// host memory each, which the guest's memory limit does not cover. A
// module declaring a larger table is refused at load; table.grow past it
// fails (returns -1, as the instruction does when a table is full). A table
// grown without bound killed the host ("fatal error: runtime: out of
// memory"). Go guests declare about 6,500 elements.
const MaxTableElements = 1 << 20

// withDefaults fills zero fields from base.
func (l Limits) withDefaults(base Limits) Limits {
	if l.Memory == 0 {
		l.Memory = base.Memory
	}
	if l.Timeout == 0 {
		l.Timeout = base.Timeout
	}
	if l.MaxOutput == 0 {
		l.MaxOutput = base.MaxOutput
	}
	if l.MaxLog == 0 {
		l.MaxLog = base.MaxLog
	}
	if l.MaxHostCalls == 0 {
		l.MaxHostCalls = base.MaxHostCalls
	}
	if l.MaxAuditRecords == 0 {
		l.MaxAuditRecords = base.MaxAuditRecords
	}
	return l
}

// DefaultLimits returns the limits a module gets when nothing is configured.
func DefaultLimits() Limits {
	return Limits{Memory: defaultMemory, Timeout: defaultTimeout, MaxOutput: defaultMaxOutput, MaxLog: defaultMaxLog, MaxHostCalls: defaultMaxHostCalls, MaxAuditRecords: DefaultMaxAuditRecords}
}

// ModuleConfig is one module of a profile.
type ModuleConfig struct {
	// Name is the module's key in the config; tools are found by module.
	Name string
	// Path is "builtin:NAME" (a module embedded in the binary) or a path
	// relative to the profile directory.
	Path string
	// Grants lists the secret names the module may read; nil means every
	// name of the profile (the reference's behaviour).
	Grants []string
	// Limits are the module's own; zero fields come from the profile.
	Limits Limits
	// FreshPerCall asks for a new instance on every call instead of a
	// pooled one.
	FreshPerCall bool
	// Egress is the module's egress policy for http_fetch; nil refuses
	// every request (see egress.go and docs/egress.md).
	Egress *EgressConfig
}

// Config is the part of a profile's config.yaml that wasmgw reads. Every
// other top-level key (a hermes profile's model, toolsets, ...) is ignored.
type Config struct {
	// Limits are the profile's defaults for its modules.
	Limits Limits
	// Modules are the tool modules, in config order.
	Modules []ModuleConfig
	// Handler names the message handler module ("builtin:handler" when
	// empty).
	Handler string
	// Interpolation names the MCP interpolation module ("builtin:interpolate"
	// when empty).
	Interpolation string
	// MCPServers is the raw mcp_servers block, in the reference format.
	MCPServers *yaml.Node
	// Gateway is the raw gateway block (the home's config only).
	Gateway *yaml.Node
	// RedactNever names .env settings that are never scrubbed from any
	// text (wasmgw.redact.never): values that are configuration, not
	// secrets. See docs/security.md, "Redaction".
	RedactNever []string
}

// ConfigError names the file, line and field of a bad config value.
type ConfigError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *ConfigError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s line %d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s line %d: %s: %s", e.File, e.Line, e.Field, e.Msg)
}

// ParseConfig decodes a profile's config.yaml. file names it in errors.
func ParseConfig(file string, data []byte) (*Config, error) {
	cfg := &Config{}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlerr.Fix(file, err)
	}
	if len(doc.Content) == 0 {
		return cfg, nil // empty file
	}
	d := decoder{file: file}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, d.errf(root, "", "want a mapping at the top level, got %s", kindName(root))
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i].Value, root.Content[i+1]
		switch key {
		case "wasmgw":
			if err := d.wasmgw(val, cfg); err != nil {
				return nil, err
			}
		case "mcp_servers":
			if val.Kind != yaml.MappingNode && !isNull(val) {
				return nil, d.errf(val, key, "want a mapping of server names, got %s", kindName(val))
			}
			cfg.MCPServers = val
		case "gateway":
			cfg.Gateway = val
		}
	}
	return cfg, nil
}

type decoder struct{ file string }

func (d decoder) errf(n *yaml.Node, field, format string, args ...any) error {
	return &ConfigError{File: d.file, Line: n.Line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "null"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// fields walks a mapping, refusing keys outside allowed.
func (d decoder) fields(n *yaml.Node, path string, allowed []string, each func(key string, val *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return d.errf(n, path, "want a mapping, got %s", kindName(n))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field := join(path, k.Value)
		if allowed != nil && !contains(allowed, k.Value) {
			return d.errf(k, field, "unknown key (known: %s)", strings.Join(allowed, ", "))
		}
		if seen[k.Value] {
			return d.errf(k, field, "duplicate key")
		}
		seen[k.Value] = true
		if err := each(k.Value, v); err != nil {
			return err
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (d decoder) wasmgw(n *yaml.Node, cfg *Config) error {
	if isNull(n) {
		return nil
	}
	return d.fields(n, "wasmgw", []string{"limits", "modules", "handler", "interpolation", "redact"}, func(key string, v *yaml.Node) error {
		var err error
		switch key {
		case "limits":
			cfg.Limits, err = d.limits(v, "wasmgw.limits")
		case "modules":
			err = d.fields(v, "wasmgw.modules", nil, func(name string, mv *yaml.Node) error {
				m, err := d.module(name, mv)
				cfg.Modules = append(cfg.Modules, m)
				return err
			})
		case "handler":
			cfg.Handler, err = d.str(v, "wasmgw.handler")
		case "interpolation":
			cfg.Interpolation, err = d.str(v, "wasmgw.interpolation")
		case "redact":
			err = d.fields(v, "wasmgw.redact", []string{"never"}, func(_ string, nv *yaml.Node) error {
				var err error
				cfg.RedactNever, err = d.names(nv, "wasmgw.redact.never")
				return err
			})
		}
		return err
	})
}

func (d decoder) module(name string, n *yaml.Node) (ModuleConfig, error) {
	path := "wasmgw.modules." + name
	m := ModuleConfig{Name: name}
	if !validModuleName(name) {
		return m, d.errf(n, path, "invalid module name (want [a-z0-9][a-z0-9_.-]*, at most 64)")
	}
	if n.Kind == yaml.ScalarNode && !isNull(n) { // shorthand: name: path
		m.Path = n.Value
		return m, nil
	}
	err := d.fields(n, path, []string{"path", "grants", "limits", "fresh_per_call", "egress"}, func(key string, v *yaml.Node) error {
		var err error
		switch key {
		case "path":
			m.Path, err = d.str(v, path+".path")
		case "grants":
			m.Grants, err = d.names(v, path+".grants")
		case "limits":
			m.Limits, err = d.limits(v, path+".limits")
		case "fresh_per_call":
			err = d.bool(v, path+".fresh_per_call", &m.FreshPerCall)
		case "egress":
			m.Egress, err = d.egress(v, path+".egress")
		}
		return err
	})
	if err == nil && m.Path == "" {
		err = d.errf(n, path+".path", "missing")
	}
	return m, err
}

func validModuleName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || i > 0 && (c == '_' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

func (d decoder) limits(n *yaml.Node, path string) (Limits, error) {
	var l Limits
	err := d.fields(n, path, []string{"memory", "timeout", "max_output", "max_log", "max_host_calls", "max_audit_records"}, func(key string, v *yaml.Node) error {
		field := path + "." + key
		var err error
		switch key {
		case "memory":
			l.Memory, err = d.size(v, field)
			if err == nil && (l.Memory < 4<<20 || l.Memory > maxMemory) {
				err = d.errf(v, field, "%s is outside 4MiB..4GiB (Go guests need at least 2.4MiB to start)", v.Value)
			}
		case "timeout":
			var s string
			if s, err = d.str(v, field); err == nil {
				l.Timeout, err = time.ParseDuration(s)
				if err != nil || l.Timeout <= 0 {
					err = d.errf(v, field, "want a positive duration such as 5s or 500ms, got %q", s)
				}
			}
		case "max_output":
			l.MaxOutput, err = d.size(v, field)
		case "max_log":
			l.MaxLog, err = d.size(v, field)
		case "max_host_calls":
			l.MaxHostCalls, err = d.size(v, field)
		case "max_audit_records":
			l.MaxAuditRecords, err = d.size(v, field)
		}
		return err
	})
	return l, err
}

func (d decoder) str(n *yaml.Node, field string) (string, error) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		return "", d.errf(n, field, "want a string, got %s", kindName(n))
	}
	return n.Value, nil
}

func (d decoder) bool(n *yaml.Node, field string, out *bool) error {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		return d.errf(n, field, "want true or false, got %s", kindName(n))
	}
	*out = n.Value == "true" || n.Value == "True" || n.Value == "TRUE"
	return nil
}

func (d decoder) names(n *yaml.Node, field string) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, d.errf(n, field, "want a list of secret names, got %s", kindName(n))
	}
	out := []string{}
	for i, item := range n.Content {
		if item.Kind != yaml.ScalarNode || !abi.ValidSecretName(item.Value) {
			return nil, d.errf(item, fmt.Sprintf("%s[%d]", field, i), "want a secret name ([A-Za-z_][A-Za-z0-9_.-]*), got %s", kindName(item))
		}
		out = append(out, item.Value)
	}
	return out, nil
}

// size parses a byte size: an integer, or a number with a unit (B, KB, MB,
// GB, KiB, MiB, GiB).
func (d decoder) size(n *yaml.Node, field string) (uint64, error) {
	s, err := d.str(n, field)
	if err != nil {
		return 0, err
	}
	v, err := ParseSize(s)
	if err != nil {
		return 0, d.errf(n, field, "%v", err)
	}
	return v, nil
}

// ParseSize parses "1048576", "64MiB", "1.5GB" and the like into bytes.
func ParseSize(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	i := len(t)
	for i > 0 && (t[i-1] < '0' || t[i-1] > '9') {
		i--
	}
	num, unit := strings.TrimSpace(t[:i]), strings.TrimSpace(t[i:])
	mult := map[string]float64{"": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[unit]
	f, err := strconv.ParseFloat(num, 64)
	if mult == 0 || err != nil || f < 0 || f*mult >= 1<<53 {
		return 0, errors.New("want a size such as 1048576, 64MiB or 1GB, got " + strconv.Quote(s))
	}
	return uint64(f * mult), nil
}
