package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/builtin"
)

// ErrRetired is returned (wrapped) by a call to a tenant that a reload
// replaced or removed before the call started. [Fleet.Handle] retries such
// a call on the profile's current tenant.
var ErrRetired = errors.New("profile was reloaded")

// ReloadReport says what a [Fleet.Reload] changed.
type ReloadReport struct {
	// Added are the profiles now served that were not; Removed those no
	// longer served (their running turns finish on the old config);
	// Changed those whose config.yaml or modules changed and that now
	// serve the new config. Unchanged counts the profiles left as they
	// were.
	Added, Removed, Changed []string
	Unchanged               int
	// Refused holds the profiles whose new config could not be loaded, with
	// why. A profile in Kept is still served on its previous config; the
	// others are not served.
	Refused map[string]error
	Kept    []string
	// Took is how long the reload took.
	Took time.Duration
}

// reloadResult is the outcome of loading one profile during a reload.
type reloadResult struct {
	name   string
	stamp  string
	tenant *Tenant // nil when unchanged or failed
	err    error
}

// Reload brings the fleet in line with the home: the named profiles (every
// profile of the home when names is empty) are served, the others not. A
// profile whose config.yaml or module files changed is opened anew and
// swapped in: calls that start afterwards use the new config, while calls
// already running finish on the old one, whose pooled instances are closed
// at once (so nothing bound to a revoked grant or egress rule serves
// another call). A profile whose new config fails to load keeps its
// previous config, and the report says why. Reloads are serialised; the
// error is non-nil only when the home itself cannot be listed, in which
// case nothing changes.
func (f *Fleet) Reload(ctx context.Context, names []string, workers int) (ReloadReport, error) {
	f.reloadMu.Lock()
	defer f.reloadMu.Unlock()
	start := time.Now()
	rep := ReloadReport{Refused: map[string]error{}}
	if len(names) == 0 {
		var err error
		if names, err = f.h.ProfileNames(); err != nil {
			return rep, fmt.Errorf("reload: %w", err)
		}
	}
	f.mu.RLock()
	cur := make(map[string]served, len(f.stamps))
	for n, s := range f.stamps {
		cur[n] = served{stamp: s, profile: f.tenants[n].profile}
	}
	f.mu.RUnlock()

	results := f.loadChanged(ctx, names, cur, workers)
	if err := ctx.Err(); err != nil {
		for _, r := range results {
			if r.tenant != nil {
				r.tenant.Close(context.WithoutCancel(ctx))
			}
		}
		return rep, fmt.Errorf("reload: %w", err)
	}

	want := make(map[string]bool, len(names))
	var retired []*Tenant
	f.mu.Lock()
	for _, r := range results {
		want[r.name] = true
		old, served := f.tenants[r.name]
		switch {
		case r.err != nil:
			rep.Refused[r.name] = r.err
			if served {
				rep.Kept = append(rep.Kept, r.name)
			} else {
				f.failed[r.name] = r.err
			}
		case r.tenant == nil:
			rep.Unchanged++
		default:
			f.tenants[r.name] = r.tenant
			f.stamps[r.name] = r.stamp
			delete(f.failed, r.name)
			if served {
				rep.Changed = append(rep.Changed, r.name)
				retired = append(retired, old)
			} else {
				rep.Added = append(rep.Added, r.name)
			}
		}
	}
	for n, t := range f.tenants {
		if !want[n] {
			delete(f.tenants, n)
			delete(f.stamps, n)
			rep.Removed = append(rep.Removed, n)
			retired = append(retired, t)
		}
	}
	for n := range f.failed {
		if !want[n] {
			delete(f.failed, n)
		}
	}
	f.mu.Unlock()

	for _, t := range retired {
		t.retire(context.WithoutCancel(ctx))
	}
	for _, l := range [][]string{rep.Added, rep.Removed, rep.Changed, rep.Kept} {
		sort.Strings(l)
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// served is what a profile is served from, for a reload to compare.
type served struct {
	stamp   string
	profile *Profile
}

// loadChanged opens, with up to workers at a time, each named profile
// whose stamp differs from the one it is served with (or that is not
// served).
func (f *Fleet) loadChanged(ctx context.Context, names []string, cur map[string]served, workers int) []reloadResult {
	results := make([]reloadResult, len(names))
	work := make(chan int)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				results[i] = f.loadIfChanged(ctx, names[i], cur)
			}
		}()
	}
	for i := range names {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	out := results[:0]
	for _, r := range results {
		if r.name != "" {
			out = append(out, r)
		}
	}
	return out
}

