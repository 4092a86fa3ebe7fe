//go:build !linux

package runtime

import "github.com/wasmgw/wasmgw/runtime/internal/_wazero/experimental"

// Allocate implements experimental.MemoryAllocator. Without Linux's
// reserve-then-protect mapping the memory is a Go slice that growth copies
// into a larger one (as wazero's default allocator does); the limit is the
// same.
func (a *memoryAllocator) Allocate(capacity, max uint64) experimental.LinearMemory {
	reserve := min(max, a.limit)
	reserve = (reserve + wasmPage - 1) &^ (wasmPage - 1)
	m := &mmapMemory{a: a, reserve: reserve}
	m.state.Store(memBusy)
	a.mem = m
	return m
}

// Reallocate implements experimental.LinearMemory.
func (m *mmapMemory) Reallocate(size uint64) []byte {
	if size > m.reserve {
		m.a.refused.Store(true)
		return nil
	}
	if size > uint64(cap(m.buf)) {
		grown := make([]byte, size, min(m.reserve, max(size, 2*uint64(cap(m.buf)))))
		copy(grown, m.buf)
		m.buf = grown
	}
	m.buf = m.buf[:size]
	m.committed = size
	return m.buf[:size:size]
}

func (m *mmapMemory) unmap() { m.buf = nil }
