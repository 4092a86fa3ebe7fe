package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/internal/_wazero"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/api"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/imports/wasi_snapshot_preview1"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/builtin"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// BenchmarkSideBySide runs four workloads through wasmgw and on raw
// wazero (termination checks on, the same compiler, the same module), so
// that wasmgw ÷ raw is what wasmgw's bookkeeping costs: pooling, deadlines,
// budgets, audit records, redaction, validation. The raw host is the least
// a host could do: output copies into a buffer, secret_get looks a map up,
// every other host function answers "unavailable"; the input is written
// into a scratch range and the output copied out, as wasmgw does, and the
// export is called with a reused stack (CallWithStack), as wasmgw does.
//
//   - noop: testdata/bench/hostcalls.wasm's noop tool (a tool call);
//   - lookups20: builtin:interpolate on an entry of 20 references and
//     little else (20 secret lookups, the result validated by wasmgw);
//   - interp2k5: builtin:interpolate on BenchmarkInterpolate's 2.5 KB entry;
//   - echo: builtin:handler on "hello there" (one inbound message; wasmgw
//     also writes the request and reads the reply).
func BenchmarkSideBySide(b *testing.B) {
	ctx := context.Background()
	bigEntry, env := benchEntry()
	var sb strings.Builder
	sb.WriteString(`{"command":"srv","env":{`)
	for i := range 20 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `"S%02d":"${VAR_%02d}"`, i, i)
	}
	sb.WriteString(`}}`)
	smallEntry := []byte(sb.String())
	hostcalls := filepath.Join(runtimetest.RepoRoot(b), "testdata", "bench", "hostcalls.wasm")
	home := runtimetest.Home(b, map[string]runtimetest.Profile{"p": {
		Env:    env,
		Config: "wasmgw:\n  modules:\n    h: " + hostcalls + "\n    w: builtin:whoami\n",
	}})
	vars, err := runtime.ReadDotenv(filepath.Join(home, "profiles", "p", ".env"))
	if err != nil || len(vars) != 20 {
		// Without them every raw lookup would be a miss: the raw guest
		// would take its (costlier) unset path, not wasmgw's.
		b.Fatalf("the profile's .env: %d variables, %v", len(vars), err)
	}
	ten, err := runtimetest.Engine(b, nil, nil).Open(ctx, runtimetest.OpenProfile(b, home, "p"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ten.Close(ctx) })
	handleReq := abi.HandleRequest{Profile: "p", SessionKey: "bench:dm:1", Text: "hello there"}
	for _, tool := range ten.Tools() {
		handleReq.Tools = append(handleReq.Tools, tool.ToolInfo)
	}
	handleIn, _ := json.Marshal(handleReq)
	interpIn := func(entry []byte) []byte {
		in, _ := json.Marshal(abi.InterpolateRequest{Server: "s", Entry: entry})
		return in
	}
	hostcallsWasm, err := os.ReadFile(hostcalls)
	if err != nil {
		b.Fatal(err)
	}
	interpWasm, err := builtin.Module("interpolate")
	if err != nil {
		b.Fatal(err)
	}
	handlerWasm, err := builtin.Module("handler")
	if err != nil {
		b.Fatal(err)
	}
	for _, w := range []struct {
		name   string
		wasmgw func() error
		wasm   []byte
		export string
		args   [][]byte
	}{
		{"noop", func() error { _, err := ten.CallTool(ctx, "noop", []byte("{}")); return err },
			hostcallsWasm, abi.ExportCallTool, [][]byte{[]byte("noop"), []byte("{}")}},
		{"lookups20", func() error { _, err := ten.Interpolate(ctx, "s", smallEntry); return err },
			interpWasm, abi.ExportInterpolate, [][]byte{interpIn(smallEntry)}},
		{"interp2k5", func() error { _, err := ten.Interpolate(ctx, "s", bigEntry); return err },
			interpWasm, abi.ExportInterpolate, [][]byte{interpIn(bigEntry)}},
		{"echo", func() error { _, err := ten.Handle(ctx, handleReq); return err },
			handlerWasm, abi.ExportHandle, [][]byte{handleIn}},
	} {
		b.Run(w.name+"/wasmgw", func(b *testing.B) {
			if err := w.wasmgw(); err != nil { // warm the pool
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := w.wasmgw(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(w.name+"/raw", func(b *testing.B) {
			call := rawGuest(b, w.wasm, vars)
			call(w.export, w.args) // warm up
			b.ReportAllocs()
			for b.Loop() {
				call(w.export, w.args)
			}
		})
	}
}

// rawGuest instantiates wasm on raw wazero with a minimal host and returns
// a function that calls an export with its arguments written into a
// scratch range and returns a copy of the output.
func rawGuest(b *testing.B, wasm []byte, vars map[string]string) func(export string, args [][]byte) []byte {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCloseOnContextDone(true))
	b.Cleanup(func() { _ = rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	var out []byte
	host := rt.NewHostModuleBuilder(abi.HostModule)
	for _, name := range []string{abi.FuncSecretGet, abi.FuncLog, abi.FuncOutput, abi.FuncSelf, abi.FuncToolCall, abi.FuncResultRead, abi.FuncHTTPFetch} {
		params, results, _ := abi.HostFunctionSignature(name)
		p, r := make([]api.ValueType, params), make([]api.ValueType, results)
		for i := range p {
			p[i] = api.ValueTypeI32
		}
		for i := range r {
			r[i] = api.ValueTypeI32
		}
		f := func(_ context.Context, m api.Module, stack []uint64) {
			switch name {
			case abi.FuncOutput:
				buf, ok := m.Memory().Read(api.DecodeU32(stack[0]), api.DecodeU32(stack[1]))
				if !ok {
					stack[0] = api.EncodeI32(abi.ErrFault)
					return
				}
				out = append(out[:0], buf...)
				stack[0] = 0
			case abi.FuncSecretGet:
				mem := m.Memory()
				nb, ok := mem.Read(api.DecodeU32(stack[0]), api.DecodeU32(stack[1]))
				if !ok {
					stack[0] = api.EncodeI32(abi.ErrFault)
					return
				}
				v, found := vars[string(nb)]
				if !found {
					stack[0] = api.EncodeI32(abi.ErrNotFound)
					return
				}
				if buf, ok := mem.Read(api.DecodeU32(stack[2]), api.DecodeU32(stack[3])); ok && len(v) <= len(buf) {
					copy(buf, v)
				}
				stack[0] = api.EncodeI32(int32(len(v)))
			case abi.FuncLog:
				stack[0] = 0
			default:
				stack[0] = api.EncodeI32(abi.ErrUnavailable)
			}
		}
		host.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(f), p, r).Export(name)
	}
	if _, err := host.Instantiate(ctx); err != nil {
		b.Fatal(err)
	}
	mod, err := rt.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize"))
	if err != nil {
		b.Fatal(err)
	}
	alloc := mod.ExportedFunction(abi.ExportAlloc)
	var scratch, scratchCap uint64
	params := make([]uint64, 0, 4)
	fns := map[string]api.Function{} // ExportedFunction makes a new one (and its stack) per call
	return func(export string, args [][]byte) []byte {
		fn := fns[export]
		if fn == nil {
			fn = mod.ExportedFunction(export)
			fns[export] = fn
		}
		total := 0
		for _, a := range args {
			total += len(a)
		}
		if uint64(total) > scratchCap {
			res, err := alloc.Call(ctx, uint64(max(total, 4096)))
			if err != nil {
				b.Fatal(err)
			}
			scratch, scratchCap = res[0], uint64(max(total, 4096))
		}
		params = params[:0]
		off := scratch
		for _, a := range args {
			mod.Memory().Write(uint32(off), a)
			params = append(params, off, uint64(len(a)))
			off += uint64(len(a))
		}
		if len(params) == 0 { // room for the result
			params = append(params, 0)
		}
		if err := fn.CallWithStack(ctx, params); err != nil || params[0] != 0 {
			b.Fatalf("%s: status %v, %v: %s", export, params[0], err, out)
		}
		return append([]byte(nil), out...)
	}
}
