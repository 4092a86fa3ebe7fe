package inspect

import "github.com/wasmgw/wasmgw/runtime/internal/wasmbin"

// The static inventory reads module binaries with the same reader the
// runtime runs before it compiles a module (runtime/internal/wasmbin), so
// what the audit reports and what the host refuses cannot drift apart.

// WasmInfo is what the static inventory reads from a module's binary: its
// imports, exports and memories, read without compiling or running
// anything.
type WasmInfo = wasmbin.Info

// WasmImport is one import of a module.
type WasmImport = wasmbin.Import

// WasmExport is one export of a module.
type WasmExport = wasmbin.Export

// WasmMemory is a memory's declared limits, in 64 KiB pages.
type WasmMemory = wasmbin.Memory

// WasmError is a module binary the parser cannot read.
type WasmError = wasmbin.Error

// ParseWasm reads the imports, exports and memories of a WebAssembly core
// module binary (see wasmbin.Parse).
func ParseWasm(b []byte) (*WasmInfo, error) { return wasmbin.Parse(b) }

// ImportVerdict says whether the host provides an import, and why not.
func ImportVerdict(im WasmImport) (ok bool, why string) { return wasmbin.ImportVerdict(im) }
