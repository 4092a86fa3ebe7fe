package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/internal/jsonlex"
	"github.com/wasmgw/wasmgw/runtime/builtin"
	"github.com/wasmgw/wasmgw/runtime/internal/redact"
)

// Tool is one tool a profile offers.
type Tool struct {
	abi.ToolInfo
	// Module is the name of the module that implements it.
	Module string `json:"module"`
}

// Tenant is a profile loaded into an engine: its modules compiled and
// described, its tools indexed, its idle instances kept for reuse. Instances
// are never shared with another tenant.
type Tenant struct {
	e       *Engine
	profile *Profile
	log     *slog.Logger
	modules map[string]*tenantModule
	tools   []Tool
	byTool  map[string]*tenantModule

	handlerMu sync.Mutex
	handler   *tenantModule

	// gen is the scope generation of the last call (nil before the
	// first); a change retires the idle instances (acquire).
	gen atomic.Pointer[string]

	// mcp is the tenant's MCP servers and interpolation module
	// (mcp_tenant.go, interpolate.go).
	mcp tenantMCP

	// life tracks running calls for a reload (reload.go); live counts the
	// instances running a call.
	life lifecycle
	live atomic.Int64
}

type tenantModule struct {
	cfg    ModuleConfig
	limits Limits
	mod    *Module
	self   []byte
	egress *egressPolicy // nil: no egress

	// idle is guarded by the engine's pool.
	idle []*idleEntry
}

// Open loads profile p into the engine: every module its config names is
// read, compiled (once per content hash across the process) and described.
// Errors name the profile and module.
func (e *Engine) Open(ctx context.Context, p *Profile) (*Tenant, error) {
	t := &Tenant{
		e: e, profile: p,
		log:     e.log.With("profile", p.Name),
		modules: map[string]*tenantModule{},
		byTool:  map[string]*tenantModule{},
	}
	base := p.Config.Limits.withDefaults(DefaultLimits())
	for _, mc := range p.Config.Modules {
		tm, err := t.load(ctx, mc, base)
		if err != nil {
			t.Close(ctx)
			return nil, fmt.Errorf("profile %q: module %q: %w", p.Name, mc.Name, err)
		}
		t.modules[mc.Name] = tm
		manifest, err := e.describe(ctx, tm.mod, tm.limits)
		if err != nil {
			t.Close(ctx)
			return nil, fmt.Errorf("profile %q: module %q: %w", p.Name, mc.Name, err)
		}
		for _, ti := range manifest.Tools {
			if other, dup := t.byTool[ti.Name]; dup {
				t.Close(ctx)
				return nil, fmt.Errorf("profile %q: tool %q is offered by both module %q and module %q", p.Name, ti.Name, other.cfg.Name, mc.Name)
			}
			t.byTool[ti.Name] = tm
			t.tools = append(t.tools, Tool{ToolInfo: ti, Module: mc.Name})
		}
	}
	if p.Config.MCPServers != nil {
		// Parsed now so that keys wasmgw does not honour are warned about
		// at load; a parse error is reported when a server is used.
		_, _ = t.mcpServers()
	}
	return t, nil
}

func (t *Tenant) load(ctx context.Context, mc ModuleConfig, base Limits) (*tenantModule, error) {
	limits := mc.Limits.withDefaults(base)
	mod, err := t.e.moduleAt(ctx, mc.Path, t.profile.Dir, limits)
	if err != nil {
		return nil, err
	}
	self, _ := json.Marshal(abi.Self{Profile: t.profile.Name, Module: mc.Name, ABI: abi.Version})
	egress, err := newEgressPolicy(mc.Egress)
	if err != nil {
		return nil, err
	}
	return &tenantModule{cfg: mc, limits: limits, mod: mod, self: self, egress: egress}, nil
}

