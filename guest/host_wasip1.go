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

// SetOutput hands the bytes of the current call's result to the host. SDK
// packages for handler and interpolation modules use it; tool authors
// return values instead.
func SetOutput(b []byte) int32 { return wasmOutput(ptr(b), uint32(len(b))) }

// pinned keeps the buffers handed to the host by wasmgw_alloc alive until
// the export call that consumes them returns (Respond releases them).
var pinned [][]byte

//go:wasmexport wasmgw_abi_v1
func abiMarker() {}

//go:wasmexport wasmgw_alloc
func wasmAlloc(size uint32) uint32 {
	if size == 0 {
		size = 1
	}
	b := make([]byte, size)
	pinned = append(pinned, b)
	return uint32(uintptr(unsafe.Pointer(&b[0])))
}

// Take returns the bytes the host wrote at (p, n), a range inside a buffer it
// obtained from wasmgw_alloc for the current call. Ranges outside those
// buffers are refused (nil), so a host bug cannot make the guest read outside
// its own buffers. The bytes stay valid until the export returns.
func Take(p, n uint32) []byte {
	if n == 0 {
		return nil
	}
	for _, b := range pinned {
		base := uint32(uintptr(unsafe.Pointer(&b[0])))
		if p >= base && uint64(p)+uint64(n) <= uint64(base)+uint64(len(b)) {
			off := p - base
			return b[off : off+n : off+n]
		}
	}
	return nil
}

//go:wasmexport wasmgw_describe
func wasmDescribe() int32 {
	return Respond(marshal(Manifest()))
}

//go:wasmexport wasmgw_call_tool
func wasmCallTool(nameP, nameN, inP, inN uint32) int32 {
	name := string(Take(nameP, nameN))
	in := Take(inP, inN)
	out, err := Invoke(name, in)
	return Respond(out, err)
}

// Respond sets the call's output from a result or an error, releases the
// call's input buffers, and returns the status for the export to return.
// Every export ends with it.
func Respond(out []byte, err error) int32 {
	clear(pinned)
	pinned = pinned[:0]
	if err != nil {
		SetOutput(errorEnvelope(err))
		return abi.StatusError
	}
	if code := SetOutput(out); code < 0 {
		SetOutput(errorEnvelope(&Error{Code: abi.ErrorName(code), Message: "the host refused the output"}))
		return abi.StatusError
	}
	return abi.StatusOK
}
