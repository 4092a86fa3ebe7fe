package runtime

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// PoolOptions bound the idle instances an engine keeps for reuse.
type PoolOptions struct {
	// MaxIdlePerModule bounds the idle instances of one module of one
	// profile (0: 4).
	MaxIdlePerModule int
	// MaxIdleBytes bounds the linear memory held by idle instances across
	// every profile (0: 1 GiB). The least recently used go first.
	MaxIdleBytes uint64
	// IdleTimeout closes instances idle for longer (0: 5 minutes).
	IdleTimeout time.Duration
}

func (o PoolOptions) withDefaults() PoolOptions {
	if o.MaxIdlePerModule == 0 {
		o.MaxIdlePerModule = 4
	}
	if o.MaxIdleBytes == 0 {
		o.MaxIdleBytes = 1 << 30
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 5 * time.Minute
	}
	return o
}

// pool keeps idle instances for reuse. An idle instance belongs to exactly
// one (profile, module) pair and is only ever handed back to it; the engine
// keeps one LRU across all of them so memory is bounded process-wide.
type pool struct {
	opts PoolOptions
	now  func() time.Time
	// ownClock: now is the embedder's clock, read for every stamp; else
	// an instance is stamped with its call's clock reading.
	ownClock bool

	mu    sync.Mutex
	lru   idleEntry // sentinel of a ring of idle entries, most recent first
	n     int       // entries in the ring
	bytes uint64

	// Counters since the engine started, for PoolStats.
	created, reused, discarded, evicted, retired atomic.Uint64
}

// idleEntry is an idle instance in the pool's LRU ring. It lives inside
// its instance, so pooling allocates nothing.
type idleEntry struct {
	in         *instance
	owner      *tenantModule
	since      time.Time
	bytes      uint64
	prev, next *idleEntry
}

func newPool(opts PoolOptions, now func() time.Time, ownClock bool) *pool {
	p := &pool{opts: opts.withDefaults(), now: now, ownClock: ownClock}
	p.lru.prev, p.lru.next = &p.lru, &p.lru
	return p
}

// pushFront links e as the most recently used entry.
func (p *pool) pushFront(e *idleEntry) {
	e.prev, e.next = &p.lru, p.lru.next
	e.prev.next, e.next.prev = e, e
	p.n++
}

// unlink takes e out of the ring.
func (p *pool) unlink(e *idleEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
	p.n--
}

// oldest returns the least recently used entry, or nil.
func (p *pool) oldest() *idleEntry {
	if p.n == 0 {
		return nil
	}
	return p.lru.prev
}

// get returns an idle instance of tm, the most recently used, or nil.
func (p *pool) get(tm *tenantModule) *instance {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(tm.idle)
	if n == 0 {
		return nil
	}
	e := tm.idle[n-1]
	tm.idle = tm.idle[:n-1]
	p.reused.Add(1)
	p.unlink(e)
	p.bytes -= e.bytes
	return e.in
}

// put keeps in for reuse by tm, evicting what the bounds require; the
// evicted instances are closed outside the lock. stamp is the clock
// reading of the call the instance served (zero: read the clock): an
// instance counts as idle from its last call's start, earlier than its
// end by at most that call's timeout, far under the idle timeout (the
// ring stays in the order instances came back, so one stamped earlier
// than a newer neighbour may be evicted a sweep later).
func (p *pool) put(ctx context.Context, tm *tenantModule, in *instance, stamp time.Time) {
	if p.ownClock || stamp.IsZero() {
		stamp = p.now()
	}
	e := &in.idle
	*e = idleEntry{in: in, owner: tm, since: stamp, bytes: in.memoryBytes()}
	var evicted []*instance
	p.mu.Lock()
	p.pushFront(e)
	tm.idle = append(tm.idle, e)
	p.bytes += e.bytes
	if len(tm.idle) > p.opts.MaxIdlePerModule {
		evicted = append(evicted, p.removeLocked(tm.idle[0]))
	}
	for p.bytes > p.opts.MaxIdleBytes && p.n > 0 {
		evicted = append(evicted, p.removeLocked(p.oldest()))
	}
	p.mu.Unlock()
	p.evicted.Add(uint64(len(evicted)))
	for _, in := range evicted {
		in.close(ctx)
	}
}

// removeLocked takes e out of the pool and returns its instance.
func (p *pool) removeLocked(e *idleEntry) *instance {
	p.unlink(e)
	p.bytes -= e.bytes
	idle := e.owner.idle
	for i, x := range idle {
		if x == e {
			e.owner.idle = append(idle[:i], idle[i+1:]...)
			break
		}
	}
	return e.in
}

// drain closes every idle instance of tm.
func (p *pool) drain(ctx context.Context, tm *tenantModule) {
	p.mu.Lock()
	var evicted []*instance
	for len(tm.idle) > 0 {
		evicted = append(evicted, p.removeLocked(tm.idle[0]))
	}
	p.mu.Unlock()
	for _, in := range evicted {
		in.close(ctx)
	}
}

// retire closes every idle instance of tm not created under generation
// gen, and returns how many it closed.
func (p *pool) retire(ctx context.Context, tm *tenantModule, gen string) int {
	p.mu.Lock()
	var old []*instance
	for i := 0; i < len(tm.idle); {
		if e := tm.idle[i]; e.in.gen != gen {
			old = append(old, p.removeLocked(e))
			continue
		}
		i++
	}
	p.mu.Unlock()
	p.retired.Add(uint64(len(old)))
	for _, in := range old {
		in.close(ctx)
	}
	return len(old)
}

// evictIdle closes instances idle for longer than the idle timeout and
// returns how many it closed.
func (p *pool) evictIdle(ctx context.Context) int {
	cutoff := p.now().Add(-p.opts.IdleTimeout)
	p.mu.Lock()
	var evicted []*instance
	for p.n > 0 {
		e := p.oldest()
		if e.since.After(cutoff) {
			break
		}
		evicted = append(evicted, p.removeLocked(e))
	}
	p.mu.Unlock()
	p.evicted.Add(uint64(len(evicted)))
	for _, in := range evicted {
		in.close(ctx)
	}
	return len(evicted)
}

// PoolStats describes the idle instances an engine holds and counts what
// happened to instances since the engine started.
type PoolStats struct {
	// Idle is the number of instances kept for reuse, IdleBytes their
	// linear memory, and MaxIdleBytes the bound IdleBytes is kept under
	// (PoolOptions.MaxIdleBytes).
	Idle                    int
	IdleBytes, MaxIdleBytes uint64
	// Created counts instances instantiated to serve calls (fresh_per_call
	// ones included), Reused the calls served by an idle instance.
	Created, Reused uint64
	// Discarded counts instances closed after a failed call (trap,
	// timeout, interrupt, exit, out of memory); Evicted those closed by a
	// pool bound or the idle timeout.
	Discarded, Evicted uint64
	// Retired counts idle instances closed because the profile's .env
	// changed since they were created (rotation).
	Retired uint64
}

func (p *pool) stats() PoolStats {
	p.mu.Lock()
	st := PoolStats{Idle: p.n, IdleBytes: p.bytes, MaxIdleBytes: p.opts.MaxIdleBytes}
	p.mu.Unlock()
	st.Created, st.Reused = p.created.Load(), p.reused.Load()
	st.Discarded, st.Evicted, st.Retired = p.discarded.Load(), p.evicted.Load(), p.retired.Load()
	return st
}
