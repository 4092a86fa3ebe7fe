package runtime

import (
	"syscall"

	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/experimental"
)

// Allocate implements experimental.MemoryAllocator.
func (a *memoryAllocator) Allocate(capacity, max uint64) experimental.LinearMemory {
	reserve := min(max, a.limit)
	reserve = (reserve + wasmPage - 1) &^ (wasmPage - 1)
	// Allocate runs during instantiation: busy until newInstance leaves.
	m := &mmapMemory{a: a}
	m.state.Store(memBusy)
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
	if img := m.a.image; img != nil && !m.imaged {
		// The module was compiled without its data: the first commit
		// must cover the image (dataLayout keeps it within the module's
		// initial memory) and map it before anything runs. A memory
		// that cannot hold it is refused rather than run without its
		// data.
		if img.start+img.size > m.committed || img.mapInto(m.buf[:m.committed]) != nil {
			return nil
		}
		m.imaged = true
	}
	return m.buf[:size:size]
}

func (m *mmapMemory) unmap() {
	if m.buf != nil {
		_ = syscall.Munmap(m.buf)
		m.buf = nil
	}
}
