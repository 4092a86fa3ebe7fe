//go:build wasip1

package handler

import (
	"unsafe"

	"github.com/wasmgw/wasmgw/guest"
)

//go:wasmimport wasmgw tool_call
func wasmToolCall(namePtr unsafe.Pointer, nameLen uint32, inPtr unsafe.Pointer, inLen uint32, bufPtr unsafe.Pointer, bufCap uint32) int32

//go:wasmimport wasmgw result_read
func wasmResultRead(bufPtr unsafe.Pointer, bufCap uint32) int32

func ptr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

func hostToolCall(name string, in, buf []byte) int32 {
	// The host only reads the name: pass the string's bytes, no copy.
	return wasmToolCall(unsafe.Pointer(unsafe.StringData(name)), uint32(len(name)), ptr(in), uint32(len(in)), ptr(buf), uint32(len(buf)))
}

func hostResultRead(buf []byte) int32 { return wasmResultRead(ptr(buf), uint32(len(buf))) }

//go:wasmexport wasmgw_handle
func wasmHandle(inP, inN uint32) int32 {
	out, err := serve(guest.Take(inP, inN))
	return guest.Respond(out, err)
}
