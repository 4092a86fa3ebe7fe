package runtime_test

// Benchmarks of the sandboxed path against the same code run natively.
// `make bench` runs them with -count 6 for benchstat; docs/performance.md
// reports the ratios from one run.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/internal/_wazero"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/imports/wasi_snapshot_preview1"
	"github.com/wasmgw/wasmgw/runtime/internal/dotenv"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/guest"
	"github.com/wasmgw/wasmgw/guest/interp"
	"github.com/wasmgw/wasmgw/guest/textkit"
	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/builtin"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

const benchText = `{"text":"The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs on and on."}`

func benchTenant(b *testing.B, config string) *runtime.Tenant {
	b.Helper()
	home := runtimetest.Home(b, map[string]runtimetest.Profile{
		"p": {Env: "OPENAI_API_KEY=sk-test-bench-0123456789\n", Config: config},
	})
	e := runtimetest.Engine(b, nil, nil)
	ten, err := e.Open(context.Background(), runtimetest.OpenProfile(b, home, "p"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ten.Close(context.Background()) })
	return ten
}

func callLoop(b *testing.B, ten *runtime.Tenant, tool, input string) {
	b.Helper()
	ctx := context.Background()
	in := []byte(input)
	if _, err := ten.CallTool(ctx, tool, in); err != nil { // warm the pool
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := ten.CallTool(ctx, tool, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTextStats compares the sample tool text_stats sandboxed (pooled
// and fresh instances) with the same package called natively through the
// SDK's registry (JSON in, JSON out, no sandbox).
func BenchmarkTextStats(b *testing.B) {
	b.Run("native", func(b *testing.B) {
		registerTextkit()
		in := []byte(benchText)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := guest.Invoke("text_stats", in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sandboxed-pooled", func(b *testing.B) {
		callLoop(b, benchTenant(b, "wasmgw:\n  modules:\n    t: builtin:textkit\n"), "text_stats", benchText)
	})
	b.Run("sandboxed-fresh", func(b *testing.B) {
		callLoop(b, benchTenant(b, "wasmgw:\n  modules:\n    t:\n      path: builtin:textkit\n      fresh_per_call: true\n"), "text_stats", benchText)
	})
}

var textkitRegistered bool

func registerTextkit() {
	if !textkitRegistered {
		textkit.Register()
		textkitRegistered = true
	}
}

// BenchmarkHostPath measures the fixed cost of a call through the host
// (noop: allocate and pass the input, call, copy the output) and of one
// host-function round trip (self1000 makes 1000; subtract noop and divide).
func BenchmarkHostPath(b *testing.B) {
	mod := filepath.Join(runtimetest.RepoRoot(b), "testdata", "bench", "hostcalls.wasm")
	ten := benchTenant(b, "wasmgw:\n  modules:\n    h: "+mod+"\n")
	b.Run("noop", func(b *testing.B) { callLoop(b, ten, "noop", "{}") })
	b.Run("self1000", func(b *testing.B) { callLoop(b, ten, "self1000", "{}") })
	// The same no-op call in a profile whose .env holds 20 values (the
	// interpolation benchmark's), every one granted.
	_, env := benchEntry()
	home := runtimetest.Home(b, map[string]runtimetest.Profile{"p": {Env: env, Config: "wasmgw:\n  modules:\n    h: " + mod + "\n"}})
	e := runtimetest.Engine(b, nil, nil)
	ten20, err := e.Open(context.Background(), runtimetest.OpenProfile(b, home, "p"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ten20.Close(context.Background()) })
	b.Run("noop-20values", func(b *testing.B) { callLoop(b, ten20, "noop", "{}") })
}

// BenchmarkWhoami is a call that reads a secret (one audited lookup).
func BenchmarkWhoami(b *testing.B) {
	callLoop(b, benchTenant(b, "wasmgw:\n  modules:\n    w: builtin:whoami\n"), "whoami", "{}")
}

// BenchmarkCompile measures compiling a Go guest: cold (no cache) and from
// the on-disk cache, each in a new engine; engine-only is the new engine
// without a module.
func BenchmarkCompile(b *testing.B) {
	wasm, err := builtin.Module("whoami")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	compile := func(b *testing.B, dir string) {
		e, err := runtime.NewEngine(ctx, runtime.Options{CacheDir: dir, CompileWorkers: 2, Audit: runtime.DiscardAudit{}})
		if err != nil {
			b.Fatal(err)
		}
		if wasm != nil {
			if _, err := e.Compile(ctx, wasm); err != nil {
				b.Fatal(err)
			}
		}
		_ = e.Close(ctx)
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			compile(b, "")
		}
	})
	b.Run("cached", func(b *testing.B) {
		dir := b.TempDir()
		compile(b, dir) // fill the cache (not timed)
		for b.Loop() {
			compile(b, dir)
		}
	})
	// The engine alone (runtime, WASI, host module), to subtract.
	b.Run("engine-only", func(b *testing.B) {
		wasm = nil
		for b.Loop() {
			compile(b, b.TempDir())
		}
	})
}

// benchEntry is a realistic MCP server entry: about 2.5 KB with 20
// ${VAR} references, all defined in the profile.
func benchEntry() (entry []byte, env string) {
	var b strings.Builder
	b.WriteString(`{"command":"npx","args":["-y","@modelcontextprotocol/server-github","--verbose"],"env":{`)
	var e strings.Builder
	for i := range 20 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"SETTING_%02d":"prefix-${VAR_%02d}-suffix with some ordinary text around it to make it realistic %02d"`, i, i, i)
		fmt.Fprintf(&e, "VAR_%02d=value-%02d-0123456789abcdef\n", i, i)
	}
	b.WriteString(`},"headers":{"User-Agent":"wasmgw-bench"},"tools":{"include":["a","b","c"]},"timeout":120,"connect_timeout":30,`)
	fmt.Fprintf(&b, `"description":%q}`, strings.Repeat("A description that pads the entry to a realistic size. ", 14))
	return []byte(b.String()), e.String()
}

// BenchmarkInterpolate compares one MCP server entry resolved in the
// sandboxed interpolation module (pooled instance, 20 host lookups, with
// termination checks on) with the same walker called natively on a map:
// afresh on each call (native), and as the module's export runs it, its
// state kept across calls (native-server).
func BenchmarkInterpolate(b *testing.B) {
	entry, env := benchEntry()
	b.Run("native", func(b *testing.B) {
		vars, err := dotenv.Parse(".env", []byte(env))
		if err != nil {
			b.Fatal(err)
		}
		lookup := func(name string) (string, bool, error) { v, ok := vars[name]; return v, ok, nil }
		b.SetBytes(int64(len(entry)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := interp.Resolve(entry, lookup); err != nil {
				b.Fatal(err)
			}
		}
	})
	// entries are the entry and variants of it, one more than an
	// instance of builtin:interpolate remembers the scans of: served in
	// turn, each is new to the instance every time.
	entries := [][]byte{entry}
	for i := range 4 {
		v := bytes.Replace(entry, []byte(`"timeout":120`), fmt.Appendf(nil, `"timeout":%d`, 121+i), 1)
		if bytes.Equal(v, entry) {
			b.Fatal(`benchEntry has no "timeout":120 to vary`)
		}
		entries = append(entries, v)
	}
	// The walker natively as the module's export runs it: one
	// interp.Server kept across calls (its buffers, its remembered
	// scans), the request in and the answer out as bytes.
	b.Run("native-server", func(b *testing.B) {
		vars, err := dotenv.Parse(".env", []byte(env))
		if err != nil {
			b.Fatal(err)
		}
		lookup := func(name string) (string, bool, error) { v, ok := vars[name]; return v, ok, nil }
		req, err := json.Marshal(abi.InterpolateRequest{Server: "github", Entry: entry})
		if err != nil {
			b.Fatal(err)
		}
		var srv interp.Server
		b.SetBytes(int64(len(entry)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := srv.Serve(req, lookup); err != nil {
				b.Fatal(err)
			}
		}
	})
	sandboxed := func(b *testing.B, env string, wantRefs int, entries ...[]byte) {
		home := runtimetest.Home(b, map[string]runtimetest.Profile{"p": {Env: env, Config: "wasmgw: {}\n"}})
		e := runtimetest.Engine(b, nil, nil)
		ctx := context.Background()
		ten, err := e.Open(ctx, runtimetest.OpenProfile(b, home, "p"))
		if err != nil {
			b.Fatal(err)
		}
		defer ten.Close(ctx)
		for _, entry := range entries {
			res, err := ten.Interpolate(ctx, "github", entry)
			if err != nil || len(res.Refs) != 20 || countResolved(res.Refs) != wantRefs {
				b.Fatalf("warm-up: %d refs, %v", len(res.Refs), err)
			}
		}
		b.SetBytes(int64(len(entry)))
		b.ReportAllocs()
		b.ResetTimer()
		i := 0
		for b.Loop() {
			if _, err := ten.Interpolate(ctx, "github", entries[i%len(entries)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	}
	b.Run("sandboxed-pooled", func(b *testing.B) { sandboxed(b, env, 20, entry) })
	// The same entry in a profile that has none of its variables: 20
	// unset references, each a refused secret_get.
	b.Run("sandboxed-unset", func(b *testing.B) { sandboxed(b, "OTHER=x\n", 0, entry) })
	// Five entries in turn: the module scans each on every call, as it
	// does an entry it has not seen (the host's part is still cached).
	b.Run("sandboxed-new", func(b *testing.B) { sandboxed(b, env, 20, entries...) })
}

// countResolved counts the references resolved.
func countResolved(refs []abi.Reference) int {
	n := 0
	for _, r := range refs {
		if r.Outcome == abi.RefResolved {
			n++
		}
	}
	return n
}

// BenchmarkHandle is one inbound message through the default handler: an
// echo (the handler alone) and "/call whoami {}" (the handler plus a
// nested tool call in its own instance), as the gateway runs each turn.
func BenchmarkHandle(b *testing.B) {
	ten := benchTenant(b, "wasmgw:\n  modules:\n    w: builtin:whoami\n")
	ctx := context.Background()
	for _, text := range []string{"hello there", "/call whoami {}", "/call nope {}"} {
		name := "echo"
		if strings.HasPrefix(text, "/call") {
			name = "call-" + strings.Fields(text)[1]
		}
		b.Run(name, func(b *testing.B) {
			req := abi.HandleRequest{Profile: "p", SessionKey: "bench:dm:1", Text: text}
			if _, err := ten.Handle(ctx, req); err != nil { // warm the pool
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ten.Handle(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// checksRequest is the request testdata/bench/go/checks decodes.
const checksRequest = `{"profile":"p42","session_key":"bench:dm:chat-17","platform":"bench","chat_id":"chat-17","chat_type":"dm","user_id":"bench","message_id":"m1234","message_type":"text","text":"/call whoami {}","tools":[{"name":"whoami","description":"Reports which profile and module this is and a fingerprint of the key it was given (never the key)."}]}`

// noopModule is (module (func (export "noop"))): the cost of a call alone.
var noopModule = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type: () -> ()
	0x03, 0x02, 0x01, 0x00, // func 0: type 0
	0x07, 0x08, 0x01, 0x04, 'n', 'o', 'o', 'p', 0x00, 0x00, // export "noop"
	0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b, // body: end
}

// BenchmarkTerminationChecks shows what wazero's termination checks cost a
// Go guest, outside wasmgw: one guest (testdata/bench/checks.wasm, built by
// make bench) on raw wazero with the checks on and off, against the same
// code run natively. json_decode decodes one HandleRequest with
// encoding/json, abi_decode with abi.DecodeHandleRequest, byte_loop scans
// 16 KiB a byte at a time, index_byte finds a byte it does not hold with
// bytes.IndexByte and index_swar the way guest/interp does (32 bytes per
// loop iteration), noop is a call into an empty function (what a call
// costs alone). Each guest op includes one call into the guest.
func BenchmarkTerminationChecks(b *testing.B) {
	wasm, err := os.ReadFile(filepath.Join(runtimetest.RepoRoot(b), "testdata", "bench", "checks.wasm"))
	if err != nil {
		b.Skipf("testdata/bench/checks.wasm is built by make bench: %v", err)
	}
	ctx := context.Background()
	exports := []string{"json_decode", "abi_decode", "byte_loop", "index_byte", "index_swar"}
	for _, checks := range []bool{true, false} {
		rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCloseOnContextDone(checks))
		b.Cleanup(func() { _ = rt.Close(ctx) })
		wasi_snapshot_preview1.MustInstantiate(ctx, rt)
		mod, err := rt.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithStartFunctions("_initialize"))
		if err != nil {
			b.Fatal(err)
		}
		name := "checks-off"
		if checks {
			name = "checks-on"
		}
		noop, err := rt.Instantiate(ctx, noopModule)
		if err != nil {
			b.Fatal(err)
		}
		fn := noop.ExportedFunction("noop")
		b.Run(name+"/noop", func(b *testing.B) {
			for b.Loop() {
				if _, err := fn.Call(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
		for _, export := range exports {
			fn := mod.ExportedFunction(export)
			b.Run(name+"/"+export, func(b *testing.B) {
				for b.Loop() {
					if _, err := fn.Call(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	req, buf := []byte(checksRequest), make([]byte, 16<<10)
	native := map[string]func(){
		"json_decode": func() {
			var r abi.HandleRequest
			if json.Unmarshal(req, &r) != nil {
				b.Fatal("decode")
			}
		},
		"abi_decode": func() {
			if _, err := abi.DecodeHandleRequest(req); err != nil {
				b.Fatal(err)
			}
		},
		"byte_loop": func() {
			n := 0
			for i := 0; i < len(buf); i++ {
				if buf[i] == '"' {
					n++
				}
			}
			benchSink += n
		},
	}
	for _, export := range exports {
		if native[export] == nil {
			continue // index_byte, index_swar: guest-only comparisons
		}
		b.Run("native/"+export, func(b *testing.B) {
			for b.Loop() {
				native[export]()
			}
		})
	}
}

var benchSink int
