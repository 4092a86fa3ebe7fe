// Command interp is the Extism plugin of the Extism comparison (see the
// package comment of github.com/wasmgw/wasmgw/testdata/extism): the walker
// of builtin:interpolate (package guest/interp, called through its public
// interp.Server, which keeps its state between calls as the built-in's
// export does) with every variable looked up through an Extism host
// function, extism:host/user secret_get, instead of wasmgw's.
//
// It is written without Extism's Go PDK: it declares the Extism kernel's
// imports (extism:host/env) itself and moves bytes in and out of Extism's
// memory the way the PDK does, eight bytes per host call and the rest one
// byte per call. Its export, interpolate, takes an abi.InterpolateRequest
// as the plugin's input and sets the abi.InterpolateResult as its output.
//
// Importing guest/interp links wasmgw's guest SDK too: its exports
// (wasmgw_*) are never called here, and its imports (module "wasmgw") are
// satisfied on the Extism side by stubs that fail if ever called.
//
// Build (the committed ../../wasm/interp.wasm; make bench-extism does it):
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o wasm/interp.wasm ./guest/interp
package main

func main() {}
