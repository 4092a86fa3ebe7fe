package wazero

import (
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/api"
	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/internal/wasm"
)

// CloseModuleLater closes m with exitCode from any goroutine, as a done
// context does under RuntimeConfig.WithCloseOnContextDone, without a
// context or a watcher goroutine: code running in m stops at its next
// termination check, where its own goroutine releases m's resources, or
// the next Close of m does. Unlike api.Module.CloseWithExitCode it never
// releases resources under a call in flight (a WASI function of that call
// may be reading the module's file table). It reports false, doing
// nothing, for a module this package did not instantiate.
func CloseModuleLater(m api.Module, exitCode uint32) bool {
	mi, ok := m.(*wasm.ModuleInstance)
	if ok {
		mi.CloseLater(exitCode)
	}
	return ok
}
