package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// `wasmgw run` on a profile whose module declares more initial memory than
// its limit used to crash with a Go panic; it now exits 1 with an error
// naming the profile, the module, the pages and the limit. An oversized
// module file is refused by --max-module-size before it is read.
func TestRunRefusesModulesOverTheLoadBounds(t *testing.T) {
	t.Parallel()
	home := runtimetest.SampleHome(t)
	pdir := filepath.Join(home, "profiles", "mallory")
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(runtimetest.Hostile(t, "big_memory"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pdir, "big.wasm"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pdir, "config.yaml"), []byte("wasmgw:\n  modules:\n    big: big.wasm\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", nil, "run", "--home", home, cacheFlag(), "--profile", "mallory", "--tool", "attack")
	if r.code != 1 || strings.Contains(r.stderr, "panic") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{`profile "mallory"`, `module "big"`, "4096 pages", "128 MiB"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	r = run(t, "", nil, "run", "--home", home, cacheFlag(), "--max-module-size", "64B", "--profile", "mallory", "--tool", "attack")
	if r.code != 1 || !strings.Contains(r.stderr, "more than the largest module this host loads (64 bytes") {
		t.Errorf("--max-module-size 64B: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	r = run(t, "", nil, "run", "--home", home, "--max-module-size", "lots", "--profile", "mallory", "--tool", "attack")
	if r.code == 0 || !strings.Contains(r.stderr, `--max-module-size "lots"`) {
		t.Errorf("a bad --max-module-size: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
