package runtime

// CompilesForTest counts the modules the engine has handed to wazero's
// compiler, so tests can check that a refused module never was.
func (e *Engine) CompilesForTest() uint64 { return e.compiles.Load() }

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
