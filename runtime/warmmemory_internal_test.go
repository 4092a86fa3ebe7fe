package runtime

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/internal/testcache"
)

// TestWarmGoInstanceStaysSmall: a pooled Go instance's heap grows until
// its first garbage collection, and in WebAssembly what it touched stays
// committed for the instance's life. The SDK's GC target (guest.GCPercent)
// bounds that growth: after 12,000 messages that each call a tool, the
// pooled handler and whoami instances hold at most 7 MiB of linear memory
// each (with Go's default target both grew to 7.75 MiB).
func TestWarmGoInstanceStaysSmall(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	prof := filepath.Join(dir, "profiles", "p")
	if err := os.MkdirAll(prof, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		".env":        "OPENAI_API_KEY=sk-test-warm-0123456789\n",
		"config.yaml": "wasmgw:\n  modules:\n    whoami: builtin:whoami\n",
	} {
		if err := os.WriteFile(filepath.Join(prof, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	h, err := OpenHome(dir, Globals{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := h.Profile("p")
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(ctx, Options{CacheDir: testcache.Dir(), Audit: DiscardAudit{}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	ten, err := e.Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer ten.Close(ctx)
	req := abi.HandleRequest{Profile: "p", SessionKey: "test:dm:1", Text: "/call whoami {}"}
	for range 12000 {
		if _, err := ten.Handle(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	const bound = 7 << 20
	seen := 0
	for _, tm := range ten.moduleList() {
		for _, idle := range tm.idle {
			seen++
			if got := idle.in.memoryBytes(); got > bound {
				t.Errorf("module %s: %.2f MiB of linear memory after 12,000 calls, want at most %d MiB", tm.cfg.Name, float64(got)/(1<<20), bound>>20)
			} else {
				t.Logf("module %s: %.2f MiB of linear memory after 12,000 calls", tm.cfg.Name, float64(got)/(1<<20))
			}
		}
	}
	if seen != 2 {
		t.Fatalf("%d pooled instances, want the handler's and whoami's", seen)
	}
}
