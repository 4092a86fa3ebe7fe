package runtimetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	goModulesMu sync.Mutex
	goModules   = map[string]string{}
)

// GoModule builds the Go guest package at pkg (relative to the repository
// root, e.g. "testdata/egress/go/fetcher") for wasip1 and returns the path
// of the .wasm. It builds once per test process, every process (the Go
// build cache makes a rebuild cheap), so a test never runs a stale module;
// the file is written into the test binary's scratch directory (Main), or
// into the test's own temporary directory when the package's TestMain does
// not call Main: never into the source tree.
func GoModule(t testing.TB, pkg string) string {
	t.Helper()
	goModulesMu.Lock()
	defer goModulesMu.Unlock()
	if p, ok := goModules[pkg]; ok {
		return p
	}
	root := RepoRoot(t)
	dir := Scratch()
	shared := dir != ""
	if shared {
		dir = filepath.Join(dir, "modules")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	} else {
		dir = t.TempDir()
	}
	out := filepath.Join(dir, filepath.Base(pkg)+".wasm")
	tmp := fmt.Sprintf("%s.%d.tmp", out, os.Getpid())
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", tmp, "./"+filepath.ToSlash(pkg))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		_ = os.Remove(tmp)
		t.Fatalf("build %s: %v\n%s", pkg, err, b)
	}
	if err := os.Rename(tmp, out); err != nil {
		t.Fatal(err)
	}
	if shared {
		Warm(out)
		goModules[pkg] = out
	}
	return out
}
