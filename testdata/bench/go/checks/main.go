// Command checks is a benchmark guest: pure computation with no host
// imports beyond WASI, so that runtime's BenchmarkTerminationChecks can
// run it on raw wazero with termination checks on and off and show what
// they cost a Go guest (see RATIONALE.md, "Every branch of a Go guest is a
// loop iteration").
package main

import (
	"encoding/json"

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

func main() {}