func (f *Fleet) loadIfChanged(ctx context.Context, name string, cur map[string]served) reloadResult {
	r := reloadResult{name: name}
	cfgSum := configSum(f.h, name)
	// The common case, cheaply: same config bytes and module files as the
	// served profile, so nothing to parse.
	if s, ok := cur[name]; ok && cfgSum != "" && profileStamp(cfgSum, s.profile) == s.stamp {
		return r
	}
	p, err := f.h.Profile(name)
	if err != nil {
		r.err = err
		return r
	}
	r.name = p.Name
	r.stamp = profileStamp(cfgSum, p)
	if s, ok := cur[p.Name]; ok && s.stamp == r.stamp {
		return r
	}
	r.tenant, r.err = f.e.Open(ctx, p)
	return r
}

// configSum hashes the profile's config.yaml as it is now ("" when it
// cannot be read: the load reports why). It is taken before the config is
// parsed, so that a file changing in between is seen by the next reload.
func configSum(h *Home, name string) string {
	dir := filepath.Join(h.dir, "profiles", name)
	if name == DefaultProfile {
		dir = h.dir
	}
	data, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// profileStamp identifies what a tenant is opened from: its config.yaml's
// hash and the identity (inode, size, modification time) of each module
// file it names, so that a rebuilt module is a change too. The .env is
// not part of it: a profile re-reads its .env by itself.
func profileStamp(cfgSum string, p *Profile) string {
	var b strings.Builder
	b.WriteString(cfgSum)
	paths := make([]string, 0, len(p.Config.Modules)+1)
	for _, m := range p.Config.Modules {
		paths = append(paths, m.Path)
	}
	paths = append(paths, p.Config.Handler, p.Config.Interpolation)
	for _, path := range paths {
		if path == "" || strings.HasPrefix(path, builtin.Prefix) {
			continue
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(p.Dir, path)
		}
		b.WriteByte(0)
		b.WriteString(path)
		if st, err := os.Stat(path); err == nil {
			fmt.Fprintf(&b, "\x00%v\x00%d\x00%d", fileID(st), st.Size(), st.ModTime().UnixNano())
		}
	}
	return b.String()
}

// Handle runs profile's handler on one inbound message with its current
// tenant. A call that lands on a tenant a reload has just retired is run
// again on the one that replaced it.
func (f *Fleet) Handle(ctx context.Context, profile string, req abi.HandleRequest) (abi.HandleReply, error) {
	for range 3 {
		t, ok := f.Tenant(profile)
		if !ok {
			return abi.HandleReply{}, fmt.Errorf("profile %q: not served", profile)
		}
		reply, err := t.Handle(ctx, req)
		if !errors.Is(err, ErrRetired) {
			return reply, err
		}
	}
	return abi.HandleReply{}, fmt.Errorf("profile %q: reloaded three times during one call; try again", profile)
}

// lifecycle tracks the calls running in a tenant, so that a retired
// tenant is closed only once they have finished. Lock-free, as every call
// passes through it: a call counts itself in before it looks at retired,
// and retire sets retired before it counts the calls, so either the call
// sees the tenant retired and backs out, or retire sees the call and the
// call's leave closes the tenant.
type lifecycle struct {
	active  atomic.Int64
	retired atomic.Bool
	closed  atomic.Bool
}

// enter registers a call; it reports false when the tenant is retired.
func (t *Tenant) enter(ctx context.Context) bool {
	t.life.active.Add(1)
	if t.life.retired.Load() {
		t.leave(ctx)
		return false
	}
	return true
}

// leave ends a call registered with enter, closing a retired tenant whose
// last call this was.
func (t *Tenant) leave(ctx context.Context) {
	if t.life.active.Add(-1) == 0 && t.life.retired.Load() && t.life.closed.CompareAndSwap(false, true) {
		t.Close(context.WithoutCancel(ctx))
	}
}

// isRetired reports whether a reload retired the tenant: its instances are
// closed after their call instead of pooled.
func (t *Tenant) isRetired() bool { return t.life.retired.Load() }

// retire takes the tenant out of service: new calls are refused with
// ErrRetired, its idle instances are closed now, and the tenant is closed
// when its last running call ends.
func (t *Tenant) retire(ctx context.Context) {
	t.life.retired.Store(true)
	if t.life.active.Load() == 0 && t.life.closed.CompareAndSwap(false, true) {
		t.Close(ctx)
		return
	}
	for _, tm := range t.moduleList() {
		t.e.pool.drain(ctx, tm)
	}
}
