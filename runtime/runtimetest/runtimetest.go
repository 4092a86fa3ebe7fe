// Package runtimetest helps tests of wasmgw run real modules: a
// compilation cache per test binary (see Main), the repository's paths, the hostile modules, and throwaway
// homes with profiles written from a spec.
package runtimetest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	wruntime "github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/internal/dotenv"
	"github.com/wasmgw/wasmgw/runtime/internal/testcache"
)

// CacheDir is the compilation cache shared by the tests of one test binary:
// a directory under Main's scratch directory, removed when the binary
// exits; "" (no cache) in a package whose TestMain does not call Main.
// The built-in modules and the committed hostile module are in it,
// compiled ahead of the tests (see package runtime/internal/testcache).
func CacheDir() string { return testcache.Dir() }

// Warm compiles the module file at path into CacheDir ahead of the
// engines that will load it (see package runtime/internal/testcache): a
// test that builds a Go module itself calls it, as GoModule does.
func Warm(path string) { testcache.Warm(path) }

// RepoRoot returns the repository's root directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	root := testcache.RepoRoot()
	if root == "" {
		t.Fatal("runtimetest: cannot locate the repository")
	}
	return root
}

// Engine returns an engine with the shared cache, logging to log (nil:
// discard) and auditing to audit (nil: discard), closed when the test ends.
func Engine(t testing.TB, log io.Writer, audit wruntime.AuditSink) *wruntime.Engine {
	t.Helper()
	if log == nil {
		log = io.Discard
	}
	if audit == nil {
		audit = wruntime.DiscardAudit{}
	}
	ctx := context.Background()
	e, err := wruntime.NewEngine(ctx, wruntime.Options{
		CacheDir: CacheDir(),
		Logger:   slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Audit:    audit,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(ctx) })
	return e
}

var (
	buildMu sync.Mutex
	built   string
)

// hostileDir returns runtime/inspect/wasm, where the hostile modules that
// the wasmgw binary embeds for `wasmgw audit` are committed (`make hostile`
// rebuilds them, `make check-wasm` checks them against their sources).
func hostileDir(t testing.TB) string {
	t.Helper()
	return filepath.Join(RepoRoot(t), "runtime", "inspect", "wasm")
}

// Hostile returns the path of a hostile module: "go" for the Go module
// (the committed build of testdata/hostile/go/hostile) or the name of a
// WebAssembly text module under testdata/hostile/wat. Nothing is written.
func Hostile(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(RepoRoot(t), "testdata", "hostile", "wat", name+".wasm")
	if name == "go" {
		p = filepath.Join(hostileDir(t), "hostile.wasm")
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("hostile module %s: %v", name, err)
	}
	return p
}

// EmbedHostile checks that runtime/inspect/wasm holds every hostile module
// (they are committed, so a wasmgw binary built from this checkout embeds
// them) and returns the directory.
func EmbedHostile(t testing.TB) string {
	t.Helper()
	dir := hostileDir(t)
	Hostile(t, "go")
	wats, err := filepath.Glob(filepath.Join(RepoRoot(t), "testdata", "hostile", "wat", "*.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range wats {
		if _, err := os.Stat(filepath.Join(dir, filepath.Base(src))); err != nil {
			t.Fatalf("hostile module %s is not in %s: run make hostile", filepath.Base(src), dir)
		}
	}
	return dir
}

// Profile describes a profile to write: its .env text and config.yaml text.
type Profile struct {
	Env    string
	Config string
}

// Home writes a home with the given profiles into a temporary directory
// (.env files with mode 0600) and returns its directory.
func Home(t testing.TB, profiles map[string]Profile) string {
	t.Helper()
	dir := t.TempDir()
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := profiles[n]
		pdir := filepath.Join(dir, "profiles", n)
		if n == wruntime.DefaultProfile {
			pdir = dir
		}
		if err := os.MkdirAll(pdir, 0o755); err != nil {
			t.Fatal(err)
		}
		if p.Env != "" {
			if err := os.WriteFile(filepath.Join(pdir, ".env"), []byte(p.Env), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(pdir, "config.yaml"), []byte(p.Config), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// SampleHome copies testdata/home into a temporary directory (with .env
// files at mode 0600, as a deployment has them) and returns its path.
func SampleHome(t testing.TB) string {
	t.Helper()
	src := filepath.Join(RepoRoot(t), "testdata", "home")
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if strings.HasPrefix(rel, "logs") {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if d.Name() == ".env" {
			mode = 0o600
		}
		return os.WriteFile(target, b, mode)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// OpenProfile opens profile name of home with no host globals.
func OpenProfile(t testing.TB, home, name string) *wruntime.Profile {
	t.Helper()
	h, err := wruntime.OpenHome(home, wruntime.NewGlobals(nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	p, err := h.Profile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// FakeValues returns every value of every .env under home, for tests that
// grep output for leaks. Values shorter than 6 bytes are skipped.
func FakeValues(t testing.TB, home string) []string {
	t.Helper()
	var vals []string
	_ = filepath.WalkDir(home, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.Name() != ".env" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		vars, err := dotenv.Parse(path, b)
		if err != nil {
			return nil
		}
		for _, v := range vars {
			if len(v) >= 6 {
				vals = append(vals, v)
			}
		}
		return nil
	})
	sort.Strings(vals)
	return vals
}

// LogWatcher is a log destination that keeps everything written to it and
// lets a test wait until a line containing some text has been written: a
// way to synchronise with a guest's progress without sleeping.
type LogWatcher struct {
	mu      sync.Mutex
	buf     strings.Builder
	waiters []logWaiter
}

type logWaiter struct {
	text string
	ch   chan struct{}
}

// Write implements io.Writer.
func (w *LogWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	kept := w.waiters[:0]
	for _, wt := range w.waiters {
		if strings.Contains(w.buf.String(), wt.text) {
			close(wt.ch)
		} else {
			kept = append(kept, wt)
		}
	}
	w.waiters = kept
	return len(p), nil
}

// String returns everything written so far.
func (w *LogWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// Seen returns a channel closed once text has been written.
func (w *LogWatcher) Seen(text string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := make(chan struct{})
	if strings.Contains(w.buf.String(), text) {
		close(ch)
		return ch
	}
	w.waiters = append(w.waiters, logWaiter{text, ch})
	return ch
}
