package extism_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	extism "github.com/extism/go-sdk"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/guest/interp"
	"github.com/wasmgw/wasmgw/runtime"
)

// interpWasm is the Extism plugin built from guest/interp (make
// bench-extism rebuilds it).
const interpWasm = "wasm/interp.wasm"

// workload returns lookups20's entry (20 references, little text, as in
// runtime/sidebyside_bench_test.go), the interpolation request the guests
// are given (the same bytes on both sides) and the profile's .env text.
func workload() (entry, request []byte, env string) {
	var sb, eb strings.Builder
	sb.WriteString(`{"command":"srv","env":{`)
	for i := range 20 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `"S%02d":"${VAR_%02d}"`, i, i)
		fmt.Fprintf(&eb, "VAR_%02d=value-%02d-0123456789abcdef\n", i, i)
	}
	sb.WriteString(`}}`)
	entry = []byte(sb.String())
	request, err := json.Marshal(abi.InterpolateRequest{Server: "s", Entry: entry})
	if err != nil {
		panic(err)
	}
	return entry, request, eb.String()
}

// vars parses the .env text of workload (NAME=value lines).
func vars(env string) map[string]string {
	m := map[string]string{}
	for line := range strings.Lines(env) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		m[k] = v
	}
	return m
}

// wasmgwInterpolate opens a profile holding env in a throwaway home and
// returns a function that interpolates entry through it (a pooled
// instance of builtin:interpolate).
func wasmgwInterpolate(tb testing.TB, env string) func(entry []byte) (abi.InterpolateResult, error) {
	tb.Helper()
	ctx := context.Background()
	home := tb.TempDir()
	dir := filepath.Join(home, "profiles", "p")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(env), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("wasmgw: {}\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	e, err := runtime.NewEngine(ctx, runtime.Options{Audit: runtime.DiscardAudit{}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = e.Close(ctx) })
	h, err := runtime.OpenHome(home, runtime.NewGlobals(nil, ""))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := h.Profile("p")
	if err != nil {
		tb.Fatal(err)
	}
	ten, err := e.Open(ctx, p)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ten.Close(ctx) })
	return func(entry []byte) (abi.InterpolateResult, error) { return ten.Interpolate(ctx, "s", entry) }
}

// extismPlugin compiles the Extism plugin with a secret_get host function
// over vars; timeoutMS is the manifest's timeout (0: none, Extism's
// default, which leaves wazero's termination checks off).
func extismPlugin(tb testing.TB, vars map[string]string, timeoutMS uint64) *extism.CompiledPlugin {
	tb.Helper()
	ctx := context.Background()
	wasm, err := os.ReadFile(interpWasm)
	if err != nil {
		tb.Fatal(err)
	}
	secretGet := extism.NewHostFunctionWithStack("secret_get",
		func(_ context.Context, p *extism.CurrentPlugin, stack []uint64) {
			name, err := p.ReadString(stack[0])
			if err != nil {
				panic(err)
			}
			v, ok := vars[name]
			if !ok {
				stack[0] = 0
				return
			}
			off, err := p.WriteString(v)
			if err != nil {
				panic(err)
			}
			stack[0] = off
		}, []extism.ValueType{extism.ValueTypePTR}, []extism.ValueType{extism.ValueTypePTR})
	funcs := []extism.HostFunction{secretGet}
	// The wasmgw guest SDK's imports, linked in with guest/interp but
	// never called by the plugin's export.
	for _, name := range []string{abi.FuncSecretGet, abi.FuncLog, abi.FuncOutput, abi.FuncSelf, abi.FuncToolCall, abi.FuncResultRead, abi.FuncHTTPFetch} {
		np, nr, _ := abi.HostFunctionSignature(name)
		params, results := make([]extism.ValueType, np), make([]extism.ValueType, nr)
		for i := range params {
			params[i] = extism.ValueTypeI32
		}
		for i := range results {
			results[i] = extism.ValueTypeI32
		}
		f := extism.NewHostFunctionWithStack(name, func(context.Context, *extism.CurrentPlugin, []uint64) {
			panic("wasmgw." + name + " called from the Extism plugin")
		}, params, results)
		f.SetNamespace(abi.HostModule)
		funcs = append(funcs, f)
	}
	manifest := extism.Manifest{Wasm: []extism.Wasm{extism.WasmData{Data: wasm}}, Timeout: timeoutMS}
	c, err := extism.NewCompiledPlugin(ctx, manifest, extism.PluginConfig{EnableWasi: true}, funcs)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close(ctx) })
	return c
}

// extismCall calls the plugin's interpolate export on request.
func extismCall(p *extism.Plugin, request []byte) ([]byte, error) {
	rc, out, err := p.Call("interpolate", request)
	if err == nil && rc != 0 {
		err = fmt.Errorf("interpolate returned %d", rc)
	}
	return out, err
}

