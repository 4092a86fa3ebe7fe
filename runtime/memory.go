package runtime

import (
	"sync"
	"sync/atomic"
)

const wasmPage = 64 << 10

// memoryAllocator backs each instance's linear memory. On Linux
// (memory_linux.go) it is an anonymous mapping reserved once at the
// instance's limit. Growth only changes page
// protection: nothing is copied, and the process's resident memory tracks
// the pages a guest really touched. A request past the limit is refused,
// which the guest sees as a failed memory.grow. Elsewhere
// (memory_other.go) growth copies into a larger Go slice, as wazero's
// default allocator does, with the same limit.
type memoryAllocator struct {
	limit uint64
	// refused is set when a growth past the limit was refused, so that the
	// call's error can say "out of memory" instead of a bare trap.
	refused atomic.Bool
	mem     *mmapMemory
	// image, when set, is the module's data image (image_linux.go): the
	// module was compiled without its data, and the memory maps it.
	image *imageFile
}

type mmapMemory struct {
	a         *memoryAllocator
	buf       []byte // the whole reservation (Linux), the memory (elsewhere)
	committed uint64 // bytes readable and writable
	reserve   uint64 // the limit of this memory (memory_other.go)
	imaged    bool   // the data image is mapped (memory_linux.go)

	// wazero frees a module's memory when the module is closed, and the
	// host closes a module from another goroutine to stop a running call,
	// possibly while one of the module's host functions is still using its
	// memory. The unmapping therefore waits until no call is in flight:
	// state holds memBusy while a call (or the instantiation) runs and
	// memFreed once Free was called, and whichever of Free and the end of
	// the call comes second unmaps. A call's way in and out is one atomic
	// operation each; mu only serializes the unmapping.
	state atomic.Uint32
	mu    sync.Mutex
}

// The bits of mmapMemory.state.
const (
	memBusy uint32 = 1 << iota
	memFreed
)

// enter marks the start of a call into the instance.
func (m *mmapMemory) enter() { m.state.Or(memBusy) }

// leave marks the end of a call and performs a Free that came during it.
func (m *mmapMemory) leave() {
	if old := m.state.And(^memBusy); old&memFreed != 0 {
		m.release()
	}
}

// Free implements experimental.LinearMemory.
func (m *mmapMemory) Free() {
	if old := m.state.Or(memFreed); old&memBusy == 0 {
		m.release()
	}
}

// release unmaps the memory; more than once is harmless.
func (m *mmapMemory) release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.unmap()
}

// failedMemory refuses every size: the instantiation fails cleanly.
type failedMemory struct{}

func (failedMemory) Reallocate(uint64) []byte { return nil }
func (failedMemory) Free()                    {}
