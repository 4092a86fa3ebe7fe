package testcache

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/builtin"
)

// The cache is filled before Dir returns: one compiled file per built-in
// module and one for the hostile module, and Stop removes it all.
func TestDirIsWarmedAndStopRemovesIt(t *testing.T) {
	if !warms {
		t.Skip("built with the perfmap tag: the cache is not filled ahead")
	}
	if Dir() != "" {
		t.Fatal("Dir before Start is not empty")
	}
	scratch, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Stop() })
	cache := Dir()
	if !strings.HasPrefix(cache, scratch) {
		t.Fatalf("cache %s is not under the scratch directory %s", cache, scratch)
	}
	if got, want := compiled(t, cache), len(builtin.Names())+1; got != want {
		t.Fatalf("%d compiled modules in the cache, want %d (every built-in and the hostile module)", got, want)
	}
	if err := Stop(); err != nil {
		t.Fatal(err)
	}
	if Dir() != "" || Scratch() != "" {
		t.Fatalf("after Stop: Dir %q, Scratch %q", Dir(), Scratch())
	}
	if _, err := os.Stat(scratch); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Stop left %s: %v", scratch, err)
	}
}

// compiled counts the files wazero's file cache wrote under dir.
func compiled(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasSuffix(path, ".tmp") {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
