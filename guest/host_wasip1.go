//go:build wasip1

package guest

import (
	"unsafe"

	"github.com/wasmgw/wasmgw/abi"
)

//go:wasmimport wasmgw secret_get
func wasmSecretGet(namePtr unsafe.Pointer, nameLen uint32, bufPtr unsafe.Pointer, bufCap uint32) int32

//go:wasmimport wasmgw log
func wasmLog(level int32, msgPtr unsafe.Pointer, msgLen uint32, attrsPtr unsafe.Pointer, attrsLen uint32) int32

//go:wasmimport wasmgw self
func wasmSelf(bufPtr unsafe.Pointer, bufCap uint32) int32

//go:wasmimport wasmgw output
func wasmOutput(ptr unsafe.Pointer, n uint32) int32

//go:wasmimport wasmgw http_fetch
func wasmHTTPFetch(reqPtr unsafe.Pointer, reqLen uint32, bufPtr unsafe.Pointer, bufCap uint32) int32

//go:wasmimport wasmgw result_read
func wasmResultRead(bufPtr unsafe.Pointer, bufCap uint32) int32

func hostHTTPFetch(req, buf []byte) int32 {
	return wasmHTTPFetch(ptr(req), uint32(len(req)), ptr(buf), uint32(len(buf)))
}

func hostResultRead(buf []byte) int32 { return wasmResultRead(ptr(buf), uint32(len(buf))) }

func ptr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

func strPtr(s string) unsafe.Pointer {
	if s == "" {
		return nil
	}
	return unsafe.Pointer(unsafe.StringData(s))
}

func hostSecretGet(name string, buf []byte) int32 {
	return wasmSecretGet(strPtr(name), uint32(len(name)), ptr(buf), uint32(len(buf)))
}

func hostSelf(buf []byte) int32 { return wasmSelf(ptr(buf), uint32(len(buf))) }

func hostLog(level int32, msg string, attrs []byte) {
	wasmLog(level, strPtr(msg), uint32(len(msg)), ptr(attrs), uint32(len(attrs)))
}

// setOutput hands the bytes of the current call's result to the host
// (through [Respond]).
func setOutput(b []byte) int32 { return wasmOutput(ptr(b), uint32(len(b))) }

// scratch is the buffer last handed to the host by wasmgw_alloc. The host
// writes each call's inputs into it and may reuse it for later calls, until
// it asks for a larger one.
var scratch []byte

//go:wasmexport wasmgw_abi_v1
func abiMarker() {}

//go:wasmexport wasmgw_alloc
func wasmAlloc(size uint32) uint32 {
	if size == 0 {
		size = 1
	}
	scratch = make([]byte, size)
	return uint32(uintptr(unsafe.Pointer(&scratch[0])))
}

// Take returns the bytes the host wrote at (p, n) into the buffer it obtained
// from wasmgw_alloc. Ranges outside that buffer are refused (nil), so a host
// bug cannot make the guest read outside its own buffers. The bytes are
// valid until the export returns: copy what must outlive the call.
func Take(p, n uint32) []byte {
	if n == 0 || len(scratch) == 0 {
		return nil
	}
	base := uint32(uintptr(unsafe.Pointer(&scratch[0])))
	if p < base || uint64(p)+uint64(n) > uint64(base)+uint64(len(scratch)) {
		return nil
	}
	off := p - base
	return scratch[off : off+n : off+n]
}

//go:wasmexport wasmgw_describe
func wasmDescribe() int32 {
	return Respond(marshal(Manifest()))
}

//go:wasmexport wasmgw_call_tool
func wasmCallTool(nameP, nameN, inP, inN uint32) int32 {
	// The name is read in place: it stays until the export returns, and
	// Invoke keeps nothing of it (an error message copies it).
	nb := Take(nameP, nameN)
	name := unsafe.String(unsafe.SliceData(nb), len(nb))
	in := Take(inP, inN)
	out, err := Invoke(name, in)
	return Respond(out, err)
}

// Respond sets the call's output from a result or an error and returns the
// status for the export to return. Every export ends with it: a module
// that writes an export of its own by hand (guest/handler and guest/interp
// do, for wasmgw_handle and wasmgw_interpolate) reads its input with
// [Take] and returns Respond(out, err).
func Respond(out []byte, err error) int32 {
	if err != nil {
		setOutput(errorEnvelope(err))
		return abi.StatusError
	}
	if code := setOutput(out); code < 0 {
		setOutput(errorEnvelope(&Error{Code: abi.ErrorName(code), Message: "the host refused the output"}))
		return abi.StatusError
	}
	return abi.StatusOK
}
