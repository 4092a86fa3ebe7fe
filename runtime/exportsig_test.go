package runtime_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// sigModule is a wasmgw module (memory, ABI marker, alloc, describe) that
// also exports name with params i32 parameters and one i32 result, its
// body a constant. The exports the host needs have their right signatures
// unless name is one of them.
func sigModule(name string, params int) []byte {
	section := func(id byte, content ...byte) []byte {
		return append([]byte{id, byte(len(content))}, content...)
	}
	str := func(s string) []byte { return append([]byte{byte(len(s))}, s...) }
	export := func(s string, kind, index byte) []byte { return append(str(s), kind, index) }
	fnType := func(n int) []byte { // (i32 x n) -> i32
		t := []byte{0x60, byte(n)}
		for range n {
			t = append(t, 0x7f)
		}
		return append(t, 0x01, 0x7f)
	}
	constBody := []byte{0x04, 0x00, 0x41, 0x00, 0x0b} // i32.const 0
	var types, exports, code []byte
	types = append(types, 4, 0x60, 0x00, 0x00)                                           // 0: () -> ()
	types = append(append(append(types, fnType(1)...), fnType(0)...), fnType(params)...) // 1, 2, 3
	exports = append(exports, 5)
	exports = append(exports, export("memory", 0x02, 0)...)
	exports = append(exports, export(abi.VersionExportPrefix+"1", 0x00, 0)...)
	allocIdx, describeIdx := byte(1), byte(2)
	switch name {
	case abi.ExportAlloc:
		allocIdx = 3
	case abi.ExportDescribe:
		describeIdx = 3
	}
	exports = append(exports, export(abi.ExportAlloc, 0x00, allocIdx)...)
	exports = append(exports, export(abi.ExportDescribe, 0x00, describeIdx)...)
	if name == abi.ExportAlloc || name == abi.ExportDescribe {
		exports = append(exports, export("other", 0x00, 3)...)
	} else {
		exports = append(exports, export(name, 0x00, 3)...)
	}
	code = append(code, 4, 0x02, 0x00, 0x0b)
	code = append(append(append(code, constBody...), constBody...), constBody...)
	m := []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}
	m = append(m, section(0x01, types...)...)
	m = append(m, section(0x03, 4, 0, 1, 2, 3)...)
	m = append(m, section(0x05, 1, 0x00, 1)...)
	m = append(m, section(0x07, exports...)...)
	return append(m, section(0x0a, code...)...)
}

// TestExportWithTheWrongSignatureIsRefused checks that a module exporting
// a function the host calls, with another signature than the ABI's, is
// refused when it is compiled, with a message naming the export and the
// signature wanted; the same module with the right signatures compiles.
func TestExportWithTheWrongSignatureIsRefused(t *testing.T) {
	e := runtimetest.Engine(t, nil, nil)
	ctx := context.Background()
	for _, name := range []string{abi.ExportAlloc, abi.ExportDescribe, abi.ExportCallTool, abi.ExportHandle, abi.ExportInterpolate} {
		want, _, _ := abi.ExportSignature(name)
		t.Run(name, func(t *testing.T) {
			if _, err := e.Compile(ctx, sigModule(name, want)); err != nil {
				t.Fatalf("the right signature: %v", err)
			}
			wrong := []int{want + 1}
			if want > 0 {
				wrong = append(wrong, want-1)
			}
			for _, params := range wrong {
				_, err := e.Compile(ctx, sigModule(name, params))
				if err == nil || !strings.Contains(err.Error(), "exports "+name+" with the wrong signature") {
					t.Fatalf("%d parameters: err = %v, want the wrong signature of %s", params, err, name)
				}
			}
		})
	}
}
