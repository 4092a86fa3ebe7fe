package experimental

import (
	"context"

	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/internal/expctxkeys"
)

// WithTableCeiling bounds the tables that the table.grow instruction of a
// call made with the returned context may grow, to ceiling elements: past
// it the instruction fails (returns -1), as it does for a table at its
// declared maximum. Each element is a word of the host's memory, and a
// table declared without a maximum may otherwise grow to 2^32 elements (32
// GB), which kills a Go host ("out of memory" is not a panic). A value of
// zero or less sets no ceiling.
//
// The context is read only when table.grow runs.
func WithTableCeiling(ctx context.Context, ceiling int) context.Context {
	return context.WithValue(ctx, expctxkeys.TableCeiling{}, ceiling)
}
