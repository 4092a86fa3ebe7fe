package runtime

import "testing"

// TestMemoryFreedDuringACallWaitsForIt: wazero frees a closed module's
// memory, and the host closes a module from another goroutine to stop a
// call; the memory must stay mapped until the call leaves, and be unmapped
// then, once.
func TestMemoryFreedDuringACallWaitsForIt(t *testing.T) {
	a := &memoryAllocator{limit: 4 * wasmPage}
	m := a.Allocate(wasmPage, 4*wasmPage).(*mmapMemory)
	if m.Reallocate(wasmPage) == nil {
		t.Fatal("no memory")
	}
	m.leave() // instantiated
	m.enter() // a call
	m.Free()  // closed from another goroutine
	if m.buf == nil {
		t.Fatal("the memory was unmapped under a running call")
	}
	m.leave()
	if m.buf != nil {
		t.Fatal("the memory outlived the call that held it after Free")
	}
	m.enter() // a late call on the closed module finds no memory, and
	m.leave() // leaving again is harmless
	idle := a.Allocate(wasmPage, 4*wasmPage).(*mmapMemory)
	idle.Reallocate(wasmPage)
	idle.leave()
	idle.Free()
	if idle.buf != nil {
		t.Fatal("an idle memory was not unmapped by Free")
	}
}
