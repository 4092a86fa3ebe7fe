package runtime

// The interpolation cache: an MCP server entry is parsed, checked and
// written as a request once, not on every resolution, and the last result
// the module returned for it is kept validated and rebuilt, so that a
// module answering as before costs a comparison instead of a validation.

import (
	"bytes"
	"hash/maphash"
	"sync"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/mcp"
)

// maxInterpCache bounds the entries a tenant's interpolation cache holds
// (a profile has a handful of MCP servers; past the bound an arbitrary
// entry is dropped).
const maxInterpCache = 64

// interpCache maps (server, entry content) to what the host derived from
// the entry. It lives as long as its tenant: a changed config is a new
// tenant, so a new cache, and a changed .env a new Scope, which no kept
// result matches. The zero value is ready.
type interpCache struct {
	mu     sync.Mutex
	seeded bool
	seed   maphash.Seed
	m      map[interpKey]*interpEntry
}

type interpKey struct {
	server string
	hash   uint64
}

// interpEntry is what the host derived from one entry: the entry parsed
// (orig), the reference check's error and the request; all fixed once
// made. last is the last result accepted for it (guarded by the cache's
// mutex).
type interpEntry struct {
	entry  []byte
	orig   *mcp.Value
	refErr error
	req    []byte
	last   *interpResult
}

// interpResult is a module's output that passed validation and the
// rebuilt entry, for one scope. It holds the profile's values: never log
// it.
type interpResult struct {
	scope    *Scope
	out      []byte
	res      abi.InterpolateResult
	resolved *mcp.Value
}

// entry returns the cache entry of (server, entry), made with build on a
// miss. An entry that build reports unfit to keep (it does not parse) is
// returned without being kept.
func (c *interpCache) entry(server string, entry []byte, build func() (*interpEntry, bool)) *interpEntry {
	c.mu.Lock()
	if !c.seeded {
		c.seed, c.seeded = maphash.MakeSeed(), true
	}
	k := interpKey{server: server, hash: maphash.Bytes(c.seed, entry)}
	if e := c.m[k]; e != nil && bytes.Equal(e.entry, entry) {
		c.mu.Unlock()
		return e
	}
	c.mu.Unlock()
	e, keep := build()
	if !keep {
		return e
	}
	e.entry = bytes.Clone(entry)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[interpKey]*interpEntry{}
	}
	if len(c.m) >= maxInterpCache {
		for old := range c.m {
			delete(c.m, old)
			break
		}
	}
	c.m[k] = e
	return e
}

// result returns a copy of the result kept for e when the module returned
// out under scope, as it did then (the rebuilt entry as a value only when
// value is set: copying it is most of the cost); false otherwise.
func (c *interpCache) result(e *interpEntry, scope *Scope, out []byte, value bool) (abi.InterpolateResult, *mcp.Value, bool) {
	c.mu.Lock()
	last := e.last
	c.mu.Unlock()
	if last == nil || last.scope != scope || !bytes.Equal(last.out, out) {
		return abi.InterpolateResult{}, nil, false
	}
	res := last.res
	res.Entry = bytes.Clone(res.Entry)
	res.Refs = append([]abi.Reference(nil), res.Refs...)
	if !value {
		return res, nil, true
	}
	return res, last.resolved.Clone(), true
}

// remember keeps a result that passed validation for e (copies of out,
// the result and the entry: the caller keeps its own).
func (c *interpCache) remember(e *interpEntry, scope *Scope, out []byte, res abi.InterpolateResult, resolved *mcp.Value) {
	if e.entry == nil {
		return // not kept in the cache
	}
	res.Entry = bytes.Clone(res.Entry)
	res.Refs = append([]abi.Reference(nil), res.Refs...)
	r := &interpResult{scope: scope, out: bytes.Clone(out), res: res, resolved: resolved.Clone()}
	c.mu.Lock()
	e.last = r
	c.mu.Unlock()
}
