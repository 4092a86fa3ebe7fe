//go:build !wasip1

package handler

import "bytes"

const noHost = -1000

func hostToolCall(string, []byte, []byte) int32 { return noHost }

func hostResultRead([]byte) int32 { return noHost }

// Serve runs the registered handler on a request's JSON, as the host would;
// it lets handler authors test natively. Tool calls fail outside a host.
// The reply is the caller's (serve reuses its buffer).
func Serve(in []byte) ([]byte, error) {
	out, err := serve(in)
	return bytes.Clone(out), err
}
