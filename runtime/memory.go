package runtime

import (
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/wasmgw/wasmgw/runtime/internal/wazero/experimental"
)

const wasmPage = 64 << 10

// memoryAllocator backs each instance's linear memory with an anonymous
// mapping reserved once at the instance's limit. Growth only changes page
// protection: nothing is copied, and the process's resident memory tracks
// the pages a guest really touched. A request past the limit is refused,
// which the guest sees as a failed memory.grow.
type memoryAllocator struct {
	limit uint64
	// refused is set when a growth past the limit was refused, so that the
	// call's error can say "out of memory" instead of a bare trap.
	refused atomic.Bool
	mem     *mmapMemory
}

// Allocate implements experimental.MemoryAllocator.
func (a *memoryAllocator) Allocate(capacity, max uint64) experimental.LinearMemory {
	reserve := min(max, a.limit)
	reserve = (reserve + wasmPage - 1) &^ (wasmPage - 1)
	// Allocate runs during instantiation: busy until newInstance leaves.
	m := &mmapMemory{a: a, busy: true}
	if reserve > 0 {
		buf, err := syscall.Mmap(-1, 0, int(reserve), syscall.PROT_NONE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
		if err != nil {
			return failedMemory{}
		}
		m.buf = buf
	}
	a.mem = m
	return m
}

type mmapMemory struct {
	a         *memoryAllocator
	buf       []byte // the whole reservation
	committed uint64 // bytes readable and writable

	// wazero frees a module's memory when the module is closed, and the
	// host closes a module from another goroutine to stop a running call,
	// possibly while one of the module's host functions is still using its
	// memory. The unmapping therefore waits until no call is in flight.
	mu    sync.Mutex
	busy  bool // a call (or the instantiation) is running
	freed bool // Free was called while busy
}

// enter marks the start of a call into the instance.
func (m *mmapMemory) enter() {
	m.mu.Lock()
	m.busy = true
	m.mu.Unlock()
}

// leave marks the end of a call and performs a Free that came during it.
func (m *mmapMemory) leave() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.busy = false
	if m.freed {
		m.unmap()
	}
}

// Reallocate implements experimental.LinearMemory.
func (m *mmapMemory) Reallocate(size uint64) []byte {
	if size > uint64(len(m.buf)) {
		m.a.refused.Store(true)
		return nil
	}
	if size > m.committed {
		if err := syscall.Mprotect(m.buf[m.committed:size], syscall.PROT_READ|syscall.PROT_WRITE); err != nil {
			return nil
		}
		m.committed = size
	}
	return m.buf[:size:size]
}

// Free implements experimental.LinearMemory.
func (m *mmapMemory) Free() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.busy {
		m.freed = true
		return
	}
	m.unmap()
}

func (m *mmapMemory) unmap() {
	if m.buf != nil {
		_ = syscall.Munmap(m.buf)
		m.buf = nil
	}
	m.freed = false
}

// failedMemory refuses every size: the instantiation fails cleanly.
type failedMemory struct{}

func (failedMemory) Reallocate(uint64) []byte { return nil }
func (failedMemory) Free()                    {}
