package runtime

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wasmgw/wasmgw/runtime/internal/_wazero"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/api"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/experimental"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/sys"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/internal/redact"
)

// binding is what an instance is bound to when it is created: one profile,
// one module identity, its grants and limits. It never changes for the
// instance's life. call holds the state of the call in progress.
type binding struct {
	e       *Engine
	profile string
	module  string
	sha     string
	grants  []string
	limits  Limits
	self    []byte
	log     *slog.Logger
	call    *callState
	// egress is the module's egress policy (nil: http_fetch is refused).
	egress *egressPolicy
	// learned holds the profile values this instance could have learned
	// over its life: those it read (secret_get) and those substituted for
	// it (http_fetch placeholders). Its output, errors, logs and audit
	// records are scrubbed of exactly these: text holding a value it never
	// saw is passed on as is, so scrubbing confirms no guess.
	learned *redact.Set
	// learnedIn records which values of the scope learnedAt are in
	// learned already (a bit per Scope.Names index), so that a value
	// read again is not added again.
	learnedAt *Scope
	learnedIn []uint64
}

// learn records that the instance could have learned the profile value
// called name.
func (b *binding) learn(name, value string) {
	if b.call.scope.redactable(name) {
		b.learned.Add(name, value)
	}
}

// learnRead is learn for a value secret_get read, sv as the call's scope
// answered it.
func (b *binding) learnRead(sv scopeValue) {
	if !sv.redactable {
		return
	}
	scope := b.call.scope
	if sv.index < 0 {
		// Not one the scope indexes (none is redactable today: globals
		// are not): added as learn adds it, rather than indexed.
		b.learned.Add(sv.name, sv.value)
		return
	}
	if b.learnedAt != scope {
		b.learnedAt = scope
		b.learnedIn = make([]uint64, (len(scope.values)+63)/64)
	}
	w, bit := sv.index>>6, uint64(1)<<(sv.index&63)
	if b.learnedIn[w]&bit == 0 {
		b.learned.Add(sv.name, sv.value)
		b.learnedIn[w] |= bit
	}
}

// toolFunc runs a tool of the same profile for a handler's tool_call; it
// returns the CallResult envelope or a negative abi error code.
type toolFunc func(ctx context.Context, name string, input []byte) ([]byte, int32)

// callState is the host-side state of one export call.
type callState struct {
	// parent is the caller's context (an interrupt cancels it) and deadline
	// the call's; context() joins them for host functions that call out.
	// The context wazero sees carries no cancellation (see instance.call).
	parent   context.Context
	deadline time.Time
	// start is the call's one clock reading: its deadline is start plus
	// the timeout, and its audit records and the instance's idle stamp
	// are taken from it (see binding.stamp).
	start          time.Time
	ctx            context.Context
	cancel         context.CancelFunc
	scope          *Scope
	tools          toolFunc
	output         []byte
	outputSet      bool
	outputTooLarge uint64
	hostCalls      uint64
	budgetSpent    bool
	hostBug        bool
	pending        []byte
	callBudgets
}

func (b *binding) reset(parent context.Context, start time.Time, scope *Scope, tools toolFunc) {
	out := b.call.output[:0]
	*b.call = callState{parent: parent, start: start, deadline: start.Add(b.limits.Timeout), scope: scope, tools: tools, output: out}
}

// stamp is the time for the call's audit records: the call's clock
// reading, unless the engine has a clock of its own (Options.Now).
func (b *binding) stamp() time.Time {
	if b.e.ownClock || b.call == nil || b.call.start.IsZero() {
		return b.e.now()
	}
	return b.call.start
}

// context returns the call's context: the caller's, bounded by the call's
// deadline, made on first use so that calls that never call out pay nothing
// for it. Host functions that block (tool_call, http_fetch) must use it.
func (c *callState) context() context.Context {
	if c.ctx == nil {
		c.ctx, c.cancel = context.WithDeadline(c.parent, c.deadline)
	}
	return c.ctx
}

// end releases the call's context.
func (c *callState) end() {
	if c.cancel != nil {
		c.cancel()
	}
	c.parent, c.ctx, c.cancel, c.scope, c.tools = nil, nil, nil, nil, nil
}