// extismInstanceCall makes a new instance of c, calls it once and closes
// it: Extism without a reused plugin.
func extismInstanceCall(c *extism.CompiledPlugin, request []byte) ([]byte, error) {
	ctx := context.Background()
	p, err := c.Instance(ctx, extism.PluginInstanceConfig{})
	if err != nil {
		return nil, err
	}
	defer p.Close(ctx)
	return extismCall(p, request)
}

// expected returns the result both sides must give: the same walker
// (guest/interp) run natively on vars, all 20 references resolved.
func expected(tb testing.TB, request []byte, vars map[string]string) []byte {
	tb.Helper()
	want, err := interp.Serve(request, func(name string) (string, bool, error) {
		v, ok := vars[name]
		return v, ok, nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	var res abi.InterpolateResult
	if err := json.Unmarshal(want, &res); err != nil {
		tb.Fatal(err)
	}
	if len(res.Refs) != 20 {
		tb.Fatalf("%d references, want 20: %s", len(res.Refs), want)
	}
	for _, r := range res.Refs {
		if r.Outcome != abi.RefResolved {
			tb.Fatalf("reference not resolved: %+v", r)
		}
	}
	return want
}

// sameResult fails tb unless res is the result want holds.
func sameResult(tb testing.TB, side string, res abi.InterpolateResult, want []byte) {
	tb.Helper()
	var w abi.InterpolateResult
	if err := json.Unmarshal(want, &w); err != nil {
		tb.Fatal(err)
	}
	if !bytes.Equal(res.Entry, w.Entry) || fmt.Sprint(res.Refs) != fmt.Sprint(w.Refs) {
		tb.Fatalf("%s: %s %v\nwant %s", side, res.Entry, res.Refs, want)
	}
}

// sameOutput fails tb unless the Extism plugin's output is want, byte
// for byte.
func sameOutput(tb testing.TB, out, want []byte) {
	tb.Helper()
	if !bytes.Equal(out, want) {
		tb.Fatalf("Extism: %s\nwant %s", out, want)
	}
}

// TestSameResult checks that wasmgw and the Extism plugin, reused and
// fresh, give the result of the walker run natively.
func TestSameResult(t *testing.T) {
	entry, request, env := workload()
	want := expected(t, request, vars(env))
	res, err := wasmgwInterpolate(t, env)(entry)
	if err != nil {
		t.Fatal(err)
	}
	sameResult(t, "wasmgw", res, want)
	c := extismPlugin(t, vars(env), 0)
	p, err := c.Instance(context.Background(), extism.PluginInstanceConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	for _, call := range []func() ([]byte, error){
		func() ([]byte, error) { return extismCall(p, request) },
		func() ([]byte, error) { return extismCall(p, request) }, // the reused plugin, again
		func() ([]byte, error) { return extismInstanceCall(c, request) },
	} {
		out, err := call()
		if err != nil {
			t.Fatal(err)
		}
		sameOutput(t, out, want)
	}
}

// BenchmarkLookups20 runs lookups20 through wasmgw (a pooled instance) and
// through Extism three ways (see the package comment), in one run. Each
// checks its first result (which also warms it up) against the walker run
// natively.
func BenchmarkLookups20(b *testing.B) {
	entry, request, env := workload()
	want := expected(b, request, vars(env))
	b.Run("wasmgw", func(b *testing.B) {
		call := wasmgwInterpolate(b, env)
		res, err := call(entry) // warms the pool
		if err != nil {
			b.Fatal(err)
		}
		sameResult(b, "wasmgw", res, want)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := call(entry); err != nil {
				b.Fatal(err)
			}
		}
	})
	plugin := func(b *testing.B, timeoutMS uint64) {
		c := extismPlugin(b, vars(env), timeoutMS)
		p, err := c.Instance(context.Background(), extism.PluginInstanceConfig{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = p.Close(context.Background()) })
		out, err := extismCall(p, request) // runs the guest's _initialize
		if err != nil {
			b.Fatal(err)
		}
		sameOutput(b, out, want)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := extismCall(p, request); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("extism-plugin", func(b *testing.B) { plugin(b, 0) })
	b.Run("extism-plugin-timeout", func(b *testing.B) { plugin(b, 10_000) })
	b.Run("extism-instance", func(b *testing.B) {
		c := extismPlugin(b, vars(env), 0)
		out, err := extismInstanceCall(c, request)
		if err != nil {
			b.Fatal(err)
		}
		sameOutput(b, out, want)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := extismInstanceCall(c, request); err != nil {
				b.Fatal(err)
			}
		}
	})
}
