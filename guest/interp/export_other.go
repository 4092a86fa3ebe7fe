//go:build !wasip1

package interp

// Exported reports whether this build exports wasmgw_interpolate: only a
// wasip1 build does. Natively, use [Serve] with a [Lookup] of your own.
const Exported = false