func (b *binding) auditSecret(name string, outcome Outcome) {
	// The name is guest-supplied: a guest must not be able to smuggle a
	// value into the audit trail by asking for it by name.
	if outcome == OutcomeInvalid && !abi.ValidSecretName(name) {
		name = "<invalid>"
	}
	b.audit(func() AuditRecord {
		return AuditRecord{
			Time: b.stamp().UTC(), Profile: b.profile, Module: b.module, ModuleSHA256: b.sha,
			Name: clipAuditField(b.learned.Text(name, redact.Named)), Outcome: outcome,
		}
	})
}

// instance is one guest instance bound to one profile. It serves one call at
// a time and is discarded after any error.
type instance struct {
	m       *Module
	mod     api.Module
	b       *binding
	mem     *memoryAllocator
	streams [2]*streamWriter
	fns     map[string]api.Function
	// callCtx is what wazero sees for every call: the binding, and no Done
	// channel, so that no watcher goroutine is started per call (patch
	// 0001 of the wazero copy). The instance stops a call itself (stop),
	// which the compiled termination checks then honour.
	callCtx context.Context
	// timer, armed and deadline stop a call at its deadline, born is
	// what deadlines are measured from (watchdog.go).
	timer    *time.Timer
	armed    atomic.Bool
	deadline atomic.Int64
	born     time.Time
	// scratch is the range the last wasmgw_alloc returned; the host reuses
	// it for the inputs of later calls while they fit.
	scratch, scratchCap uint32
	// state is the running call's number and whether it is idle, running
	// or stopped (watchdog.go); stop and the end of a call race for it,
	// so a stopped instance is never returned to the pool. seq numbers
	// the calls (touched only by the call's goroutine).
	state atomic.Uint64
	seq   uint64
	// stopped records why a call was stopped.
	stopped atomic.Int32
	// params holds the parameters of a call (pass), idle the instance's
	// place in the pool: neither is allocated per call.
	params [8]uint64
	idle   idleEntry
	// gen is the generation of the profile's scope the instance was
	// created under: what it read of the scope (at _initialize or in any
	// call) may be kept in its memory, so it serves no call of another
	// generation (see Tenant.acquire).
	gen string
}

// Stop reasons.
const (
	stopTimeout     int32 = 1
	stopInterrupted int32 = 2
)

// exitStopped is the exit code of a module the host stopped.
const exitStopped = 0xdead

// newInstance creates an instance of m bound to b, running the module's
// _initialize with scope as the call state (so init-time reads are checked
// and audited like any other).
func (e *Engine) newInstance(ctx context.Context, m *Module, b *binding, scope *Scope) (*instance, error) {
	in := &instance{m: m, b: b, mem: &memoryAllocator{limit: b.limits.Memory, image: m.image}, fns: map[string]api.Function{}, gen: scope.Generation()}
	in.newWatchdog()
	if b.learned == nil {
		b.learned = &redact.Set{}
	}
	b.call = &callState{}
	b.reset(ctx, time.Now(), scope, nil)
	in.streams = [2]*streamWriter{{b: b, stream: "stdout"}, {b: b, stream: "stderr"}}
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions("_initialize").
		WithStdout(in.streams[0]).
		WithStderr(in.streams[1]).
		WithSysWalltime().
		WithSysNanotime().
		WithRandSource(rand.Reader)
	cctx, cancel := context.WithTimeout(withBinding(guestBounds(ctx), b), b.limits.Timeout)
	defer cancel()
	cctx = experimental.WithMemoryAllocator(cctx, in.mem)
	mod, err := e.instantiate(cctx, m, cfg, b)
	in.leave()
	in.flush()
	b.finishCall()
	if err != nil {
		in.timer.Stop()
		return nil, in.classify(ctx, "instantiate", err)
	}
	in.mod = mod
	// The binding is the outermost value: host functions look it up on
	// every call, the bounds only when a stack or a table must grow.
	in.callCtx = withBinding(guestBounds(context.Background()), b)
	for _, name := range calledExports() {
		if f := mod.ExportedFunction(name); f != nil {
			in.fns[name] = f
		}
	}
	return in, nil
}

// instantiate is wazero's InstantiateModule with a panic contained to this
// one instance.
func (e *Engine) instantiate(ctx context.Context, m *Module, cfg wazero.ModuleConfig, b *binding) (mod api.Module, err error) {
	defer containPanic(b.log, b.redact, "instantiate", &err)
	return e.rt.InstantiateModule(ctx, m.compiled, cfg)
}

// redact cleans s of the values of the call's scope, if there is one.
func (b *binding) redact(s string) string {
	if b.call != nil && b.call.scope != nil {
		return b.call.scope.Redact(s)
	}
	return s
}

