package runtime

// This file is the only place where the host reads or writes guest memory
// on a guest's request. Every (pointer, length) pair is checked against the
// memory's size before use; a bad range is answered with abi.ErrFault and
// never traps the host. Every function finds its binding (the profile scope
// and module identity the instance was created with) through the call's
// context, which only the host sets; without one it answers
// abi.ErrUnavailable (fail closed).

import (
	"context"
	"log/slog"
	"unicode/utf8"

	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/api"

	"github.com/wasmgw/wasmgw/abi"
)

type bindingKey struct{}

// withBinding returns ctx carrying b for the host functions.
func withBinding(ctx context.Context, b *binding) context.Context {
	return context.WithValue(ctx, bindingKey{}, b)
}

// callBinding returns the binding of the running call and counts one host
// call against its budget; nil when there is none or the budget is spent.
func callBinding(ctx context.Context, stack []uint64) *binding {
	b, _ := ctx.Value(bindingKey{}).(*binding)
	if b == nil || b.call == nil {
		stack[0] = api.EncodeI32(abi.ErrUnavailable)
		return nil
	}
	b.call.hostCalls++
	if b.call.hostCalls > b.limits.MaxHostCalls {
		b.call.budgetSpent = true
		stack[0] = api.EncodeI32(abi.ErrBudget)
		return nil
	}
	return b
}

// guestRange returns the guest bytes at (ptr, n), or nil and false when the
// range lies outside memory. A zero length is always valid.
func guestRange(mem api.Memory, ptr, n uint32) ([]byte, bool) {
	if n == 0 {
		return []byte{}, true
	}
	if mem == nil || uint64(ptr)+uint64(n) > uint64(mem.Size()) {
		return nil, false
	}
	return mem.Read(ptr, n)
}

// writeSized implements the size convention of secret_get and friends:
// write val at (ptr, cap) if it fits, return its size either way.
func writeSized[T ~string | ~[]byte](mem api.Memory, ptr, capacity uint32, val T) int32 {
	buf, ok := guestRange(mem, ptr, capacity)
	if !ok {
		return abi.ErrFault
	}
	if len(val) > int(capacity) {
		return int32(len(val))
	}
	copy(buf, val)
	return int32(len(val))
}

func (e *Engine) instantiateHostModule(ctx context.Context) error {
	i32 := api.ValueTypeI32
	b := e.rt.NewHostModuleBuilder(abi.HostModule)
	fn := func(name string, f api.GoModuleFunc) {
		params, results, _ := abi.HostFunctionSignature(name)
		p, r := make([]api.ValueType, params), make([]api.ValueType, results)
		for i := range p {
			p[i] = i32
		}
		for i := range r {
			r[i] = i32
		}
		guarded := api.GoModuleFunc(func(ctx context.Context, mod api.Module, stack []uint64) {
			defer containHostPanic(ctx, name, results, stack)
			f(ctx, mod, stack)
		})
		b.NewFunctionBuilder().WithGoModuleFunction(guarded, p, r).WithName(name).Export(name)
	}
	fn(abi.FuncSecretGet, hostSecretGet)
	fn(abi.FuncLog, hostLog)
	fn(abi.FuncOutput, hostOutput)
	fn(abi.FuncSelf, hostSelf)
	fn(abi.FuncToolCall, hostToolCall)
	fn(abi.FuncResultRead, hostResultRead)
	fn(abi.FuncHTTPFetch, hostHTTPFetch)
	_, err := b.Instantiate(ctx)
	return err
}

// secret_get(name_ptr, name_len, buf_ptr, buf_cap) -> i32
func hostSecretGet(ctx context.Context, mod api.Module, stack []uint64) {
	b := callBinding(ctx, stack)
	if b == nil {
		return
	}
	namePtr, nameLen := api.DecodeU32(stack[0]), api.DecodeU32(stack[1])
	bufPtr, bufCap := api.DecodeU32(stack[2]), api.DecodeU32(stack[3])
	mem := mod.Memory()
	if nameLen > abi.MaxNameLen {
		b.auditSecret("", OutcomeInvalid)
		stack[0] = api.EncodeI32(abi.ErrInvalid)
		return
	}
	raw, ok := guestRange(mem, namePtr, nameLen)
	if !ok {
		b.auditSecret("", OutcomeInvalid)
		stack[0] = api.EncodeI32(abi.ErrFault)
		return
	}
	if _, ok := guestRange(mem, bufPtr, bufCap); !ok {
		b.auditSecret(string(raw), OutcomeInvalid)
		stack[0] = api.EncodeI32(abi.ErrFault)
		return
	}
	// The name is read in place and not kept: the scope answers with a
	// name of its own (the guest may change its memory later).
	sv, outcome := b.call.scope.lookupBytes(raw, b.grants)
	b.auditSecret(sv.name, outcome)
	switch outcome {
	case OutcomeGranted:
		b.learnRead(sv)
		stack[0] = api.EncodeI32(writeSized(mem, bufPtr, bufCap, sv.value))
	case OutcomeNotFound:
		stack[0] = api.EncodeI32(abi.ErrNotFound)
	case OutcomeDenied:
		stack[0] = api.EncodeI32(abi.ErrDenied)
	default:
		stack[0] = api.EncodeI32(abi.ErrInvalid)
	}
}

