// Package extism measures wasmgw against Extism (github.com/extism/go-sdk)
// on the host-call-heavy workload of issue 18's target "≥ 100x faster than
// Extism on 20 secret lookups", in one benchmark run.
//
// It is a module of its own, nested in wasmgw's repository under testdata/
// (which the go tool leaves out of ./...), so that Extism and what it pulls
// in (its own wazero, observe-sdk, ...) never become dependencies of
// wasmgw: the main module's go.mod, go.sum, builds and tests do not change,
// and nothing here is run by make test. The replace directive points it at
// the wasmgw tree it sits in.
//
// The workload is lookups20 of wasmgw's BenchmarkSideBySide
// (runtime/sidebyside_bench_test.go): the walker of builtin:interpolate
// (package guest/interp) on an entry of 20 ${VAR_NN} references and little
// text, every variable read through the host, the same request bytes in and
// the same result bytes out on both sides:
//
//   - wasmgw: Tenant.Interpolate through the public runtime API, a pooled
//     instance of builtin:interpolate (termination checks on, audit records
//     made and discarded: DiscardAudit);
//   - Extism: the Go guest of guest/interp (wasm/interp.wasm), the same
//     walker through interp.Server (which keeps the walker's state between
//     calls, as builtin:interpolate's export does), each variable read with
//     an Extism host function: the name written to Extism's memory, the
//     value returned as an Extism memory offset and read back, as Extism
//     passes strings.
//
// Extism is measured three ways: one plugin reused across calls
// (Plugin.Call, Extism's defaults: no timeout, so no termination checks);
// the same with a manifest timeout (wazero's termination checks on, as
// wasmgw always has them); and a new instance per call from a compiled
// plugin (CompiledPlugin.Instance, Call, Close).
//
// Run it with make bench-extism, or:
//
//	cd testdata/extism && go test -run '^$' -bench . -benchmem -count 6
//
// docs/performance.md ("wasmgw and Extism") has the figures.
package extism
