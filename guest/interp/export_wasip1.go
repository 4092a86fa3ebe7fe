//go:build wasip1

package interp

import (
	"unsafe"

	"github.com/wasmgw/wasmgw/guest"
)

// exportState is the state of the export's calls, kept for the life of the
// instance (calls into an instance never overlap) so that a call in a warm
// instance allocates nothing; it is wiped after each call, and remembers
// the scans of the last requests (memo.go).
var exportState = state{memo: &memo{}}

// wasmInterpolate is the wasmgw_interpolate export: one server entry in
// (abi.InterpolateRequest), the resolved entry and its references out
// (abi.InterpolateResult), every variable read through the host.
//
//go:wasmexport wasmgw_interpolate
func wasmInterpolate(inP, inN uint32) int32 {
	in := guest.Take(inP, inN)
	// The input stays in place until the export returns, and nothing
	// made from it outlives the call: read it without a copy.
	out, err := exportState.serve(unsafe.String(unsafe.SliceData(in), len(in)), nil, appendSecretLookup)
	status := guest.Respond(out, err)
	exportState.wipe()
	return status
}

// Exported reports whether this build exports wasmgw_interpolate: only a
// wasip1 build does. Natively, use [Serve] with a [Lookup] of your own.
const Exported = true
