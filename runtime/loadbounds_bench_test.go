package runtime_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/builtin"
)

// BenchmarkLoadRefusal is what refusing a 60 MB module with no ABI marker
// costs the host now: scanned in memory (size bound raised) or refused by
// its size (the default bound). The unchecked host compiled it first:
// 3.5 GB and 5 to 8 s. scan-whoami is the cheap pass over a real module.
func BenchmarkLoadRefusal(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.wasm")
	hdr := []byte{0, 'a', 's', 'm', 1, 0, 0, 0, 0, 0x80, 0x80, 0x80, 0x1e, 1, 'x'}
	if err := os.WriteFile(path, hdr, 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.Truncate(path, int64(len(hdr)-2+60<<20)); err != nil {
		b.Fatal(err)
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		name string
		max  uint64
	}{{"scan-60MB-no-marker", 128 << 20}, {"size-60MB-default-bound", 0}} {
		e, err := runtime.NewEngine(ctx, runtime.Options{MaxModuleSize: c.max, Audit: runtime.DiscardAudit{}})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Compile(ctx, wasm); err == nil {
					b.Fatal("accepted")
				}
			}
			if e.Compiles() != 0 {
				b.Fatal("compiled")
			}
		})
		_ = e.Close(ctx)
	}
	whoami, err := builtin.Module("whoami")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("scan-whoami", func(b *testing.B) {
		b.SetBytes(int64(len(whoami)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := runtime.ScanModuleForBench(whoami); err != nil {
				b.Fatal(err)
			}
		}
	})
}