// enter and leave bracket every call into the instance (see mmapMemory).
func (in *instance) enter() {
	if m := in.mem.mem; m != nil {
		m.enter()
	}
}

func (in *instance) leave() {
	if m := in.mem.mem; m != nil {
		m.leave()
	}
}

// memoryBytes is the linear memory the instance has committed.
func (in *instance) memoryBytes() uint64 {
	if in.mem.mem == nil {
		return 0
	}
	return in.mem.mem.committed
}

func (in *instance) flush() {
	for _, s := range in.streams {
		s.flush()
	}
}

func (in *instance) close(ctx context.Context) {
	in.timer.Stop() // a timer left armed would keep the instance alive
	if in.mod != nil {
		_ = in.mod.Close(ctx)
	}
}

// call runs export with its arguments passed through the allocation
// protocol (see pass) and returns the guest's status and output. start is
// the call's clock reading (zero: read it here). Any error leaves the
// instance unusable: the caller must close it.
func (in *instance) call(ctx context.Context, start time.Time, scope *Scope, tools toolFunc, export, name string, input []byte) (int32, []byte, error) {
	fn := in.fns[export]
	if fn == nil {
		return 0, nil, &CallError{Kind: KindBadModule, Msg: "module does not export " + export}
	}
	if err := ctx.Err(); err != nil {
		return 0, nil, &CallError{Kind: KindInterrupted, Msg: fmt.Sprintf("%s not started: %v", export, context.Cause(ctx))}
	}
	if start.IsZero() {
		start = in.b.e.clock.now()
	}
	in.b.reset(ctx, start, scope, tools)
	defer in.b.call.end()

	// Stop the guest from outside when the deadline passes (the
	// instance's watchdog) or the caller cancels (a context callback).
	in.enter()
	defer in.leave()
	tok := in.begin(start)
	unregister := func() bool { return false }
	if ctx.Done() != nil {
		unregister = context.AfterFunc(ctx, func() { in.stop(tok, stopInterrupted) })
	}
	res, err := in.invoke(fn, export, name, input)
	unregister()
	if !in.end(tok) && err == nil {
		// Stopped just as the call returned: the module is closing.
		err = errors.New("stopped")
	}
	if err == nil && ctx.Err() != nil {
		// Cancelled while running, and the guest returned before the stop
		// reached it: what its host calls answered may be the
		// cancellation's doing (a fetch cut short), so the call counts as
		// interrupted, as it would have a moment later.
		err = errors.New("cancelled")
	}
	in.flush()
	in.b.finishCall()
	c := in.b.call
	switch {
	case err != nil:
		return 0, nil, in.classify(ctx, export, err)
	case c.hostBug:
		return 0, nil, &CallError{Kind: KindHostBug, Msg: export + " failed: a host function hit an internal error (logged as a bug)"}
	case c.outputTooLarge > 0:
		return 0, nil, &CallError{Kind: KindOutputTooLarge, Msg: fmt.Sprintf("output of %d bytes exceeds the module's limit of %d", c.outputTooLarge, in.b.limits.MaxOutput)}
	case c.budgetSpent:
		return 0, nil, &CallError{Kind: KindBudget, Msg: fmt.Sprintf("more than %d host calls in one call", in.b.limits.MaxHostCalls)}
	case !c.outputSet:
		return 0, nil, &CallError{Kind: KindBadModule, Msg: export + " returned without setting an output"}
	}
	return api.DecodeI32(res[0]), c.output, nil
}

// invoke passes the arguments and calls fn, with a panic on the way
// contained to this call. The parameters and the result share the
// instance's stack (no allocation per call); checkModule made sure of the
// export's signature.
func (in *instance) invoke(fn api.Function, export, name string, input []byte) (res []uint64, err error) {
	defer containCallPanic(in.b, &err)
	params, err := in.pass(export, name, input)
	if err != nil {
		return nil, err
	}
	stack := in.params[:max(len(params), 1)]
	if err := fn.CallWithStack(in.callCtx, stack); err != nil {
		return nil, err
	}
	return stack[:1], nil
}

