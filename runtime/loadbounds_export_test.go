package runtime

// FillCompileSlotsForTest takes every compile slot until the returned
// function is called.
func (e *Engine) FillCompileSlotsForTest() (release func()) {
	n := cap(e.compileSem)
	for range n {
		e.compileSem <- struct{}{}
	}
	return func() {
		for range n {
			<-e.compileSem
		}
	}
}

// ScanModuleForBench runs the cheap pass over a module binary.
func ScanModuleForBench(wasm []byte) (uint64, error) { return scanModule(wasm) }

// The load-time refusals, for tests that check their fields.
type (
	ModuleSizeError = moduleSizeError
	MemoryDeclError = memoryDeclError
	ABIError        = abiError
)

// DefaultMemory is the default memory limit, for tests.
const DefaultMemory = defaultMemory

// HeldModulesForTest is heldModules.
func (e *Engine) HeldModulesForTest() int { return e.heldModules() }

// FileEntriesForTest is the number of entries the engine keeps by file
// identity and by path.
func (e *Engine) FileEntriesForTest() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := len(e.byFile) + len(e.pathKey)
	for _, keys := range e.fileKeys {
		n += len(keys)
	}
	return n
}
