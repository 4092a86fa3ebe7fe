package runtime

// The engine's module caches hold their modules weakly.
//
// A gateway runs for months while its profiles change their modules: a
// cache that kept every module it ever compiled (its machine code, its
// data image) would grow with every change, and a tenant that rewrote
// its module in a loop could grow the host without bound. The caches
// (by content hash, by file identity) therefore refer to a module weakly:
// the tenants that load it, their pooled instances and any caller of
// Compile hold it strongly, and once none does the garbage collector
// collects it and its cleanup closes its compiled code and forgets its
// entries. A module in use is never released, since it is reachable from
// whatever uses it. Builtin modules are pinned for the engine's life
// (a handful, shared by every profile).

import (
	"context"
	goruntime "runtime"
	"strings"
	"weak"

	"github.com/wasmgw/wasmgw/runtime/builtin"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero"
)

// moduleEntry is a module compiled, or being compiled, for a content hash.
// mod and err are set before done is closed.
type moduleEntry struct {
	done chan struct{}
	mod  weak.Pointer[Module]
	err  error
}

// moduleRemains is what a collected module's cleanup needs: not the
// module itself, which is gone by then.
type moduleRemains struct {
	sum      [32]byte
	compiled wazero.CompiledModule
}

// track arranges for m's compiled code to be closed and its cache entries
// forgotten once m is unreachable.
func (e *Engine) track(m *Module) {
	goruntime.AddCleanup(m, e.release, moduleRemains{sum: m.sum, compiled: m.compiled})
}

// release forgets the entries of a collected module and closes its
// compiled code. An entry for the same content compiled again since (a
// live module) is kept.
func (e *Engine) release(r moduleRemains) {
	e.mu.Lock()
	if entry, ok := e.modules[r.sum]; ok {
		select {
		case <-entry.done:
			if entry.err == nil && entry.mod.Value() == nil {
				delete(e.modules, r.sum)
			}
		default: // being compiled again
		}
	}
	// The file identities recorded for this content: each one whose module
	// is gone is forgotten (one recorded again since for a live module of
	// the same content stays).
	keys := e.fileKeys[r.sum]
	for key, path := range keys {
		if e.byFile[key].Value() != nil {
			continue
		}
		delete(e.byFile, key)
		delete(keys, key)
		if e.pathKey[path] == key {
			delete(e.pathKey, path)
		}
	}
	if len(keys) == 0 {
		delete(e.fileKeys, r.sum)
	}
	e.mu.Unlock()
	// wazero counts the compilations of the same code: a module compiled
	// again from the same bytes before this cleanup ran keeps its code.
	_ = r.compiled.Close(context.Background())
}

// dropEntry removes entry from the cache if it is still the entry for sum.
func (e *Engine) dropEntry(sum [32]byte, entry *moduleEntry) {
	e.mu.Lock()
	if e.modules[sum] == entry {
		delete(e.modules, sum)
	}
	e.mu.Unlock()
}

// remember records m as the module at key, the identity of the file at
// path (or a builtin's name), replacing that path's previous identity:
// touching a file again and again does not grow the cache. A builtin is
// pinned.
func (e *Engine) remember(key, path string, m *Module) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if strings.HasPrefix(key, builtin.Prefix) {
		e.pinned[m.sum] = m
	} else if old, ok := e.pathKey[path]; ok && old != key {
		if om := e.byFile[old].Value(); om != nil {
			delete(e.fileKeys[om.sum], old)
		} // else its module's release drops it
		delete(e.byFile, old)
	}
	e.byFile[key] = weak.Make(m)
	e.pathKey[path] = key
	keys := e.fileKeys[m.sum]
	if keys == nil {
		keys = map[string]string{}
		e.fileKeys[m.sum] = keys
	}
	keys[key] = path
}

// heldModules reports how many compiled modules the engine's caches hold:
// the modules in use, and those not yet collected.
func (e *Engine) heldModules() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.modules)
}
