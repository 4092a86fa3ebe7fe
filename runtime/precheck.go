package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/internal/wasmbin"
)

// Load-time bounds. Compiling is the most expensive thing a module can make
// the host do before any of its limits applies (wazero's compiler holds
// tens of times a module's size while it works), so a module is checked
// cheaply first, and the expensive part is bounded in size and
// concurrency.
const (
	// DefaultMaxModuleSize bounds a module file: larger files are refused
	// before they are read. Go guests built with the SDK are 3 to 10 MiB.
	DefaultMaxModuleSize = 32 << 20
	// defaultMaxCompiles bounds how many modules an engine compiles at
	// once, across every profile.
	defaultMaxCompiles = 2
)

// moduleSizeError is a module file over the engine's size bound.
type moduleSizeError struct {
	Size, Max uint64
}

func (e *moduleSizeError) Error() string {
	return fmt.Sprintf("module is %d bytes, more than the largest module this host loads (%d bytes, %s): shrink it or raise --max-module-size", e.Size, e.Max, mib(e.Max))
}

// memoryDeclError is a module whose declared initial memory exceeds the
// memory limit it would run under: no instance of it could ever be
// created, so it is refused at load.
type memoryDeclError struct {
	// Pages is the declared initial memory, in 64 KiB pages.
	Pages uint64
	// Limit is the module's memory limit in bytes.
	Limit uint64
}

func (e *memoryDeclError) Error() string {
	return fmt.Sprintf("declares an initial memory of %d pages (%s), more than its memory limit of %s (%d pages): lower the module's initial memory or raise limits.memory",
		e.Pages, mib(e.Pages*wasmPage), mib(e.Limit), e.Limit/wasmPage)
}

// tableDeclError is a module that declares a table larger than the host
// allows: each element is a word of the host's memory, allocated when an
// instance is created, which the guest's memory limit does not cover.
type tableDeclError struct {
	Index    int
	Elements uint64
}

func (e *tableDeclError) Error() string {
	return fmt.Sprintf("declares table %d with %d elements, more than the %d a table may hold on this host (%s of host memory): declare a smaller table",
		e.Index, e.Elements, MaxTableElements, mib(MaxTableElements*8))
}

func mib(n uint64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// scanModule is the cheap pass over a module binary that comes before any
// compilation: it reads section framing, imports, exports and memories
// (linear in the size, allocating in proportion to what it reports) and
// refuses a module that is not a wasmgw module of this ABI, imports what
// the host does not provide, or imports its memory. It returns the
// module's declared initial memory in pages.
func scanModule(wasm []byte) (uint64, error) {
	info, err := wasmbin.Parse(wasm)
	if err != nil {
		return 0, err
	}
	if v := info.ABIVersion(); v != abi.Version {
		return 0, &abiError{Found: v}
	}
	for _, im := range info.Imports {
		if ok, why := wasmbin.ImportVerdict(im); !ok {
			return 0, errors.New(why)
		}
	}
	for i, t := range info.Tables {
		if t.Min > MaxTableElements {
			return 0, &tableDeclError{Index: i, Elements: t.Min}
		}
	}
	for _, m := range info.Memories {
		if !m.Imported {
			return m.Min, nil
		}
	}
	return 0, errors.New("exports no memory: the host cannot pass input")
}

// checkDeclaredMemory refuses a module whose initial memory exceeds limit.
func checkDeclaredMemory(pages, limit uint64) error {
	if pages > limit/wasmPage {
		return &memoryDeclError{Pages: pages, Limit: limit}
	}
	return nil
}

// readModule reads a module file, refusing one over max before reading it
// (and one that grows past max while it is read).
func readModule(path string, max uint64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read module: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read module: %w", err)
	}
	if uint64(st.Size()) > max {
		return nil, &moduleSizeError{Size: uint64(st.Size()), Max: max}
	}
	// One buffer of the size the file states (plus one byte to notice a
	// file that grew): reading allocates the module's size once.
	wasm := make([]byte, st.Size()+1)
	n, err := io.ReadFull(f, wasm)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read module: %w", err)
	}
	if uint64(n) > max || n > int(st.Size()) {
		return nil, fmt.Errorf("read module: %s changed while it was read", path)
	}
	wasm = wasm[:n]
	return wasm, nil
}

// acquireCompile waits for a compile slot; release it with releaseCompile.
func (e *Engine) acquireCompile(ctx context.Context) error {
	select {
	case e.compileSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting to compile: %w", context.Cause(ctx))
	}
}

func (e *Engine) releaseCompile() { <-e.compileSem }

// Compiles counts the modules the engine has handed to wazero's compiler
// since it started: a module refused by the checks before compiling is
// never counted (the audit suite and tests check that).
func (e *Engine) Compiles() uint64 { return e.compiles.Load() }
