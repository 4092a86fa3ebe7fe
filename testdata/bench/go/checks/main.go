// Command checks is a benchmark guest: pure computation with no host
// imports beyond WASI, so that runtime's BenchmarkTerminationChecks can
// run it on raw wazero with termination checks on and off and show what
// they cost a Go guest (see RATIONALE.md, "Every branch of a Go guest is a
// loop iteration").
package main

import (
	"bytes"
	"encoding/json"
	"math/bits"

	"github.com/wasmgw/wasmgw/abi"
)

// Request is the HandleRequest of one message, as the host writes it.
const Request = `{"profile":"p42","session_key":"bench:dm:chat-17","platform":"bench","chat_id":"chat-17","chat_type":"dm","user_id":"bench","message_id":"m1234","message_type":"text","text":"/call whoami {}","tools":[{"name":"whoami","description":"Reports which profile and module this is and a fingerprint of the key it was given (never the key)."}]}`

// LoopBytes is the size of the buffer byte_loop scans.
const LoopBytes = 16 << 10

var (
	request = []byte(Request)
	buf     = make([]byte, LoopBytes)
	sink    int
)

//go:wasmexport json_decode
func jsonDecode() {
	var r abi.HandleRequest
	if json.Unmarshal(request, &r) != nil {
		panic("decode")
	}
	sink += len(r.Text)
}

//go:wasmexport abi_decode
func abiDecode() {
	r, err := abi.DecodeHandleRequest(request)
	if err != nil {
		panic("decode")
	}
	sink += len(r.Text)
}

//go:wasmexport byte_loop
func byteLoop() {
	n := 0
	for i := 0; i < len(buf); i++ {
		if buf[i] == '"' {
			n++
		}
	}
	sink += n
}

// indexByte finds a byte that buf does not hold with bytes.IndexByte (in
// wasm, a hand-written loop a byte per iteration).
//
//go:wasmexport index_byte
func indexByte() { sink += bytes.IndexByte(buf, '"') }

// indexSWAR finds it the way guest/interp's scanner does: four eight-byte
// words per loop iteration.
//
//go:wasmexport index_swar
func indexSWAR() { sink += IndexSWAR(buf, '"') }

// IndexSWAR returns the index of the first c in b, or -1, looking at 32
// bytes per loop iteration (guest/interp's wordscan.go, for []byte).
func IndexSWAR(b []byte, c byte) int {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	has := func(i int) uint64 {
		s := b[i : i+8]
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		x := w ^ (lsb * uint64(c))
		return (x - lsb) &^ x & msb
	}
	i := 0
	for ; i+32 <= len(b); i += 32 {
		m0, m1, m2, m3 := has(i), has(i+8), has(i+16), has(i+24)
		if m0|m1|m2|m3 != 0 {
			for k, m := range [4]uint64{m0, m1, m2, m3} {
				if m != 0 {
					return i + 8*k + bits.TrailingZeros64(m)>>3
				}
			}
		}
	}
	for ; i < len(b); i++ {
		if b[i] == c {
			return i
		}
	}
	return -1
}

func main() {}
