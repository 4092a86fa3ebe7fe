//go:build wasip1

package interp

import "github.com/wasmgw/wasmgw/guest"

// wasmInterpolate is the wasmgw_interpolate export: one server entry in
// (abi.InterpolateRequest), the resolved entry and its references out
// (abi.InterpolateResult), every variable read through the host.
//
//go:wasmexport wasmgw_interpolate
func wasmInterpolate(inP, inN uint32) int32 {
	out, err := Serve(guest.Take(inP, inN), SecretLookup)
	return guest.Respond(out, err)
}

// Exported reports whether this build exports wasmgw_interpolate: only a
// wasip1 build does. Natively, use [Serve] with a [Lookup] of your own.
const Exported = true
