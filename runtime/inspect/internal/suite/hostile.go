package suite

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
		"big_memory.wasm", "start_loop.wasm", "table_grow.wasm", "big_table.wasm",
	}
}
