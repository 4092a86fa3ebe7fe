package mcp

import (
	"fmt"

	"github.com/wasmgw/wasmgw/runtime/internal/value"
	"github.com/wasmgw/wasmgw/runtime/mcp/internal/fnmatch"
)

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

func anyMatch(pattern string, names []string) bool {
	pat := fnmatch.Compile(pattern)
	for _, n := range names {
		if pat.Match(n) {
			return true
		}
	}
	return false
}

func toolFilter(v *Value) (include, exclude []string, err error) {
	if v.Kind == value.Null {
		return nil, nil, nil
	}
	if v.Kind != value.Object {
		return nil, nil, fmt.Errorf("want a mapping (include, exclude), got %s", v.Kind)
	}
	names := func(key string) ([]string, error) {
		x := v.Get(key)
		if x == nil || x.Kind == value.Null {
			return nil, nil
		}
		if s, ok := scalarText(x); ok && x.Kind != value.Bool {
			return []string{s}, nil
		}
		if x.Kind != value.Array {
			return nil, &fieldError{sub: key, msg: "want a tool name or a list of them, got " + x.Kind.String()}
		}
		var out []string
		for i, it := range x.Items {
			if it.Kind != value.String && it.Kind != value.Number {
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
