//go:build wasip1

package main

import (
	"encoding/binary"

	"github.com/wasmgw/wasmgw/guest/interp"
)

// The Extism kernel's functions (extism:host/env), as Extism's PDKs
// declare them: offsets and lengths are i64 in Extism's memory, which is
// the kernel's, not the plugin's.

//go:wasmimport extism:host/env input_length
func extismInputLength() uint64

//go:wasmimport extism:host/env input_load_u8
func extismInputLoadU8(offset uint64) uint32

//go:wasmimport extism:host/env input_load_u64
func extismInputLoadU64(offset uint64) uint64

//go:wasmimport extism:host/env alloc
func extismAlloc(n uint64) uint64

//go:wasmimport extism:host/env free
func extismFree(offset uint64)

//go:wasmimport extism:host/env length
func extismLength(offset uint64) uint64

//go:wasmimport extism:host/env load_u8
func extismLoadU8(offset uint64) uint32

//go:wasmimport extism:host/env load_u64
func extismLoadU64(offset uint64) uint64

//go:wasmimport extism:host/env store_u8
func extismStoreU8(offset uint64, v uint32)

//go:wasmimport extism:host/env store_u64
func extismStoreU64(offset uint64, v uint64)

//go:wasmimport extism:host/env output_set
func extismOutputSet(offset, n uint64)

//go:wasmimport extism:host/env error_set
func extismErrorSet(offset uint64)

// secretGet is the host's lookup: the offset of a name in Extism's memory
// in, the offset of its value out, 0 for a name the host does not have.
//
//go:wasmimport extism:host/user secret_get
func secretGet(nameOffset uint64) uint64

// input reads the plugin's input, as the PDK's pdk.Input does.
func input() []byte {
	n := extismInputLength()
	buf := make([]byte, n)
	i := uint64(0)
	for ; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(buf[i:], extismInputLoadU64(i))
	}
	for ; i < n; i++ {
		buf[i] = byte(extismInputLoadU8(i))
	}
	return buf
}

// store copies b into a new block of Extism's memory and returns its
// offset, as the PDK's pdk.AllocateBytes does.
func store(b []byte) uint64 {
	off := extismAlloc(uint64(len(b)))
	n := uint64(len(b))
	i := uint64(0)
	for ; i+8 <= n; i += 8 {
		extismStoreU64(off+i, binary.LittleEndian.Uint64(b[i:]))
	}
	for ; i < n; i++ {
		extismStoreU8(off+i, uint32(b[i]))
	}
	return off
}

// load copies the block of Extism's memory at off, as the PDK's
// pdk.FindMemory(off).ReadBytes() does.
func load(off uint64) []byte {
	n := extismLength(off)
	buf := make([]byte, n)
	i := uint64(0)
	for ; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(buf[i:], extismLoadU64(off+i))
	}
	for ; i < n; i++ {
		buf[i] = byte(extismLoadU8(off + i))
	}
	return buf
}

// lookup is the walker's interp.Lookup through the host: the name written
// to Extism's memory (freed after the call, as the PDK's examples do), the
// value read back from the block the host returned.
func lookup(name string) (string, bool, error) {
	key := store([]byte(name))
	off := secretGet(key)
	extismFree(key)
	if off == 0 {
		return "", false, nil
	}
	return string(load(off)), true, nil
}

// server keeps the walker's state between calls of a reused plugin, as
// builtin:interpolate's export does (its buffers, the scans of the last
// requests).
var server interp.Server

// interpolate is the plugin's function: an abi.InterpolateRequest in, the
// abi.InterpolateResult out; on error the error is set and 1 returned.
//
//go:wasmexport interpolate
func interpolate() int32 {
	out, err := server.Serve(input(), lookup)
	if err != nil {
		extismErrorSet(store([]byte(err.Error())))
		return 1
	}
	extismOutputSet(store(out), uint64(len(out)))
	return 0
}
