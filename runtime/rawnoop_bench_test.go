package runtime_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/internal/_wazero"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/api"

	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// BenchmarkRawNoop is BenchmarkHostPath/noop on raw wazero (termination
// checks on, the same compiler): the same module, a minimal host module
// (output copies into a buffer, nothing else), the input written into the
// scratch range, one call, the output copied out. wasmgw's no-op call
// divided by this is what wasmgw's bookkeeping costs on top of wazero.
func BenchmarkRawNoop(b *testing.B) {
	wasm, err := os.ReadFile(filepath.Join(runtimetest.RepoRoot(b), "testdata", "bench", "hostcalls.wasm"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCloseOnContextDone(true))
	b.Cleanup(func() { _ = rt.Close(ctx) })
	var out []byte
	i32 := api.ValueTypeI32
	_, err = rt.NewHostModuleBuilder("wasmgw").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, m api.Module, stack []uint64) {
		buf, ok := m.Memory().Read(api.DecodeU32(stack[0]), api.DecodeU32(stack[1]))
		if !ok {
			stack[0] = api.EncodeI32(-1)
			return
		}
		out = append(out[:0], buf...)
		stack[0] = 0
	}), []api.ValueType{i32, i32}, []api.ValueType{i32}).Export("output").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, _ api.Module, stack []uint64) {
		stack[0] = 0
	}), []api.ValueType{i32, i32}, []api.ValueType{i32}).Export("self").
		Instantiate(ctx)
	if err != nil {
		b.Fatal(err)
	}
	mod, err := rt.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		b.Fatal(err)
	}
	fn := mod.ExportedFunction("wasmgw_call_tool")
	name, input := []byte("noop"), []byte("{}")
	const scratch = 4096
	b.ReportAllocs()
	for b.Loop() {
		mem := mod.Memory()
		mem.Write(scratch, name)
		mem.Write(scratch+uint32(len(name)), input)
		res, err := fn.Call(ctx, scratch, uint64(len(name)), scratch+uint64(len(name)), uint64(len(input)))
		if err != nil || res[0] != 0 {
			b.Fatal(res, err)
		}
		_ = append([]byte(nil), out...)
	}
}
