package mcp

// Keys of a hermes server entry that wasmgw does not act on, or acts on in
// a way an operator must know about: never ignored silently. See
// docs/mcp.md, "Keys wasmgw does not honour".

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/wasmgw/wasmgw/runtime/internal/value"
)

// KeyWarning is one key of a server entry wasmgw does not honour (or a
// setting that weakens the server's security).
type KeyWarning struct {
	// Server is the server's key in mcp_servers.
	Server string
	// Key is the entry key (or key path, or ${...} reference).
	Key string
	// Security marks keys that bear on security: ignoring them would fail
	// open, so the audit reports them above the rest.
	Security bool
	// Msg says what wasmgw does instead.
	Msg string
}

// String is the warning as printed: mcp server "NAME": KEY: MSG.
func (w KeyWarning) String() string {
	return fmt.Sprintf("mcp server %q: %s: %s", w.Server, w.Key, w.Msg)
}

// unhonoured says what wasmgw does about each hermes key it does not act
// on; true marks a security key.
var unhonoured = map[string]struct {
	security bool
	msg      string
}{
	"auth":                         {true, "not supported (a gateway runs no interactive OAuth flow): the server is reached without it; send a token in headers instead"},
	"lifecycle":                    {false, "not supported: a server starts on first use and stops with its profile"},
	"sampling":                     {true, "not supported: the server is offered no sampling (it cannot make model calls through the gateway)"},
	"supports_parallel_tool_calls": {false, "not acted on: wasmgw runs each tool call as it comes"},
	"roots":                        {true, "not supported: the server is offered no roots (no client filesystem is exposed)"},
}

// trustValues are the trust settings the confinement of stdio servers
// knows; any other value is warned about and treated as untrusted.
var trustValues = map[string]bool{"host": true, "confined": true, "sandbox": true, "untrusted": true}

// contextVars are hermes (and editor) context variables, which a gateway
// has no value for (there is no workspace or open file).
var contextVars = map[string]bool{
	"workspaceFolder": true, "workspaceFolderBasename": true, "workspaceRoot": true, "userHome": true,
	"cwd": true, "pathSeparator": true, "file": true, "fileBasename": true, "fileDirname": true,
	"relativeFile": true, "fileWorkspaceFolder": true, "lineNumber": true, "selectedText": true,
}

// EntryWarnings returns a warning for every key of the entry (as written)
// wasmgw does not honour, and for settings that weaken it (ssl_verify:
// false), in key order. It never fails: a bad value of a key wasmgw reads
// is DecodeValue's to report.
func EntryWarnings(server string, entry *Value) []KeyWarning {
	if entry == nil || entry.Kind != value.Object {
		return nil
	}
	var out []KeyWarning
	add := func(key string, security bool, format string, args ...any) {
		if key == "" || strings.ContainsFunc(key, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			key = fmt.Sprintf("%q", key) // a key that would not read as one
		}
		out = append(out, KeyWarning{Server: server, Key: key, Security: security, Msg: fmt.Sprintf(format, args...)})
	}
	stdio := entry.Get("command") != nil && entry.Get("url") == nil
	for i, key := range entry.Keys {
		v := entry.Items[i]
		switch {
		case key == "ssl_verify" || key == "client_cert":
			if stdio {
				add(key, true, "applies to HTTP servers only; this entry is a stdio command, so it is ignored")
			} else if key == "ssl_verify" {
				if b, err := boolish(v); err == nil && !b {
					add(key, true, "false: the server's TLS certificate is NOT verified; anyone on the network path can read and change its traffic, credentials included. Use a CA bundle path instead")
				}
			}
		case key == "trust":
			t := strings.TrimSpace(v.Str)
			if v.Kind != value.String || !trustValues[t] {
				add(key, true, "%s is not a value wasmgw knows (known: %s): the server is treated as untrusted and confined like any other", describe(v), strings.Join(sortedKeys(trustValues), ", "))
			}
		case key == "tools" && v.Kind == value.Object:
			for _, sub := range v.Keys {
				if sub != "include" && sub != "exclude" {
					add("tools."+sub, false, "not acted on: wasmgw offers a server's tools only (tools.include and tools.exclude filter them)")
				}
			}
		case slices.Contains(knownKeys, key):
		default:
			if u, ok := unhonoured[key]; ok {
				add(key, u.security, "%s", u.msg)
			} else {
				add(key, false, "not a key wasmgw knows: kept, not acted on")
			}
		}
	}
	entry.Leaves(func(path string, leaf *Value) {
		for _, name := range contextRefs(leaf.Str) {
			add(path, false, "${%s} is a hermes context variable; a gateway has no workspace or editor, so it is left as written", name)
		}
	})
	return out
}

func describe(v *Value) string {
	if v.Kind == value.String {
		return fmt.Sprintf("%q", v.Str)
	}
	return v.Kind.String()
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// contextRefs returns the context variables s references as ${name}.
func contextRefs(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return out
		}
		name := strings.TrimSpace(s[i+2 : i+j])
		if contextVars[name] {
			out = append(out, name)
		}
		s = s[i+j+1:]
	}
}

// IsContextVariable reports whether name is a hermes context variable
// (${workspaceFolder} and the like), which a gateway has no value for.
func IsContextVariable(name string) bool { return contextVars[name] }
