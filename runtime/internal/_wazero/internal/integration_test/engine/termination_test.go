package adhoc

import (
	"context"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime/internal/_wazero"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/api"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/experimental"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/internal/platform"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/internal/testing/binaryencoding"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/internal/testing/require"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/internal/wasm"
)

// TestEngineCompiler_terminationWithoutLoops: with WithCloseOnContextDone,
// code that never loops yet never ends is stopped at its deadline too,
// because function entries are checked as well as loop headers: a call tree
// (each function calls the next twice, 2^60 calls) and a return_call chain
// that calls itself forever.
func TestEngineCompiler_terminationWithoutLoops(t *testing.T) {
	if !platform.CompilerSupported() {
		t.Skip()
	}
	v := wasm.FunctionType{}
	const depth = 60
	tree := &wasm.Module{TypeSection: []wasm.FunctionType{v}, ExportSection: []wasm.Export{{Name: "f", Type: wasm.ExternTypeFunc, Index: 0}}}
	for i := 0; i <= depth; i++ {
		tree.FunctionSection = append(tree.FunctionSection, 0)
		body := []byte{wasm.OpcodeEnd}
		if i < depth {
			body = []byte{wasm.OpcodeCall, byte(i + 1), wasm.OpcodeCall, byte(i + 1), wasm.OpcodeEnd}
		}
		tree.CodeSection = append(tree.CodeSection, wasm.Code{Body: body})
	}
	tail := &wasm.Module{
		TypeSection:     []wasm.FunctionType{v},
		FunctionSection: []wasm.Index{0},
		CodeSection:     []wasm.Code{{Body: []byte{wasm.OpcodeTailCallReturnCall, 0, wasm.OpcodeEnd}}},
		ExportSection:   []wasm.Export{{Name: "f", Type: wasm.ExternTypeFunc, Index: 0}},
	}
	for _, tc := range []struct {
		name string
		m    *wasm.Module
	}{{"call tree", tree}, {"return_call", tail}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().
				WithCloseOnContextDone(true).
				WithCoreFeatures(api.CoreFeaturesV2|experimental.CoreFeaturesTailCall))
			defer r.Close(ctx)
			mod, err := r.Instantiate(ctx, binaryencoding.EncodeModule(tc.m))
			require.NoError(t, err)
			timeout, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			_, err = mod.ExportedFunction("f").Call(timeout)
			require.EqualError(t, err, "module closed with context deadline exceeded")
		})
	}
}
