package inspect

import (
	"embed"
	"io/fs"
)

// hostileFiles holds the hostile modules `make hostile` writes into wasm/
// (see wasm/README.md). The README is committed so the pattern always
// matches, even in a checkout where nothing was built.
//
//go:embed wasm
var hostileFiles embed.FS

// hostileModules returns the hostile modules embedded in this binary, by
// file name ("hostile.wasm", "spin.wasm", ...). The suite reads them from
// here unless suiteOptions.Modules names another set.
func hostileModules() fs.FS {
	sub, err := fs.Sub(hostileFiles, "wasm")
	if err != nil {
		panic(err) // "wasm" is a valid path: fs.Sub cannot fail
	}
	return sub
}

// hostileNames lists the module files the suite needs: the Go module with
// one tool per runtime attack, and the WebAssembly text modules for what Go
// cannot express (load-time refusals, raw loops, growth and recursion). It
// returns a new slice on every call.
func hostileNames() []string {
	return []string{
		"hostile.wasm",
		"spin.wasm", "grow.wasm", "stack.wasm",
		"abi_v2.wasm", "no_abi.wasm", "manifest_v2.wasm",
		"unknown_import.wasm", "unknown_host_func.wasm", "bad_signature.wasm", "imports_memory.wasm",
		"big_memory.wasm", "start_loop.wasm",
	}
}
