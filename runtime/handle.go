package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/builtin"
)

// DefaultHandler is the handler module a profile gets when its config names
// none: /tools, /call NAME JSON, and an echo.
const DefaultHandler = builtin.Prefix + "handler"

// handlerModule returns the profile's handler module, loading it on first
// use: wasmgw.handler names a key of wasmgw.modules (which gives it that
// module's grants and limits) or a module path (no secrets, the profile's
// limits).
func (t *Tenant) handlerModule(ctx context.Context) (*tenantModule, error) {
	t.handlerMu.Lock()
	defer t.handlerMu.Unlock()
	if t.handler != nil {
		return t.handler, nil
	}
	ref := t.profile.Config.Handler
	if ref == "" {
		ref = DefaultHandler
	}
	if tm, ok := t.modules[ref]; ok {
		t.handler = tm
		return tm, nil
	}
	mc := ModuleConfig{Name: "handler", Path: ref, Grants: []string{}}
	tm, err := t.load(ctx, mc, t.profile.Config.Limits.withDefaults(DefaultLimits()))
	if err != nil {
		return nil, fmt.Errorf("profile %q: handler %q: %w", t.profile.Name, ref, err)
	}
	if !tm.mod.Exports(abi.ExportHandle) {
		return nil, fmt.Errorf("profile %q: handler %q: the module exports no %s", t.profile.Name, ref, abi.ExportHandle)
	}
	t.handler = tm
	return tm, nil
}

// Handle runs the profile's handler module on one inbound message. The
// handler may call the profile's tools through tool_call; each runs in its
// own instance with its own grants and limits, under the same context, so
// cancelling ctx (an interrupt) stops the handler and any tool it is in.
func (t *Tenant) Handle(ctx context.Context, req abi.HandleRequest) (reply abi.HandleReply, err error) {
	if !t.enter(ctx) {
		return abi.HandleReply{}, fmt.Errorf("profile %q: %w", t.profile.Name, ErrRetired)
	}
	defer t.leave(ctx)
	start := t.e.clock.now()
	defer func() { t.observe(CallHandle, start, err) }()
	return t.handle(ctx, req)
}

func (t *Tenant) handle(ctx context.Context, req abi.HandleRequest) (abi.HandleReply, error) {
	tm, err := t.handlerModule(ctx)
	if err != nil {
		return abi.HandleReply{}, err
	}
	req.Profile = t.profile.Name
	t.connectForListing(ctx) // MCP tools are listed next to the wasm tools
	tools := t.Tools()
	req.Tools = make([]abi.ToolInfo, len(tools))
	for i, tool := range tools {
		req.Tools[i] = tool.ToolInfo
	}
	scope, err := t.profile.Scope()
	if err != nil {
		return abi.HandleReply{}, err
	}
	req.Secrets = readable(scope, tm.cfg.Grants)
	in, err := abi.AppendHandleRequest(nil, req)
	if err != nil {
		return abi.HandleReply{}, fmt.Errorf("profile %q: handle: %w", t.profile.Name, err)
	}
	// The handler's call reads the clock itself: listing MCP tools above
	// may have taken a while.
	out, err := t.run(ctx, time.Time{}, scope, tm, "handler", t.nestedTool, abi.ExportHandle, "", in)
	if err != nil {
		return abi.HandleReply{}, err
	}
	reply, err := abi.DecodeHandleReply(out)
	if err != nil {
		return abi.HandleReply{}, fmt.Errorf("profile %q: handler: %w", t.profile.Name, &CallError{Kind: KindBadModule, Msg: "reply is not a {\"text\":...} object"})
	}
	return reply, nil
}

// nestedTool serves a handler's tool_call: the tool runs in its own instance
// of this tenant; the result is a CallResult envelope.
func (t *Tenant) nestedTool(ctx context.Context, name string, input []byte) ([]byte, int32) {
	out, err := t.callTool(ctx, name, input)
	if errors.Is(err, ErrUnknownTool) {
		return nil, abi.ErrNotFound
	}
	var res abi.CallResult
	var te *ToolError
	var ce *CallError
	switch {
	case err == nil:
		res.Output = out
	case errors.As(err, &te):
		res.Error = &abi.Error{Code: te.Code, Message: te.Message}
	case errors.As(err, &ce):
		res.Error = &abi.Error{Code: string(ce.Kind), Message: ce.Msg}
	default:
		res.Error = &abi.Error{Code: "internal", Message: lastPart(err.Error())}
	}
	b, _ := json.Marshal(res)
	return b, 0
}

// lastPart drops the "profile ...:" prefixes of a wrapped error.
func lastPart(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		return s[i+2:]
	}
	return s
}

// readable returns the names a module with these grants may read from the
// profile: the grants the profile defines (nil grants: every name).
func readable(scope *Scope, grants []string) []string {
	names := scope.sortedNames() // shared: filtered into a new slice
	if grants == nil {
		return slices.Clone(names)
	}
	out := make([]string, 0, min(len(grants), len(names)))
	for _, n := range names {
		if slices.Contains(grants, n) {
			out = append(out, n)
		}
	}
	return out
}
