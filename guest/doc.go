// Package guest is the SDK for writing wasmgw modules in ordinary Go.
//
// A tool author registers typed tool functions in an init function and
// builds the package as a WebAssembly reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o tools.wasm .
//
// For example:
//
//	func init() {
//		guest.Tool("greet", "Greets someone by name.", func(in struct{ Name string }) (string, error) {
//			return "hello " + in.Name, nil
//		})
//	}
//
//	func main() {}
//
// Inside a tool, [Secret] reads one of the profile's secrets through the
// host, which checks the module's grants and records the read for audit;
// [Log] writes a structured record to the host's log. The package exports
// the functions the host calls (see package abi and docs/abi.md); an author
// never deals with pointers.
//
// A module that writes a wasm export of its own (as guest/handler and
// guest/interp do for wasmgw_handle and wasmgw_interpolate) reads the
// export's input with Take and ends with Respond; both exist only in a
// wasip1 build.
//
// A module's memory is its own and counts against its limit; the SDK
// starts the guest's garbage collector at [GCPercent] (50, not Go's 100),
// which keeps a warm instance about a third smaller.
//
// Built for any other platform than wasip1 the package compiles, so that
// tools can be vetted and unit-tested natively, but every host call fails
// with [ErrNoHost].
package guest
