//go:build !wasip1

package handler

const noHost = -1000

func hostToolCall(string, []byte, []byte) int32 { return noHost }

func hostResultRead([]byte) int32 { return noHost }

// Serve runs the registered handler on a request's JSON, as the host would;
// it lets handler authors test natively. Tool calls fail outside a host.
func Serve(in []byte) ([]byte, error) { return serve(in) }
