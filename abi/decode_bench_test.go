package abi

import "testing"

// BenchmarkDecodeHandleRequest decodes a request with every field, escapes,
// numbers and unknown members skipped.
func BenchmarkDecodeHandleRequest(b *testing.B) {
	in := []byte(fullRequest)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeHandleRequest(in); err != nil {
			b.Fatal(err)
		}
	}
}
