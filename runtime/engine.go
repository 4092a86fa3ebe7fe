package runtime

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"github.com/wasmgw/wasmgw/runtime/internal/_wazero"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/api"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/experimental"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/imports/wasi_snapshot_preview1"

	"github.com/wasmgw/wasmgw/abi"
)

// Options configure an Engine.
type Options struct {
	// CacheDir holds wazero's on-disk compilation cache; "" disables it.
	CacheDir string
	// Logger receives the engine's logs and the guests' log records; nil
	// discards them.
	Logger *slog.Logger
	// Audit receives a record of every secret lookup and egress request.
	// It is required: NewEngine refuses a nil Audit, so that an embedder
	// never loses the audit trail by omission. Pass OpenJSONLAudit(
	// home.Dir()+"/logs/audit.jsonl") for the file the CLI writes, or
	// DiscardAudit{} to opt out explicitly.
	Audit AuditSink
	// CompileWorkers is the number of parallel compilation workers per
	// module (0: GOMAXPROCS). A module is compiled once per content (and
	// read from CacheDir after that), so the workers run at boot and on a
	// reload that brings a new module.
	CompileWorkers int
	// Now returns the time for audit records and the pool, read at every
	// stamp; nil means time.Now, read once per tool call (its secret reads'
	// records and its instance's idle stamp carry the call's start).
	Now func() time.Time
	// Pool bounds the idle instances kept for reuse.
	Pool PoolOptions
	// Observer, when set, is told about every call (see observe.go).
	Observer Observer
	// MaxModuleSize bounds a module's size in bytes; a larger file is
	// refused before it is read (0: DefaultMaxModuleSize).
	MaxModuleSize uint64
	// MaxCompiles bounds the modules compiled at once across every
	// profile; the others wait their turn (0: 2).
	MaxCompiles int
	// Environ is the host environment snapshot (os.Environ form) the
	// baseline of a stdio MCP server's environment is taken from (see
	// MCPOptions.Environ); the engine never reads the process environment
	// itself. nil: no host variable reaches an MCP server.
	Environ []string
}

// Engine is the one wazero runtime of a process: it compiles each module
// once per content hash, shares the compiled code between every profile that
// uses it, and creates instances bound to one profile each.
type Engine struct {
	rt    wazero.Runtime
	cache wazero.CompilationCache
	log   *slog.Logger
	audit AuditSink
	now   func() time.Time
	// clock is where calls read their start (clock.go).
	clock clock
	// ownClock is set when now is Options.Now: then every stamp is read
	// from it, not taken from a call's clock reading.
	ownClock bool
	compileW int
	cacheDir string
	pool     *pool
	observer Observer
	// maxModule bounds a module's size; compileSem holds a token per
	// compilation in progress; compiles counts the modules handed to
	// wazero's compiler (tests check that refused modules never are).
	maxModule  uint64
	compileSem chan struct{}
	compiles   atomic.Uint64
	// images counts the data images held (prepareData).
	images  atomic.Int64
	environ []string // Options.Environ

	// mu guards the module caches (modcache.go): modules by content hash,
	// byFile by file identity (or builtin name), pathKey (a file's current
	// identity, by path), fileKeys (the identities recorded for a content
	// hash, with their paths, so that a released module's are found
	// without a scan) and pinned (the builtins, kept for the engine's
	// life). Entries hold their modules weakly.
	mu       sync.Mutex
	modules  map[[32]byte]*moduleEntry
	byFile   map[string]weak.Pointer[Module]
	pathKey  map[string]string
	fileKeys map[[32]byte]map[string]string
	pinned   map[[32]byte]*Module
}

// NewEngine creates the runtime (compiler, termination checks on, optional
// on-disk cache) and instantiates WASI and the wasmgw host module in it once.
func NewEngine(ctx context.Context, opts Options) (*Engine, error) {
	e := &Engine{
		log:      opts.Logger,
		audit:    opts.Audit,
		observer: opts.Observer,
		now:      opts.Now,
		compileW: cmp.Or(max(opts.CompileWorkers, 0), goruntime.GOMAXPROCS(0)),
		environ:  slices.Clone(opts.Environ),
		modules:  map[[32]byte]*moduleEntry{},
		byFile:   map[string]weak.Pointer[Module]{},
		pathKey:  map[string]string{},
		fileKeys: map[[32]byte]map[string]string{},
		pinned:   map[[32]byte]*Module{},
	}
	e.maxModule = cmp.Or(opts.MaxModuleSize, DefaultMaxModuleSize)
	e.compileSem = make(chan struct{}, cmp.Or(max(opts.MaxCompiles, 0), defaultMaxCompiles))
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.audit == nil {
		return nil, errors.New("runtime: Options.Audit is nil: pass an AuditSink (runtime.OpenJSONLAudit(home.Dir()+\"/logs/audit.jsonl\") writes the file the wasmgw CLI writes) or runtime.DiscardAudit{} to opt out of the audit trail explicitly")
	}
	if e.now == nil {
		e.now = time.Now
	} else {
		e.ownClock = true
	}
	e.pool = newPool(opts.Pool, e.now, e.ownClock)
	e.cacheDir = opts.CacheDir
	// Termination checks are not optional: without them one looping guest
	// stalls the whole process at the next garbage collection.
	cfg := wazero.NewRuntimeConfigCompiler().
		WithCloseOnContextDone(true).
		WithMemoryLimitPages(maxMemory / wasmPage)
	if opts.CacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(opts.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("compilation cache %s: %w", opts.CacheDir, err)
		}
		e.cache = cache
		cfg = cfg.WithCompilationCache(cache)
	}
	e.rt = wazero.NewRuntimeWithConfig(ctx, cfg)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, e.rt); err != nil {
		return nil, errors.Join(fmt.Errorf("instantiate WASI: %w", err), e.Close(ctx))
	}
	if err := e.instantiateHostModule(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("instantiate host module: %w", err), e.Close(ctx))
	}
	return e, nil
}

