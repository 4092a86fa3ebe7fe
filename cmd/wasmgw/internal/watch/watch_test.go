package watch

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func waitReload(t *testing.T, ctx context.Context, w *Watcher, what string) {
	t.Helper()
	select {
	case <-w.Reloads():
	case <-ctx.Done():
		t.Fatalf("no reload after %s", what)
	}
}

// TestWatchAsksForReloads: a config change in a profile asks for a
// reload; so does a new profile directory, and a change inside it (the
// new directory is watched too).
func TestWatchAsksForReloads(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	home := t.TempDir()
	p1 := filepath.Join(home, "profiles", "p1")
	if err := os.MkdirAll(p1, 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := Home(ctx, home, 10*time.Millisecond, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p1, "config.yaml"), []byte("wasmgw: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitReload(t, ctx, w, "a config write")
	p2 := filepath.Join(home, "profiles", "p2")
	if err := os.Mkdir(p2, 0o755); err != nil {
		t.Fatal(err)
	}
	waitReload(t, ctx, w, "a new profile directory")
	if err := os.WriteFile(filepath.Join(p2, "config.yaml"), []byte("wasmgw: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitReload(t, ctx, w, "a write in the new profile directory")
	mods := filepath.Join(p1, "modules")
	if err := os.Mkdir(mods, 0o755); err != nil {
		t.Fatal(err)
	}
	waitReload(t, ctx, w, "a new modules directory")
	if err := os.WriteFile(filepath.Join(mods, "tool.wasm"), []byte("\x00asm"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitReload(t, ctx, w, "a rebuilt module")
	cancel()
	<-w.Done()
}

// TestWatchDebounces: a burst of writes asks for one reload, sent once the
// burst is over (a second value never queues behind the first).
func TestWatchDebounces(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	home := t.TempDir()
	w, err := Home(ctx, home, time.Hour, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := os.WriteFile(filepath.Join(home, "config.yaml"), []byte{byte('a' + i)}, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-w.Reloads():
		t.Fatal("a reload before the home was quiet for the debounce interval")
	default:
	}
	cancel()
	<-w.Done()
}
