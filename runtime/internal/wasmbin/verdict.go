package wasmbin

import (
	"fmt"
	"strings"

	"github.com/wasmgw/wasmgw/abi"
)

// ImportVerdict says whether the host provides an import, and why not. The
// rules are the runtime's (engine.go's checkModule): a wasmgw host function
// with its exact i32 signature, or a WASI preview 1 function of
// abi.WASIFunctions; nothing else, and no imported memory.
func ImportVerdict(im Import) (ok bool, why string) {
	switch {
	case im.Kind == "memory":
		return false, fmt.Sprintf("imports memory %s.%s: a module must define its own memory", im.Module, im.Name)
	case im.Kind != "func":
		return false, fmt.Sprintf("imports a %s, which the host does not provide", im.Kind)
	case im.Module == abi.HostModule:
		params, results, ok := abi.HostFunctionSignature(im.Name)
		if !ok {
			return false, fmt.Sprintf("imports %s.%s, which this host does not provide (ABI v%d)", im.Module, im.Name, abi.Version)
		}
		if !allI32(im.Params, params) || !allI32(im.Results, results) {
			return false, fmt.Sprintf("imports %s.%s with the wrong signature %s (want %d i32 parameters, %d i32 result)", im.Module, im.Name, im.Signature(), params, results)
		}
		return true, ""
	case im.Module == abi.WASIModule:
		if !wasiAllowed[im.Name] {
			return false, fmt.Sprintf("imports %s.%s, which is not in the WASI preview 1 set this host provides", im.Module, im.Name)
		}
		return true, ""
	}
	return false, fmt.Sprintf("imports %s.%s: only %q and %q imports are provided", im.Module, im.Name, abi.HostModule, abi.WASIModule)
}

var wasiAllowed = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(abi.WASIFunctions) {
		m[n] = true
	}
	return m
}()

func allI32(types []string, n int) bool {
	if len(types) != n {
		return false
	}
	for _, t := range types {
		if t != "i32" {
			return false
		}
	}
	return true
}
