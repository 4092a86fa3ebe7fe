// Package builtin holds the guest modules embedded in the wasmgw binary:
// the example tools, the default message handler and the MCP interpolation
// module. A profile names them as "builtin:NAME".
package builtin

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed wasm
var files embed.FS

// Prefix marks a module path that names a built-in module.
const Prefix = "builtin:"

// Module returns the bytes of the built-in module name.
func Module(name string) ([]byte, error) {
	b, err := files.ReadFile("wasm/" + name + ".wasm")
	if err != nil {
		return nil, fmt.Errorf("built-in module %q is not in this binary (have %v); rebuild the committed modules with 'make guests'", name, Names())
	}
	return b, nil
}

// Names lists the built-in modules of this binary.
func Names() []string {
	var names []string
	entries, _ := fs.ReadDir(files, "wasm")
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".wasm"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}
