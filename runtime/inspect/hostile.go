package inspect

import (
	"embed"
	"io/fs"
)

// hostileFiles holds the hostile modules `make hostile` writes into wasm/
// (see wasm/README.md). The README is committed so the pattern always
// matches, even in a checkout where nothing was built.
//
//go:embed wasm
var hostileFiles embed.FS

// hostileModules returns the hostile modules embedded in this binary, by
// file name ("hostile.wasm", "spin.wasm", ...). The suite reads them from
// here unless Options.Modules names another set.
func hostileModules() fs.FS {
	sub, err := fs.Sub(hostileFiles, "wasm")
	if err != nil {
		panic(err) // "wasm" is a valid path: fs.Sub cannot fail
	}
	return sub
}
