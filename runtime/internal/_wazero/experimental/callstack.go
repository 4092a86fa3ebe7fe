package experimental

import (
	"context"

	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/internal/expctxkeys"
)

// WithCallStackCeiling bounds the stack of a call made with the returned
// context (the compiler's native stack of WebAssembly frames, a Go
// allocation of the host) to about ceiling bytes: a call that needs more
// fails with a stack overflow. Without it the compiler lets a stack grow
// to about 100 MB, doubling and copying it on the way, so a guest that
// recurses without end makes its host allocate and copy hundreds of
// megabytes. A value of zero or less keeps that default.
//
// The context is read only when a stack must grow, so passing it on every
// call costs nothing until then.
func WithCallStackCeiling(ctx context.Context, ceiling int) context.Context {
	return context.WithValue(ctx, expctxkeys.CallStackCeiling{}, ceiling)
}