// Close releases the runtime and every instance and compiled module.
func (e *Engine) Close(ctx context.Context) error {
	err := e.rt.Close(ctx)
	if e.cache != nil {
		err = errors.Join(err, e.cache.Close(ctx))
	}
	return err
}

// clearCache removes the entries of a wazero compilation cache directory
// (wazero keeps them in one subdirectory per wazero version and platform).
func clearCache(dir string) error {
	subdirs, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, d := range subdirs {
		if !d.IsDir() || !strings.HasPrefix(d.Name(), "wazero-") {
			continue
		}
		// Remove the entries but keep the directory: wazero writes into it.
		sub := filepath.Join(dir, d.Name())
		entries, err := os.ReadDir(sub)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := os.RemoveAll(filepath.Join(sub, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// EvictIdle closes pooled instances idle for longer than the pool's idle
// timeout and returns how many it closed. A gateway calls it periodically.
func (e *Engine) EvictIdle(ctx context.Context) int { return e.pool.evictIdle(ctx) }

// PoolStats reports the idle instances kept for reuse.
func (e *Engine) PoolStats() PoolStats { return e.pool.stats() }

// Module is a compiled guest module, shared by every profile that uses the
// same bytes.
type Module struct {
	// SHA256 is the lowercase hex content hash.
	SHA256 string
	// Size is the module's size in bytes.
	Size int
	// MemoryPages is the module's declared initial memory, in 64 KiB
	// pages.
	MemoryPages uint64
	sum         [32]byte
	compiled    wazero.CompiledModule
	exports     map[string]bool
	// image is the data image instances map (nil: the compiled module
	// carries its data; see prepareData).
	image *imageFile

	// describeMu guards the manifest: described once, by the first
	// profile that loads the module, under that profile's limits for it
	// (a failure is kept with the limits it happened under; see describe).
	describeMu     sync.Mutex
	described      bool
	manifest       abi.Manifest
	describeErr    error
	describeLimits Limits
}

// Exports reports whether the module exports the function name.
func (m *Module) Exports(name string) bool { return m.exports[name] }

// abiError reports a module built for another ABI version, or for none.
type abiError struct {
	// Found is the version the module states; 0 when it states none.
	Found int
}

func (e *abiError) Error() string {
	if e.Found == 0 {
		return fmt.Sprintf("not a wasmgw module: it exports no %s%d marker (built without the wasmgw SDK or for another host)", abi.VersionExportPrefix, abi.Version)
	}
	return fmt.Sprintf("module built for wasmgw ABI v%d; this host speaks v%d: rebuild it with a matching SDK", e.Found, abi.Version)
}

// Compile compiles wasm once per content hash: a second call with the same
// bytes, from any profile, returns the same Module while the first is in
// use. The module's size, ABI version, imports and memory are checked
// first, by a cheap pass over the binary, so a module the host would refuse
// is never compiled; then it waits for one of the engine's compile slots.
// A Module nothing refers to any more is released (its compiled code
// closed) by the garbage collector: hold it while you use it.
func (e *Engine) Compile(ctx context.Context, wasm []byte) (*Module, error) {
	if uint64(len(wasm)) > e.maxModule {
		return nil, &moduleSizeError{Size: uint64(len(wasm)), Max: e.maxModule}
	}
	pages, err := scanModule(wasm)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(wasm)
	for {
		e.mu.Lock()
		entry, ok := e.modules[sum]
		if !ok {
			entry = &moduleEntry{done: make(chan struct{})}
			e.modules[sum] = entry
		}
		e.mu.Unlock()
		if ok {
			select {
			case <-entry.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if entry.err != nil {
				return nil, entry.err
			}
			if m := entry.mod.Value(); m != nil {
				return m, nil
			}
			// Collected since it was compiled: compile it again.
			e.dropEntry(sum, entry)
			continue
		}
		var m *Module
		if entry.err = e.acquireCompile(ctx); entry.err == nil {
			m, entry.err = e.compile(ctx, wasm, sum, pages)
			e.releaseCompile()
		}
		if entry.err != nil {
			// Forget failures (a cancelled compile may succeed next time).
			e.dropEntry(sum, entry)
		} else {
			entry.mod = weak.Make(m)
			e.track(m)
		}
		close(entry.done)
		return m, entry.err
	}
}

func (e *Engine) compile(ctx context.Context, wasm []byte, sum [32]byte, pages uint64) (m *Module, err error) {
	defer e.recoverBug("compile", &err)
	start := time.Now()
	e.compiles.Add(1)
	cctx := experimental.WithCompilationWorkers(ctx, e.compileW)
	// Identity (sum, Size) is the original's; wazero gets the module with
	// its data segments merged (see dataseg.go).
	size := len(wasm)
	wasm, image := e.prepareData(wasm)
	compiled, err := e.rt.CompileModule(cctx, wasm)
	if err != nil && e.cacheDir != "" && strings.Contains(err.Error(), "compilationcache") {
		// A corrupt or truncated cache entry: wazero refuses it rather than
		// recompiling. Clear the cache and compile again; a cache is only
		// ever a shortcut.
		e.log.Warn("compilation cache entry unreadable; clearing the cache and recompiling", "dir", e.cacheDir, "error", err)
		if rmErr := clearCache(e.cacheDir); rmErr != nil {
			return nil, fmt.Errorf("compile: %w (and clearing the cache failed: %v)", err, rmErr)
		}
		compiled, err = e.rt.CompileModule(cctx, wasm)
	}
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	m = &Module{SHA256: hex.EncodeToString(sum[:]), sum: sum, Size: size, MemoryPages: pages, compiled: compiled, exports: map[string]bool{}, image: image}
	for name := range compiled.ExportedFunctions() {
		m.exports[name] = true
	}
	if err := checkModule(compiled, m.exports); err != nil {
		_ = compiled.Close(ctx)
		return nil, err
	}
	e.log.Debug("compiled module", "sha256", m.SHA256[:12], "bytes", size, "took", time.Since(start))
	return m, nil
}

// checkModule refuses, with a clear error, a module for another ABI version,
// one that imports anything the host does not provide, one that lacks the
// exports every module needs, and one whose export the host calls has
// another signature.
func checkModule(c wazero.CompiledModule, exports map[string]bool) error {
	found := 0
	for name := range exports {
		if v, ok := strings.CutPrefix(name, abi.VersionExportPrefix); ok {
			n, err := strconv.Atoi(v)
			if err == nil && (found == 0 || n == abi.Version) {
				found = n
			}
		}
	}
	if found != abi.Version {
		return &abiError{Found: found}
	}
	for _, f := range c.ImportedFunctions() {
		mod, name, _ := f.Import()
		switch mod {
		case abi.HostModule:
			params, results, ok := abi.HostFunctionSignature(name)
			if !ok {
				return fmt.Errorf("imports %s.%s, which this host does not provide (ABI v%d)", mod, name, abi.Version)
			}
			if !allI32(f.ParamTypes(), params) || !allI32(f.ResultTypes(), results) {
				return fmt.Errorf("imports %s.%s with the wrong signature (want %d i32 parameters, %d i32 result)", mod, name, params, results)
			}
		case abi.WASIModule:
			if !strings.Contains(" "+abi.WASIFunctions+" ", " "+name+" ") {
				return fmt.Errorf("imports %s.%s, which is not in the WASI preview 1 set this host provides", mod, name)
			}
		default:
			return fmt.Errorf("imports %s.%s: only %q and %q imports are provided", mod, name, abi.HostModule, abi.WASIModule)
		}
	}
	for _, m := range c.ImportedMemories() {
		mod, name, _ := m.Import()
		return fmt.Errorf("imports memory %s.%s: a module must define its own memory", mod, name)
	}
	if len(c.ExportedMemories()) == 0 {
		return errors.New("exports no memory: the host cannot pass input")
	}
	for _, need := range []string{abi.ExportAlloc, abi.ExportDescribe} {
		if !exports[need] {
			return fmt.Errorf("exports no %s function (required by ABI v%d)", need, abi.Version)
		}
	}
	// The host calls its exports with a reused parameter stack, which
	// wazero checks only for size: the signature is checked here, once.
	fns := c.ExportedFunctions()
	for _, name := range calledExports() {
		f, ok := fns[name]
		if !ok {
			continue
		}
		params, results, _ := abi.ExportSignature(name)
		if !allI32(f.ParamTypes(), params) || !allI32(f.ResultTypes(), results) {
			return fmt.Errorf("exports %s with the wrong signature (want %d i32 parameters, %d i32 result; see docs/abi.md)", name, params, results)
		}
	}
	return nil
}

// calledExports lists the guest exports the host calls, in the ABI's order.
func calledExports() [5]string {
	return [5]string{abi.ExportAlloc, abi.ExportDescribe, abi.ExportCallTool, abi.ExportHandle, abi.ExportInterpolate}
}

func allI32(types []api.ValueType, n int) bool {
	if len(types) != n {
		return false
	}
	for _, t := range types {
		if t != api.ValueTypeI32 {
			return false
		}
	}
	return true
}