// moduleAt returns the compiled module a config path names: builtin:NAME,
// or a path relative to dir. A file is read and hashed only when its
// identity (path, inode, size, modification time) is new to the engine, so
// thousands of profiles sharing a module cost one read and one compile. A
// file over the engine's size bound is refused before it is read, and a
// module whose declared initial memory exceeds limits before it is
// compiled (and again for each profile that loads it).
func (e *Engine) moduleAt(ctx context.Context, path, dir string, limits Limits) (*Module, error) {
	key := path
	if !strings.HasPrefix(path, builtin.Prefix) {
		full := path
		if !filepath.IsAbs(full) {
			full = filepath.Join(dir, path)
		}
		st, err := os.Stat(full)
		if err != nil {
			return nil, fmt.Errorf("read module: %w", err)
		}
		key = fmt.Sprintf("%s\x00%v\x00%d\x00%d", full, fileID(st), st.Size(), st.ModTime().UnixNano())
		path = full
	}
	e.mu.Lock()
	m := e.byFile[key].Value()
	e.mu.Unlock()
	if m != nil {
		if err := checkDeclaredMemory(m.MemoryPages, limits.Memory); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return m, nil
	}
	var wasm []byte
	var err error
	if name, ok := strings.CutPrefix(path, builtin.Prefix); ok {
		wasm, err = builtin.Module(name)
	} else {
		wasm, err = readModule(path, e.maxModule)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pages, err := scanModule(wasm)
	if err == nil {
		err = checkDeclaredMemory(pages, limits.Memory)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m, err = e.Compile(ctx, wasm); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	e.remember(key, path, m)
	return m, nil
}

// describe returns the module's manifest, asking it once per content hash,
// under limits: those of the module in the profile that loads it first, so
// a module that loops or bloats in its start or describe function holds
// the host no longer than its own timeout and memory allow. A failure is
// remembered with the limits it happened under and answered again to any
// profile whose limits are no larger; a profile with larger limits tries
// again. The describing instance is bound to no profile: it can read no
// secret.
func (e *Engine) describe(ctx context.Context, m *Module, limits Limits) (abi.Manifest, error) {
	m.describeMu.Lock()
	defer m.describeMu.Unlock()
	if m.described {
		return m.manifest, nil
	}
	if m.describeErr != nil && limits.Timeout <= m.describeLimits.Timeout && limits.Memory <= m.describeLimits.Memory {
		return abi.Manifest{}, m.describeErr
	}
	manifest, err := e.describeNow(ctx, m, limits)
	switch {
	case err == nil:
		m.manifest, m.described, m.describeErr = manifest, true, nil
	case ctx.Err() == nil:
		m.describeErr, m.describeLimits = err, limits
	}
	return manifest, err
}

func (e *Engine) describeNow(ctx context.Context, m *Module, limits Limits) (abi.Manifest, error) {
	b := &binding{e: e, profile: "", module: "describe", sha: m.SHA256, limits: limits, log: e.log.With("module_sha256", m.SHA256[:12])}
	scope := newScope("", "", nil, Globals{})
	in, err := e.newInstance(ctx, m, b, scope)
	if err != nil {
		return abi.Manifest{}, fmt.Errorf("describe: %w", err)
	}
	defer in.close(ctx)
	status, out, err := in.call(ctx, time.Time{}, scope, nil, abi.ExportDescribe, "", nil)
	if err != nil {
		return abi.Manifest{}, fmt.Errorf("describe: %w", err)
	}
	if status != abi.StatusOK {
		return abi.Manifest{}, fmt.Errorf("describe: module answered status %d: %s", status, clip(out))
	}
	var manifest abi.Manifest
	if err := json.Unmarshal(out, &manifest); err != nil {
		return abi.Manifest{}, fmt.Errorf("describe: invalid manifest: %w", err)
	}
	if manifest.ABI != abi.Version {
		return abi.Manifest{}, &abiError{Found: manifest.ABI}
	}
	if err := checkManifest(manifest); err != nil {
		return abi.Manifest{}, err
	}
	return manifest, nil
}

// checkManifest refuses tool names a user, a model or the router could
// confuse: outside [a-z0-9_.-]{1,256}, repeated, or in the namespace of MCP
// tools.
func checkManifest(m abi.Manifest) error {
	seen := make(map[string]bool, len(m.Tools))
	for i, t := range m.Tools {
		switch {
		case !abi.ValidToolName(t.Name):
			return fmt.Errorf("describe: invalid manifest: tools[%d]: name %q is not 1 to %d bytes of [a-z0-9_.-]", i, clip([]byte(t.Name)), abi.MaxNameLen)
		case strings.HasPrefix(t.Name, mcpToolPrefix):
			return fmt.Errorf("describe: invalid manifest: tools[%d]: name %q: the prefix %q is reserved for MCP tools", i, t.Name, mcpToolPrefix)
		case seen[t.Name]:
			return fmt.Errorf("describe: invalid manifest: tools[%d]: name %q declared twice", i, t.Name)
		}
		seen[t.Name] = true
	}
	return nil
}

func clip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

// Profile returns the tenant's profile.
func (t *Tenant) Profile() *Profile { return t.profile }

// Tools lists the tenant's tools in config order, then the tools of its
// connected MCP servers (mcp.SERVER.TOOL; see ConnectMCP in mcp_listing.go).
func (t *Tenant) Tools() []Tool { return append(append([]Tool(nil), t.tools...), t.mcpTools()...) }

// Close releases the tenant's idle instances.
func (t *Tenant) Close(ctx context.Context) {
	t.closeMCP(ctx) // MCP connections and children (mcp_close.go)
	t.handlerMu.Lock()
	mods := make([]*tenantModule, 0, len(t.modules)+1)
	for _, tm := range t.modules {
		mods = append(mods, tm)
	}
	if t.handler != nil && t.modules[t.handler.cfg.Name] != t.handler {
		mods = append(mods, t.handler)
	}
	t.handlerMu.Unlock()
	for _, tm := range mods {
		t.e.pool.drain(ctx, tm)
		tm.egress.close()
	}
}

// ToolError is a tool that ran and reported a failure.
type ToolError struct {
	Tool    string
	Code    string
	Message string
}

func (e *ToolError) Error() string { return fmt.Sprintf("tool %q: %s: %s", e.Tool, e.Code, e.Message) }

// ErrUnknownTool is returned (wrapped) for a tool the profile does not offer.
var ErrUnknownTool = errors.New("unknown tool")

// CallTool runs one tool with a JSON input and returns its JSON output. A
// tool failure is a *ToolError; a call the host stopped (timeout, memory,
// output limit, interrupt, trap) is a *CallError. Errors are redacted of the
// profile's values.
func (t *Tenant) CallTool(ctx context.Context, name string, input []byte) (json.RawMessage, error) {
	if !t.enter(ctx) {
		return nil, fmt.Errorf("profile %q: %w", t.profile.Name, ErrRetired)
	}
	defer t.leave(ctx)
	return t.callTool(ctx, name, input)
}

// callTool is CallTool within a call already entered (a handler's
// tool_call), reported to the engine's observer.
func (t *Tenant) callTool(ctx context.Context, name string, input []byte) (out json.RawMessage, err error) {
	// The call's one clock reading: the observer's start, the .env check,
	// the call's deadline, its audit records and the pool's idle stamp.
	start := t.e.clock.now()
	defer func() { t.observe(CallTool, start, err) }()
	tm := t.byTool[name]
	if tm == nil {
		// mcp.SERVER.TOOL: a tool of an MCP server (mcp_call.go).
		if out, handled, err := t.callMCPTool(ctx, name, input); handled {
			return out, err
		}
		return nil, fmt.Errorf("profile %q: tool %q: %w", t.profile.Name, name, ErrUnknownTool)
	}
	if len(input) == 0 {
		input = []byte("{}")
	}
	if !jsonlex.ValidBytes(input) {
		return nil, fmt.Errorf("profile %q: tool %q: input is not valid JSON", t.profile.Name, name)
	}
	scope, err := t.profile.scopeAt(start)
	if err != nil {
		return nil, err
	}
	return t.run(ctx, start, scope, tm, name, nil, abi.ExportCallTool, name, input)
}

// run calls export on an instance of tm (pooled unless fresh_per_call)
// under scope and interprets the status. start is the caller's clock
// reading (zero: none), taken as the call's start when the instance comes
// from the pool; a new instance's call starts after its instantiation.
func (t *Tenant) run(ctx context.Context, start time.Time, scope *Scope, tm *tenantModule, what string, tools toolFunc, export, name string, input []byte) (json.RawMessage, error) {
	in, err := t.acquire(ctx, tm, scope)
	if err != nil {
		return nil, fmt.Errorf("profile %q: module %q: %w", t.profile.Name, tm.cfg.Name, err)
	}
	if in.idle.owner == nil {
		start = time.Time{} // never pooled: just instantiated
	}
	status, out, err := in.call(ctx, start, scope, tools, export, name, input)
	if err != nil {
		t.discard(ctx, in)
		t.log.Warn("guest call failed; instance discarded", "module", tm.cfg.Name, "call", what, "error", err)
		return nil, fmt.Errorf("profile %q: %s: %w", t.profile.Name, what, err)
	}
	// A module may hold a granted secret; it must not hand it on. Only
	// what it could have learned is scrubbed, inside JSON strings only;
	// the same pass reports whether the output is JSON. The output is
	// copied first: the instance reuses its buffer.
	learned := in.b.learned
	out, valid := learned.OutputValid(bytes.Clone(out), redact.Anonymous)
	t.release(ctx, tm, in)
	if status != abi.StatusOK {
		var e abi.Error
		if json.Unmarshal(out, &e) != nil || e.Code == "" {
			e = abi.Error{Code: "tool_error", Message: clip(out)}
		}
		return nil, &ToolError{Tool: what, Code: learned.Text(e.Code, redact.Anonymous), Message: learned.Text(e.Message, redact.Anonymous)}
	}
	if !valid {
		return nil, fmt.Errorf("profile %q: %s: %w", t.profile.Name, what, &CallError{Kind: KindBadModule, Msg: "output is not valid JSON"})
	}
	return out, nil
}

// acquire returns an instance of tm for a call under scope: an idle one
// created under the same scope generation, else a new one. Rotation is
// immediate: when the profile's .env changed, every idle instance of the
// profile is retired before the call (an instance may hold in its memory
// any value it read), and one that slips back into the pool from a call
// still running under the old generation is retired when it is found.
func (t *Tenant) acquire(ctx context.Context, tm *tenantModule, scope *Scope) (*instance, error) {
	if gen := scope.Generation(); t.noteGeneration(gen) {
		t.retireIdle(ctx, gen)
	}
	if !tm.cfg.FreshPerCall {
		for {
			in := t.e.pool.get(tm)
			if in == nil {
				break
			}
			if in.gen == scope.Generation() {
				t.live.Add(1)
				return in, nil
			}
			in.close(ctx)
			t.e.pool.retired.Add(1)
		}
	}
	b := &binding{
		e: t.e, profile: t.profile.Name, module: tm.cfg.Name, sha: tm.mod.SHA256,
		grants: tm.cfg.Grants, limits: tm.limits, self: tm.self, egress: tm.egress,
		log: t.log.With("module", tm.cfg.Name),
	}
	in, err := t.e.newInstance(ctx, tm.mod, b, scope)
	if err == nil {
		t.e.pool.created.Add(1)
		t.live.Add(1)
	}
	return in, err
}

// discard closes an instance whose call failed: it is never reused.
func (t *Tenant) discard(ctx context.Context, in *instance) {
	t.live.Add(-1)
	in.close(ctx)
	t.e.pool.discarded.Add(1)
}

func (t *Tenant) release(ctx context.Context, tm *tenantModule, in *instance) {
	t.live.Add(-1)
	// A retired tenant's instances are bound to a config a reload
	// replaced: never pooled again.
	if tm.cfg.FreshPerCall || t.isRetired() {
		in.close(ctx)
		return
	}
	t.e.pool.put(ctx, tm, in, in.b.call.start)
}

// noteGeneration records gen as the profile's current scope generation and
// reports whether it changed.
func (t *Tenant) noteGeneration(gen string) bool {
	for {
		old := t.gen.Load()
		if old != nil && *old == gen {
			return false
		}
		g := gen // allocated only when the generation changes
		if t.gen.CompareAndSwap(old, &g) {
			return old != nil
		}
	}
}

// retireIdle closes every idle instance of the profile created under
// another generation than gen.
func (t *Tenant) retireIdle(ctx context.Context, gen string) {
	mods := t.moduleList()
	n := 0
	for _, tm := range mods {
		n += t.e.pool.retire(ctx, tm, gen)
	}
	if n > 0 {
		t.log.Info("the profile's .env changed; idle instances retired", "instances", n)
	}
}

// moduleList returns the tenant's loaded modules, each once: its tools, its
// handler and its interpolation module (either may also be a tool).
func (t *Tenant) moduleList() []*tenantModule {
	t.handlerMu.Lock()
	mods := make([]*tenantModule, 0, len(t.modules)+2)
	for _, tm := range t.modules {
		mods = append(mods, tm)
	}
	if t.handler != nil && !slices.Contains(mods, t.handler) {
		mods = append(mods, t.handler)
	}
	t.handlerMu.Unlock()
	t.mcp.interpMu.Lock()
	if t.mcp.interp != nil && !slices.Contains(mods, t.mcp.interp) {
		mods = append(mods, t.mcp.interp)
	}
	t.mcp.interpMu.Unlock()
	return mods
}