// log(level, msg_ptr, msg_len, attrs_ptr, attrs_len) -> i32
func hostLog(ctx context.Context, mod api.Module, stack []uint64) {
	b := callBinding(ctx, stack)
	if b == nil {
		return
	}
	level := api.DecodeI32(stack[0])
	msg, ok1 := guestRange(mod.Memory(), api.DecodeU32(stack[1]), api.DecodeU32(stack[2]))
	attrs, ok2 := guestRange(mod.Memory(), api.DecodeU32(stack[3]), api.DecodeU32(stack[4]))
	switch {
	case !ok1 || !ok2:
		stack[0] = api.EncodeI32(abi.ErrFault)
		return
	case level != abi.LevelDebug && level != abi.LevelInfo && level != abi.LevelWarn && level != abi.LevelError:
		stack[0] = api.EncodeI32(abi.ErrInvalid)
		return
	}
	stack[0] = api.EncodeI32(b.guestLogCall(slog.Level(level), msg, attrs))
}

// output(ptr, len) -> i32
func hostOutput(ctx context.Context, mod api.Module, stack []uint64) {
	b := callBinding(ctx, stack)
	if b == nil {
		return
	}
	ptr, n := api.DecodeU32(stack[0]), api.DecodeU32(stack[1])
	if uint64(n) > b.limits.MaxOutput {
		b.call.outputTooLarge = uint64(n)
		stack[0] = api.EncodeI32(abi.ErrTooLarge)
		return
	}
	out, ok := guestRange(mod.Memory(), ptr, n)
	if !ok {
		stack[0] = api.EncodeI32(abi.ErrFault)
		return
	}
	b.call.output = append(b.call.output[:0], out...)
	b.call.outputSet = true
	stack[0] = 0
}

// self(buf_ptr, buf_cap) -> i32
func hostSelf(ctx context.Context, mod api.Module, stack []uint64) {
	b := callBinding(ctx, stack)
	if b == nil {
		return
	}
	stack[0] = api.EncodeI32(writeSized(mod.Memory(), api.DecodeU32(stack[0]), api.DecodeU32(stack[1]), b.self))
}

// tool_call(name_ptr, name_len, in_ptr, in_len, buf_ptr, buf_cap) -> i32
func hostToolCall(ctx context.Context, mod api.Module, stack []uint64) {
	b := callBinding(ctx, stack)
	if b == nil {
		return
	}
	mem := mod.Memory()
	nameLen := api.DecodeU32(stack[1])
	name, ok1 := guestRange(mem, api.DecodeU32(stack[0]), nameLen)
	in, ok2 := guestRange(mem, api.DecodeU32(stack[2]), api.DecodeU32(stack[3]))
	bufPtr, bufCap := api.DecodeU32(stack[4]), api.DecodeU32(stack[5])
	_, ok3 := guestRange(mem, bufPtr, bufCap)
	switch {
	case !ok1 || !ok2 || !ok3:
		stack[0] = api.EncodeI32(abi.ErrFault)
		return
	case nameLen > abi.MaxNameLen || !utf8.Valid(name):
		stack[0] = api.EncodeI32(abi.ErrInvalid)
		return
	case uint64(len(in)) > b.limits.MaxOutput:
		// The host copies the input: it is bounded like the caller's own
		// output, not by the caller's memory.
		stack[0] = api.EncodeI32(abi.ErrTooLarge)
		return
	case b.call.tools == nil:
		stack[0] = api.EncodeI32(abi.ErrUnavailable)
		return
	}
	// Copy before calling out: the nested call must not see guest memory.
	result, code := b.call.tools(b.call.context(), string(name), append([]byte(nil), in...))
	if code < 0 {
		stack[0] = api.EncodeI32(code)
		return
	}
	n := writeSized(mem, bufPtr, bufCap, result)
	if n > int32(bufCap) {
		b.call.pending = result
	}
	stack[0] = api.EncodeI32(n)
}

// http_fetch(req_ptr, req_len, buf_ptr, buf_cap) -> i32
//
// The request is copied out of guest memory before anything else; the
// request itself (policy, substitution, transport, scrubbing) is in
// egress.go and never sees guest memory. Only the scrubbed response
// envelope, or an error envelope kept for result_read, comes back.
func hostHTTPFetch(ctx context.Context, mod api.Module, stack []uint64) {
	b := callBinding(ctx, stack)
	if b == nil {
		return
	}
	b.call.pending = nil
	mem := mod.Memory()
	req, ok1 := guestRange(mem, api.DecodeU32(stack[0]), api.DecodeU32(stack[1]))
	bufPtr, bufCap := api.DecodeU32(stack[2]), api.DecodeU32(stack[3])
	_, ok2 := guestRange(mem, bufPtr, bufCap)
	if !ok1 || !ok2 {
		stack[0] = api.EncodeI32(abi.ErrFault)
		return
	}
	result, code := b.fetch(b.call.context(), append([]byte(nil), req...))
	if code < 0 {
		b.call.pending = result // the abi.Error envelope explaining the code
		stack[0] = api.EncodeI32(code)
		return
	}
	n := writeSized(mem, bufPtr, bufCap, result)
	if n > int32(bufCap) {
		b.call.pending = result
	}
	stack[0] = api.EncodeI32(n)
}

// result_read(buf_ptr, buf_cap) -> i32
func hostResultRead(ctx context.Context, mod api.Module, stack []uint64) {
	b := callBinding(ctx, stack)
	if b == nil {
		return
	}
	if b.call.pending == nil {
		stack[0] = api.EncodeI32(abi.ErrNotFound)
		return
	}
	n := writeSized(mod.Memory(), api.DecodeU32(stack[0]), api.DecodeU32(stack[1]), b.call.pending)
	if n >= 0 && n <= int32(api.DecodeU32(stack[1])) {
		b.call.pending = nil
	}
	stack[0] = api.EncodeI32(n)
}
