// Package handler is the guest SDK for message handler modules: a module
// that imports it exports wasmgw_handle, receives each inbound message routed
// to its profile and may call the profile's tools, each of which runs in its
// own sandboxed instance with its own grants and limits.
//
//	func init() {
//		handler.Handle(func(req abi.HandleRequest) (abi.HandleReply, error) {
//			out, err := handler.CallTool("whoami", nil)
//			...
//		})
//	}
package handler

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/guest"
)

// Func handles one message.
type Func func(abi.HandleRequest) (abi.HandleReply, error)

// fn is the registered handler; set from an init function, read by the
// export.
var fn Func

// Handle registers the module's handler. Call it once, from init.
func Handle(f Func) {
	if fn != nil {
		panic("handler: Handle called twice")
	}
	fn = f
}

// ErrUnknownTool is returned by CallTool for a tool the profile lacks.
var ErrUnknownTool = errors.New("unknown tool")

// ToolError is a tool that ran and reported a failure.
type ToolError struct {
	Tool    string
	Code    string
	Message string
}

func (e *ToolError) Error() string { return fmt.Sprintf("tool %s: %s: %s", e.Tool, e.Code, e.Message) }

// results receives tool results, reused from call to call: zeroing a
// fresh 4 KiB buffer costs a Go guest about 11 µs under termination
// checks. Like the tool registry of package guest it is package state,
// which is safe here because an instance runs one call at a time and
// nothing yields between the host call that fills it and the decoding
// that copies what it keeps.
var results []byte

// CallTool calls a tool of the same profile with a JSON input (nil means
// {}) and returns its JSON output.
func CallTool(name string, input json.RawMessage) (json.RawMessage, error) {
	if len(input) == 0 {
		input = json.RawMessage("{}")
	}
	if results == nil {
		results = make([]byte, 4096)
	}
	buf := results
	n := hostToolCall(name, input, buf)
	switch {
	case n == abi.ErrNotFound:
		return nil, fmt.Errorf("tool %q: %w", name, ErrUnknownTool)
	case n < 0:
		return nil, fmt.Errorf("tool %q: %w", name, &guest.HostError{Func: abi.FuncToolCall, Code: n})
	case int(n) > len(buf):
		buf = make([]byte, n)
		results = buf
		if m := hostResultRead(buf); m != n {
			return nil, fmt.Errorf("tool %q: reading the result: %w", name, &guest.HostError{Func: abi.FuncResultRead, Code: m})
		}
	}
	res, err := abi.DecodeCallResult(buf[:n])
	if err != nil {
		return nil, fmt.Errorf("tool %q: bad envelope: %w", name, err)
	}
	if res.Error != nil {
		return nil, &ToolError{Tool: name, Code: res.Error.Code, Message: res.Error.Message}
	}
	return res.Output, nil
}

// serve runs the registered handler on one request's bytes.
func serve(in []byte) ([]byte, error) {
	if fn == nil {
		return nil, &guest.Error{Code: "no_handler", Message: "the module registered no handler"}
	}
	req, err := abi.DecodeHandleRequest(in)
	if err != nil {
		return nil, &guest.Error{Code: "bad_input", Message: "handle request: " + err.Error()}
	}
	reply, err := fn(req)
	if err != nil {
		return nil, err
	}
	// Respond hands the reply to the host before the next call.
	out := abi.AppendHandleReply(replyBuf[:0], reply)
	if cap(out) <= maxKeptReply {
		replyBuf = out
	}
	return out, nil
}

// replyBuf holds the reply being handed to the host, reused from call to
// call like results; one larger than maxKeptReply is not kept.
var replyBuf []byte

const maxKeptReply = 64 << 10
