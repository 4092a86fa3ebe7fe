package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/api"

	"github.com/wasmgw/wasmgw/abi"
)

// KindHostBug is a call that failed because the host itself panicked on
// the way into or out of wazero: a bug in wasmgw or wazero, contained to
// that one call (or that one profile's load) and logged as a bug.
const KindHostBug ErrorKind = "host_bug"

// containPanic, deferred at the host's boundary with wazero (compiling,
// instantiating, calling an export, running a host function), turns a
// panic into a *CallError of kind host_bug in *err and logs it at error
// level with its stack. redact (nil: none) cleans the panic's text of the
// profile's values; the stack holds addresses and frames, never values.
func containPanic(log *slog.Logger, redact func(string) string, what string, err *error) {
	r := recover()
	if r == nil {
		return
	}
	msg := fmt.Sprint(r)
	if redact != nil {
		msg = redact(msg)
	}
	log.Error("bug: the host panicked; the failure is contained to this call, please report it",
		"op", what, "panic", msg, "stack", string(debug.Stack()))
	if err != nil {
		*err = &CallError{Kind: KindHostBug, Msg: what + " failed: internal error in the host (logged as a bug)"}
	}
}

// recoverBug is containPanic for engine-level work with no profile.
func (e *Engine) recoverBug(what string, err *error) {
	if r := recover(); r != nil {
		e.log.Error("bug: the host panicked; the failure is contained to this module, please report it",
			"op", what, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		*err = &CallError{Kind: KindHostBug, Msg: what + " failed: internal error in the host (logged as a bug)"}
	}
}

// containCallPanic is containPanic for a call into an instance; it
// allocates nothing unless there is a panic.
func containCallPanic(b *binding, err *error) {
	r := recover()
	if r == nil {
		return
	}
	b.log.Error("bug: the host panicked; the failure is contained to this call, please report it",
		"op", "call", "panic", b.redact(fmt.Sprint(r)), "stack", string(debug.Stack()))
	*err = &CallError{Kind: KindHostBug, Msg: "call failed: internal error in the host (logged as a bug)"}
}

// containHostPanic is deferred by every host function: a panic in one
// fails the call it serves (see callState.hostBug), answers the guest
// abi.ErrUnavailable meanwhile, and is logged as a bug.
func containHostPanic(ctx context.Context, name string, results int, stack []uint64) {
	r := recover()
	if r == nil {
		return
	}
	if results > 0 {
		stack[0] = api.EncodeI32(abi.ErrUnavailable)
	}
	b, _ := ctx.Value(bindingKey{}).(*binding)
	if b == nil {
		return
	}
	if b.call != nil {
		b.call.hostBug = true
	}
	b.log.Error("bug: a host function panicked; the failure is contained to this call, please report it",
		"function", name, "panic", b.redact(fmt.Sprint(r)), "stack", string(debug.Stack()))
}
