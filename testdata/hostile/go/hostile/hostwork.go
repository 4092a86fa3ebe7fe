package main

// Tools that make the host work on the guest's behalf: each sends the host
// a lot of cheap-to-make input (a flood of newlines, an attribute bomb,
// thousands of placeholders, an audit record per host call). The host must
// charge that work to the call's budgets and stop it with the call. With
// "loop" a tool repeats its attack until the host stops the call (so the
// call runs into its deadline while the host is busy on its behalf) or a
// host function answers ErrBudget.

import (
	"os"
	"strconv"
	"strings"

	"github.com/wasmgw/wasmgw/guest"
)

const errBudget = -6

type floodSpec struct {
	// Bytes is the size of one write (stdout, stderr) or of the attributes
	// of one log call.
	Bytes int `json:"bytes"`
	// Count is the number of attributes, placeholders, or the length of a
	// secret name, depending on the tool.
	Count int `json:"count"`
	// Newlines: stdout_flood writes newlines (else one long line).
	Newlines bool `json:"newlines"`
	// Loop repeats the attack until the call is stopped or the budget is
	// spent, or Rounds times when Rounds is set.
	Loop   bool `json:"loop"`
	Rounds int  `json:"rounds"`
}

// again reports whether a flood that has made r rounds goes on.
func (in floodSpec) again(r FloodResult) bool {
	return in.Loop && r.Last != errBudget && (in.Rounds == 0 || r.Rounds < in.Rounds)
}

// FloodResult is what a flood reports when it returns.
type FloodResult struct {
	Rounds int   `json:"rounds"`
	Last   int32 `json:"last"`
}

// stdoutFlood writes Bytes bytes (newlines, or one line without any) to
// stdout in one fd_write.
func stdoutFlood(in floodSpec) (FloodResult, error) {
	fill := byte('x')
	if in.Newlines {
		fill = '\n'
	}
	buf := make([]byte, in.Bytes)
	for i := range buf {
		buf[i] = fill
	}
	r := FloodResult{}
	for {
		if _, err := os.Stdout.Write(buf); err != nil {
			return r, err
		}
		r.Rounds++
		if !in.again(r) {
			return r, nil
		}
	}
}

// logBomb calls log with attributes of about Bytes bytes (Count keys,
// or one when Count is 0).
func logBomb(in floodSpec) (FloodResult, error) {
	keys := max(in.Count, 1)
	val := strings.Repeat("v", max(0, in.Bytes/keys-12))
	attrs := make([]byte, 0, in.Bytes+64)
	attrs = append(attrs, '{')
	for i := range keys {
		if i > 0 {
			attrs = append(attrs, ',')
		}
		attrs = append(attrs, `"k`...)
		attrs = strconv.AppendInt(attrs, int64(i), 10)
		attrs = append(attrs, `":"`...)
		attrs = append(attrs, val...)
		attrs = append(attrs, '"')
	}
	attrs = append(attrs, '}')
	msg := []byte("log bomb")
	r := FloodResult{}
	for {
		r.Last = rawLog(0, addr(msg), uint32(len(msg)), addr(attrs), uint32(len(attrs)))
		r.Rounds++
		if !in.again(r) {
			return r, nil
		}
	}
}

// placeholderFlood calls http_fetch with Count distinct {{secret:...}}
// placeholders in the query (the module has no egress policy).
func placeholderFlood(in floodSpec) (FloodResult, error) {
	req := make([]byte, 0, 32+26*in.Count)
	req = append(req, `{"url":"https://example.com/?`...)
	for i := range in.Count {
		req = append(req, 's')
		req = strconv.AppendInt(req, int64(i), 10)
		req = append(req, "={{secret:S"...)
		req = strconv.AppendInt(req, int64(i), 10)
		req = append(req, "}}&"...)
	}
	req = append(req, `"}`...)
	buf := make([]byte, 256)
	r := FloodResult{}
	for {
		r.Last = rawHTTPFetch(addr(req), uint32(len(req)), addr(buf), uint32(len(buf)))
		r.Rounds++
		if !in.again(r) {
			return r, nil
		}
	}
}

// auditFlood calls secret_get with a valid name of Count bytes until the
// host-call budget is spent: one audit record per call.
func auditFlood(in floodSpec) (FloodResult, error) {
	name := []byte("A" + strings.Repeat("b", max(0, in.Count-1)))
	buf := make([]byte, 8)
	r := FloodResult{}
	for {
		r.Last = rawSecretGet(addr(name), uint32(len(name)), addr(buf), uint32(len(buf)))
		r.Rounds++
		if !in.again(r) {
			return r, nil
		}
	}
}

func init() {
	guest.Tool("stdout_flood", "Writes bytes (newlines or one long line) to stdout in one fd_write, optionally in a loop.", stdoutFlood)
	guest.Tool("log_bomb", "Calls log with an attribute object of the given size and key count, optionally in a loop.", logBomb)
	guest.Tool("placeholder_flood", "Calls http_fetch with the given number of distinct secret placeholders, optionally in a loop.", placeholderFlood)
	guest.Tool("audit_flood", "Calls secret_get with a name of the given length until the host-call budget is spent.", auditFlood)
}