// pass copies the arguments export takes into the instance's scratch range
// and returns the (pointer, length) parameters: none for describe, the
// tool's name and input for call_tool, the input for the others. The
// scratch range comes from wasmgw_alloc and is reused while the inputs
// fit, so most calls make no extra call into the guest.
func (in *instance) pass(export, name string, input []byte) ([]uint64, error) {
	var params []uint64
	switch export {
	case abi.ExportDescribe:
		params = in.params[:0]
	case abi.ExportCallTool:
		params = in.params[:4]
	default:
		params = in.params[:2]
	}
	clear(params)
	total := uint64(len(name)) + uint64(len(input))
	if total == 0 {
		return params, nil
	}
	mem := in.mod.Memory()
	if total > uint64(in.scratchCap) {
		if total > in.b.limits.Memory {
			return nil, &CallError{Kind: KindOutOfMemory, Msg: fmt.Sprintf("input of %d bytes does not fit in the module's memory limit", total)}
		}
		size := max(total, 4096)
		stack := in.params[len(in.params)-1:] // past any call's parameters
		stack[0] = size
		if err := in.fns[abi.ExportAlloc].CallWithStack(in.callCtx, stack); err != nil {
			return nil, err
		}
		base := api.DecodeU32(stack[0])
		if base == 0 || uint64(base)+size > uint64(mem.Size()) {
			return nil, &CallError{Kind: KindBadModule, Msg: fmt.Sprintf("%s(%d) returned an unusable range", abi.ExportAlloc, size)}
		}
		in.scratch, in.scratchCap = base, uint32(size)
	}
	off := in.scratch
	if len(name) > 0 {
		if !mem.WriteString(off, name) {
			return nil, &CallError{Kind: KindBadModule, Msg: "the scratch range left memory"}
		}
		params[0], params[1] = uint64(off), uint64(len(name))
		off += uint32(len(name))
	}
	if len(input) > 0 {
		if !mem.Write(off, input) {
			return nil, &CallError{Kind: KindBadModule, Msg: "the scratch range left memory"}
		}
		i := len(params) - 2
		params[i], params[i+1] = uint64(off), uint64(len(input))
	}
	return params, nil
}

// ErrorKind classifies a failed call.
type ErrorKind string

// Kinds of CallError.
const (
	KindTimeout        ErrorKind = "timeout"
	KindInterrupted    ErrorKind = "interrupted"
	KindOutOfMemory    ErrorKind = "out_of_memory"
	KindOutputTooLarge ErrorKind = "output_too_large"
	KindBudget         ErrorKind = "host_call_budget"
	KindTrap           ErrorKind = "trap"
	KindExit           ErrorKind = "exit"
	KindBadModule      ErrorKind = "bad_module"
)

// CallError is a call the host stopped or the guest broke. Its message is
// scrubbed of the values the instance could have learned.
type CallError struct {
	Kind ErrorKind
	Msg  string
}

func (e *CallError) Error() string { return string(e.Kind) + ": " + e.Msg }

// classify turns a wazero error into a CallError. parent is the caller's
// context.
func (in *instance) classify(parent context.Context, what string, err error) error {
	var ce *CallError
	if errors.As(err, &ce) {
		return ce
	}
	scrub := func(s string) string { return in.b.learned.Text(s, redact.Anonymous) }
	switch {
	case in.stopped.Load() == stopInterrupted || parent.Err() != nil:
		return &CallError{Kind: KindInterrupted, Msg: fmt.Sprintf("%s stopped: %v", what, context.Cause(parent))}
	case in.stopped.Load() == stopTimeout || errors.Is(err, context.DeadlineExceeded):
		return &CallError{Kind: KindTimeout, Msg: fmt.Sprintf("%s ran past its timeout of %s and was stopped", what, in.b.limits.Timeout)}
	case in.mem.refused.Load():
		return &CallError{Kind: KindOutOfMemory, Msg: fmt.Sprintf("%s ran out of memory: the module's limit is %d MiB", what, in.b.limits.Memory>>20)}
	}
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return &CallError{Kind: KindExit, Msg: fmt.Sprintf("%s: the guest exited with code %d", what, exit.ExitCode())}
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i > 0 {
		msg = msg[:i] // the first line; the stack trace goes to the debug log
	}
	in.b.log.Debug("guest trap", "export", what, "error", in.b.learned.Text(err.Error(), redact.Named))
	return &CallError{Kind: KindTrap, Msg: scrub(fmt.Sprintf("%s trapped: %s", what, msg))}
}

// guestBounds is ctx with the bounds on what a guest's code makes the
// engine allocate outside its linear memory: its call stack and its
// tables' growth (MaxCallStack, MaxTableElements).
func guestBounds(ctx context.Context) context.Context {
	return experimental.WithTableCeiling(experimental.WithCallStackCeiling(ctx, MaxCallStack), MaxTableElements)
}
