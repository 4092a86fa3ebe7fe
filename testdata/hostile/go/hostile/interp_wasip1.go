//go:build wasip1

package main

import "github.com/wasmgw/wasmgw/guest"

//go:wasmexport wasmgw_interpolate
func wasmInterpolate(inP, inN uint32) int32 {
	out, err := steer(guest.Take(inP, inN))
	return guest.Respond(out, err)
}
