// Package watch turns changes to a gateway home's files into debounced
// reload requests, with fsnotify.
//
// It watches the home directory, its profiles/ directory, each profile
// directory and the modules/ directory of the home and of each profile
// (one inotify watch each; see docs/operations.md for the kernel's limit). A change to any file there except a .env (profiles
// re-read their .env by themselves) and the logs/ directory asks for a
// reload once the home has been quiet for the debounce interval, so that
// an editor's save or a deployment tool's many writes cause one reload.
package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is how long the home must be quiet before a reload.
const DefaultDebounce = 500 * time.Millisecond

// Watcher watches a home. Its Reloads channel receives a value after each
// quiet period that followed a change.
type Watcher struct {
	home     string
	debounce time.Duration
	log      *slog.Logger
	w        *fsnotify.Watcher
	reloads  chan struct{}
	done     chan struct{}
	newTimer func(time.Duration) debounceTimer
}

// debounceTimer is the part of a *time.Timer the loop uses; tests give
// their own to fire it when they choose.
type debounceTimer interface {
	Chan() <-chan time.Time
	Reset(time.Duration)
	Stop()
}

// clockTimer is a debounceTimer on the real clock.
type clockTimer struct{ t *time.Timer }

func newClockTimer(d time.Duration) debounceTimer { return clockTimer{time.NewTimer(d)} }

func (c clockTimer) Chan() <-chan time.Time { return c.t.C }
func (c clockTimer) Reset(d time.Duration)  { c.t.Reset(d) }
func (c clockTimer) Stop()                  { c.t.Stop() }

// Home starts watching the home at dir until ctx is done.
func Home(ctx context.Context, dir string, debounce time.Duration, log *slog.Logger) (*Watcher, error) {
	return watchHome(ctx, dir, debounce, log, newClockTimer)
}

// watchHome is Home with the debounce timer given.
func watchHome(ctx context.Context, dir string, debounce time.Duration, log *slog.Logger, newTimer func(time.Duration) debounceTimer) (*Watcher, error) {
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("--watch: %w", err)
	}
	w := &Watcher{home: dir, debounce: debounce, log: log, w: fw, reloads: make(chan struct{}, 1), done: make(chan struct{}), newTimer: newTimer}
	if err := w.addAll(); err != nil {
		fw.Close()
		return nil, err
	}
	go w.loop(ctx)
	return w, nil
}

// Reloads receives one value per debounced change.
func (w *Watcher) Reloads() <-chan struct{} { return w.reloads }

// Done is closed once the watcher has stopped (ctx done).
func (w *Watcher) Done() <-chan struct{} { return w.done }

// addAll watches the home, profiles/ and every directory in it. A watch
// already in place is kept.
func (w *Watcher) addAll() error {
	if err := w.w.Add(w.home); err != nil {
		return fmt.Errorf("--watch %s: %w", w.home, err)
	}
	profiles := filepath.Join(w.home, "profiles")
	if err := w.w.Add(profiles); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil // the home watch sees profiles/ appear
		}
		return fmt.Errorf("--watch %s: %w", profiles, err)
	}
	entries, err := os.ReadDir(profiles)
	if err != nil {
		return fmt.Errorf("--watch %s: %w", profiles, err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(profiles, e.Name())
		for _, d := range []string{dir, filepath.Join(dir, "modules")} {
			if st, err := os.Stat(d); err != nil || !st.IsDir() {
				continue
			}
			if err := w.w.Add(d); err != nil {
				return fmt.Errorf("--watch %s: %w (see fs.inotify.max_user_watches in docs/operations.md)", d, err)
			}
		}
	}
	if st, err := os.Stat(filepath.Join(w.home, "modules")); err == nil && st.IsDir() {
		if err := w.w.Add(filepath.Join(w.home, "modules")); err != nil {
			return fmt.Errorf("--watch %s: %w", filepath.Join(w.home, "modules"), err)
		}
	}
	return nil
}

// relevant reports whether an event may change what the gateway serves.
func (w *Watcher) relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	base := filepath.Base(ev.Name)
	if base == ".env" || ev.Name == filepath.Join(w.home, "logs") {
		return false
	}
	return true
}

func (w *Watcher) loop(ctx context.Context) {
	defer close(w.done)
	defer w.w.Close()
	var timer debounceTimer
	var fire <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return
		case err, ok := <-w.w.Errors:
			if !ok {
				return
			}
			w.log.Warn("--watch: file watch error; send SIGHUP to reload by hand", "error", err)
		case ev, ok := <-w.w.Events:
			if !ok {
				return
			}
			if !w.relevant(ev) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				// A new profile directory (or profiles/ itself): watch it
				// too. Errors are logged; the reload still happens.
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					if err := w.addAll(); err != nil {
						w.log.Warn("--watch: cannot watch a new directory", "error", err)
					}
				}
			}
			if timer == nil {
				timer = w.newTimer(w.debounce)
			} else {
				timer.Reset(w.debounce)
			}
			fire = timer.Chan()
		case <-fire:
			fire = nil
			select {
			case w.reloads <- struct{}{}:
			default: // one reload is already pending
			}
		}
	}
}
