package runtime

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Fleet is the set of profiles a gateway serves, each loaded once.
//
// A fleet is safe for concurrent use: [Fleet.Reload] swaps profiles in and
// out while messages are served.
type Fleet struct {
	e *Engine
	h *Home

	reloadMu sync.Mutex // serialises reloads

	mu      sync.RWMutex
	tenants map[string]*Tenant
	failed  map[string]error
	stamps  map[string]string // what each served tenant was opened from
}

// FleetProgress is told about each profile as it is loaded.
type FleetProgress func(done, total int, profile string, took time.Duration, err error)

// OpenFleet loads the named profiles of home (every profile when names is
// empty) with up to workers at a time. A profile that fails to load is
// reported and left out: the others are served, and messages for it are
// refused like those for an unknown profile. The error is non-nil only when
// no profile could be loaded.
func OpenFleet(ctx context.Context, e *Engine, h *Home, names []string, workers int, progress FleetProgress) (*Fleet, error) {
	if len(names) == 0 {
		var err error
		if names, err = h.ProfileNames(); err != nil {
			return nil, err
		}
	}
	f := &Fleet{e: e, h: h, tenants: map[string]*Tenant{}, failed: map[string]error{}, stamps: map[string]string{}}
	var mu sync.Mutex
	work := make(chan string)
	var wg sync.WaitGroup
	done := 0
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range work {
				start := time.Now()
				t, stamp, err := openOne(ctx, e, h, name)
				mu.Lock()
				if err != nil {
					f.failed[name] = err
				} else {
					f.tenants[t.Profile().Name] = t
					f.stamps[t.Profile().Name] = stamp
				}
				done++
				if progress != nil {
					progress(done, len(names), name, time.Since(start), err)
				}
				mu.Unlock()
			}
		}()
	}
	for _, n := range names {
		if ctx.Err() != nil {
			break
		}
		work <- n
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		f.Close(context.Background())
		return nil, err
	}
	if len(f.tenants) == 0 {
		errs := make([]error, 0, len(f.failed))
		for _, n := range f.Failed() {
			errs = append(errs, f.failed[n])
		}
		return nil, fmt.Errorf("no profile could be loaded: %w", errors.Join(errs...))
	}
	return f, nil
}

// openOne loads profile name and returns it with the stamp of what it was
// opened from (see profileStamp).
func openOne(ctx context.Context, e *Engine, h *Home, name string) (*Tenant, string, error) {
	cfgSum := configSum(h, name)
	p, err := h.Profile(name)
	if err != nil {
		return nil, "", err
	}
	stamp := profileStamp(cfgSum, p)
	t, err := e.Open(ctx, p)
	return t, stamp, err
}

// Tenant returns the loaded profile name, if the fleet serves it.
func (f *Fleet) Tenant(name string) (*Tenant, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	t, ok := f.tenants[name]
	return t, ok
}

// Names lists the served profiles, sorted.
func (f *Fleet) Names() []string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	names := make([]string, 0, len(f.tenants))
	for n := range f.tenants {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Failed lists the profiles that could not be loaded, sorted.
func (f *Fleet) Failed() []string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	names := make([]string, 0, len(f.failed))
	for n := range f.failed {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Err returns why profile name could not be loaded, or nil.
func (f *Fleet) Err(name string) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.failed[name]
}

// PoolStats reports the pool of the fleet's engine (shared with any other
// fleet of that engine, such as the next one after a reload).
func (f *Fleet) PoolStats() PoolStats { return f.e.PoolStats() }

// Janitor evicts idle instances every interval until ctx is done.
func (f *Fleet) Janitor(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f.e.EvictIdle(ctx)
		}
	}
}

// Close releases every tenant.
func (f *Fleet) Close(ctx context.Context) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, t := range f.tenants {
		t.Close(ctx)
	}
}
