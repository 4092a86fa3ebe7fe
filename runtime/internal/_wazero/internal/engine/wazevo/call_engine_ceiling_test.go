package wazevo

import (
	"context"
	"testing"
	"unsafe"

	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/experimental"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/internal/testing/require"
)

func TestCallEngine_growStackCeiling(t *testing.T) {
	engineWithStack := func(n int, ceiling uintptr) *callEngine {
		s := make([]byte, n)
		return &callEngine{
			stack:        s,
			stackTop:     uintptr(unsafe.Pointer(&s[n/2])) &^ 15,
			stackCeiling: ceiling,
			execCtx: executionContext{
				stackGrowRequiredSize:    160,
				stackPointerBeforeGoCall: (*uint64)(unsafe.Pointer(&s[n/2-32])),
				framePointerBeforeGoCall: uintptr(unsafe.Pointer(&s[n/2-16])),
			},
		}
	}
	t.Run("grows to the ceiling, not past it", func(t *testing.T) {
		c := engineWithStack(1024, 1500)
		_, _, err := c.growStack()
		require.NoError(t, err)
		require.Equal(t, 1500, len(c.stack))
		_, _, err = c.growStack()
		require.Error(t, err)
	})
	t.Run("no room for the frame under the ceiling", func(t *testing.T) {
		c := engineWithStack(1024, 1100)
		_, _, err := c.growStack()
		require.Error(t, err)
	})
	t.Run("no ceiling: doubles", func(t *testing.T) {
		c := engineWithStack(1024, 0)
		_, _, err := c.growStack()
		require.NoError(t, err)
		require.Equal(t, 2*1024+160+16, len(c.stack))
	})
	t.Run("read from the context", func(t *testing.T) {
		require.Equal(t, uintptr(0), callStackCeilingOf(context.Background()))
		require.Equal(t, uintptr(0), callStackCeilingOf(experimental.WithCallStackCeiling(context.Background(), -1)))
		require.Equal(t, uintptr(4096), callStackCeilingOf(experimental.WithCallStackCeiling(context.Background(), 4096)))
	})
}

func TestTableGrowAllowed(t *testing.T) {
	bg := context.Background()
	require.True(t, tableGrowAllowed(bg, 10, 0x7fffffff))
	require.True(t, tableGrowAllowed(experimental.WithTableCeiling(bg, 0), 10, 0x7fffffff))
	limited := experimental.WithTableCeiling(bg, 100)
	require.True(t, tableGrowAllowed(limited, 10, 90))
	require.False(t, tableGrowAllowed(limited, 10, 91))
	require.False(t, tableGrowAllowed(limited, 10, 0xffffffff))
}
