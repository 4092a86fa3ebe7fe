// Package wasmbin reads what the host checks of a WebAssembly module binary
// before compiling it, and what the static inventory reports: imports,
// exports, memories and tables. It reads section framing and those sections only,
// in one bounded pass, and allocates nothing a count in the binary could
// inflate beyond the binary's own size.
package wasmbin

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wasmgw/wasmgw/abi"
)

// Info is what the static inventory reads from a module's binary: its
// imports, exports and memories. It is read without compiling or running
// anything, so a module the runtime would refuse is still described.
type Info struct {
	Imports  []Import
	Exports  []Export
	Memories []Memory
	// Tables are the limits of the tables the module defines (not those
	// it imports), in elements.
	Tables []Memory
}

// Import is one import of a module.
type Import struct {
	Module, Name string
	// Kind is "func", "table", "memory", "global" or "tag".
	Kind string
	// Params and Results are the value types of an imported function
	// ("i32", "i64", "f32", "f64", "v128", "funcref", "externref").
	Params, Results []string
	// Memory is set for an imported memory.
	Memory *Memory
}

// Signature renders an imported function's type as "(i32,i32)->(i32)".
func (im Import) Signature() string {
	if im.Kind != "func" {
		return ""
	}
	return "(" + strings.Join(im.Params, ",") + ")->(" + strings.Join(im.Results, ",") + ")"
}

// Export is one export of a module.
type Export struct {
	Name string
	// Kind is "func", "table", "memory", "global" or "tag".
	Kind string
}

// Memory is a memory's declared limits, in 64 KiB pages.
type Memory struct {
	Min      uint64
	Max      *uint64
	Shared   bool
	Memory64 bool
	Imported bool
}

// ABIVersion returns the ABI version a module states with its marker
// export, the way the host reads it: abi.Version when that marker is
// among its exports, else the first other version found, else 0.
func (w *Info) ABIVersion() int {
	found := 0
	for _, e := range w.Exports {
		v, ok := strings.CutPrefix(e.Name, abi.VersionExportPrefix)
		if !ok || e.Kind != "func" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			continue
		}
		if n == abi.Version {
			return n
		}
		if found == 0 {
			found = n
		}
	}
	return found
}

// HasExport reports whether the module exports name with the given kind.
func (w *Info) HasExport(name, kind string) bool {
	for _, e := range w.Exports {
		if e.Name == name && e.Kind == kind {
			return true
		}
	}
	return false
}

// Error is a module binary the parser cannot read; Offset is the byte
// where it stopped.
type Error struct {
	Offset int
	Msg    string
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("not a valid wasm module: byte %d: %s", e.Offset, e.Msg)
}
