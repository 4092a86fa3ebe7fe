package runtime

// Calling an MCP tool: mcp.SERVER.TOOL routed to the server's live
// connection, its input checked and its output scrubbed and bounded.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/wasmgw/wasmgw/runtime/internal/redact"
	"github.com/wasmgw/wasmgw/runtime/internal/value"
	"github.com/wasmgw/wasmgw/runtime/mcp"
)

// callMCPTool runs an mcp.SERVER.TOOL call; handled is false for a name
// that names no MCP server of the profile.
func (t *Tenant) callMCPTool(ctx context.Context, name string, input []byte) (out json.RawMessage, handled bool, err error) {
	rest, ok := strings.CutPrefix(name, mcpToolPrefix)
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
	if v, err := value.ParseJSON(input); err != nil || v.Kind != value.Object {
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
		if slices.Contains(l.conn.Listed(), tool) {
			return nil, true, fmt.Errorf("profile %q: tool %q: refused: the entry of mcp server %q filters it out (tools.include / tools.exclude): %w", t.profile.Name, name, server, ErrUnknownTool)
		}
		return nil, true, fmt.Errorf("profile %q: tool %q: mcp server %q offers no such tool: %w", t.profile.Name, name, server, ErrUnknownTool)
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
			return nil, true, fmt.Errorf("profile %q: tool %q: mcp server %q: %s", t.profile.Name, name, server, l.secrets.Text(err.Error(), redact.Anonymous))
		}
		return nil, true, fmt.Errorf("profile %q: %s: %w", t.profile.Name, name, ce)
	}
	if res.IsError {
		return nil, true, &ToolError{Tool: name, Code: "mcp_tool_error", Message: l.secrets.Text(res.Text, redact.Anonymous)}
	}
	// The size is checked before the result is scrubbed (scrubbing decodes
	// every string of it), and again after: a replacement may be longer
	// than the value it replaces. A server may hold the profile's secrets;
	// it must not hand them on. JSON stays JSON: values are scrubbed
	// inside strings only.
	limit := t.profile.Config.Limits.withDefaults(DefaultLimits()).MaxOutput
	tooLarge := func(n int) error {
		return fmt.Errorf("profile %q: %s: %w", t.profile.Name, name, &CallError{Kind: KindOutputTooLarge, Msg: fmt.Sprintf("mcp result of %d bytes exceeds the profile's limit of %d", n, limit)})
	}
	if uint64(len(res.Output)) > limit {
		return nil, true, tooLarge(len(res.Output))
	}
	scrubbed, valid := l.secrets.OutputValid(res.Output, redact.Anonymous)
	out = json.RawMessage(scrubbed)
	switch {
	case uint64(len(out)) > limit:
		return nil, true, tooLarge(len(out))
	case !valid:
		return nil, true, fmt.Errorf("profile %q: %s: %w", t.profile.Name, name, &CallError{Kind: KindBadModule, Msg: "the mcp result is not valid JSON"})
	}
	return out, true, nil
}
