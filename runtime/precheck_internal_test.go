package runtime

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/internal/wasmbin"
)

// FuzzScanModule: the cheap pass never panics, and accepts only what the
// shared reader parses, with a marker, a memory of its own and no table
// over the host's bound.
func FuzzScanModule(f *testing.F) {
	wats, _ := filepath.Glob("../testdata/hostile/wat/*.wasm")
	for _, p := range wats {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, wasm []byte) {
		pages, err := scanModule(wasm)
		if err != nil {
			return
		}
		info, perr := wasmbin.Parse(wasm)
		if perr != nil || info.ABIVersion() == 0 {
			t.Fatalf("accepted what the reader refuses: %v", perr)
		}
		for i, tb := range info.Tables {
			if tb.Min > MaxTableElements {
				t.Fatalf("accepted table %d of %d elements", i, tb.Min)
			}
		}
		if checkDeclaredMemory(pages, defaultMemory) == nil && pages > defaultMemory/wasmPage {
			t.Fatalf("%d pages pass a %d-byte limit", pages, defaultMemory)
		}
	})
}
