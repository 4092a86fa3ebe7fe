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
type Fleet struct {
	e       *Engine
	tenants map[string]*Tenant
	failed  map[string]error
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
	f := &Fleet{e: e, tenants: map[string]*Tenant{}, failed: map[string]error{}}
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
				t, err := openOne(ctx, e, h, name)
				mu.Lock()
				if err != nil {
					f.failed[name] = err
				} else {
					f.tenants[t.Profile().Name] = t
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

func openOne(ctx context.Context, e *Engine, h *Home, name string) (*Tenant, error) {
	p, err := h.Profile(name)
	if err != nil {
		return nil, err
	}
	return e.Open(ctx, p)
}

// Tenant returns the loaded profile name, if the fleet serves it.
func (f *Fleet) Tenant(name string) (*Tenant, bool) {
	t, ok := f.tenants[name]
	return t, ok
}

// Names lists the served profiles, sorted.
func (f *Fleet) Names() []string {
	names := make([]string, 0, len(f.tenants))
	for n := range f.tenants {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Failed lists the profiles that could not be loaded, sorted.
func (f *Fleet) Failed() []string {
	names := make([]string, 0, len(f.failed))
	for n := range f.failed {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Err returns why profile name could not be loaded, or nil.
func (f *Fleet) Err(name string) error { return f.failed[name] }

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
	for _, t := range f.tenants {
		t.Close(ctx)
	}
}
