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

// handTimer is a debounce timer the test fires by hand. Each arming
// (creation or Reset) is reported on armed with its duration.
type handTimer struct {
	c     chan time.Time
	armed chan time.Duration
}

func (h *handTimer) Chan() <-chan time.Time { return h.c }
func (h *handTimer) Reset(d time.Duration)  { h.armed <- d }
func (h *handTimer) Stop()                  {}

// TestWatchDebounces: a burst of writes asks for one reload, sent only
// when the timer armed by the burst's last event fires, never before;
// every event re-arms it for the whole interval; and a second reload
// never queues behind one not yet taken.
func TestWatchDebounces(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	home := t.TempDir()
	ht := &handTimer{c: make(chan time.Time), armed: make(chan time.Duration, 1024)}
	const debounce = 7 * time.Second
	w, err := watchHome(ctx, home, debounce, slog.New(slog.DiscardHandler), func(d time.Duration) debounceTimer {
		ht.armed <- d
		return ht
	})
	if err != nil {
		t.Fatal(err)
	}
	// Write until the watcher has armed its timer for 20 events (inotify
	// may merge writes it has not handed over yet, so count armings).
	write := func(i int) {
		if err := os.WriteFile(filepath.Join(home, "config.yaml"), []byte{byte('a' + i%26)}, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for armings, i := 0, 0; armings < 20; {
		write(i)
		i++
		select {
		case d := <-ht.armed:
			armings++
			if d != debounce {
				t.Fatalf("armed for %v, want the debounce interval %v", d, debounce)
			}
		case <-ctx.Done():
			t.Fatal("the timer was never armed")
		}
		select {
		case <-w.Reloads():
			t.Fatalf("a reload after %d events, before the debounce timer fired", armings)
		default: // the event that armed the timer was handled before it was armed
		}
	}
	// The burst is over: the timer fires once, one reload.
	select {
	case ht.c <- time.Now():
	case <-ctx.Done():
		t.Fatal("the watcher does not wait on its timer")
	}
	waitReload(t, ctx, w, "the debounce timer fired")
	// A second burst and firing while that reload is not taken leave one
	// value pending, not two.
	write(0)
	<-ht.armed
	ht.c <- time.Now()
	write(1)
	<-ht.armed
	ht.c <- time.Now()
	write(2) // handled once that firing is: the loop is sequential
	<-ht.armed
	waitReload(t, ctx, w, "the second burst")
	select {
	case <-w.Reloads():
		t.Fatal("a second reload queued behind the first")
	default:
	}
	cancel()
	<-w.Done()
}
