package interp

// Field paths of the strings that hold references, built in the scanner's
// paths buffer: each open container's path once, copied into its
// children's.

import (
	"strconv"

	"github.com/wasmgw/wasmgw/internal/jsonlex"
)

// fieldPath builds the path of the value being scanned in sc.paths and
// returns its span there. The path of each open container is built once
// and copied into its children's.
func (sc *scanner) fieldPath() [2]int {
	n := len(sc.stack)
	if n == 0 {
		return [2]int{len(sc.paths), len(sc.paths)}
	}
	parent := sc.containerPath(n - 1)
	start := len(sc.paths)
	sc.paths = append(sc.paths, sc.paths[parent[0]:parent[1]]...)
	sc.paths = sc.stack[n-1].appendPart(sc.paths, parent[0] == parent[1])
	return [2]int{start, len(sc.paths)}
}

// containerPath returns the span of the path of the container of frame k.
func (sc *scanner) containerPath(k int) [2]int {
	if f := &sc.stack[k]; f.hasPath {
		return f.path
	}
	if k == 0 {
		sc.stack[0].hasPath, sc.stack[0].path = true, [2]int{0, 0}
		return sc.stack[0].path
	}
	parent := sc.containerPath(k - 1)
	start := len(sc.paths)
	sc.paths = append(sc.paths, sc.paths[parent[0]:parent[1]]...)
	sc.paths = sc.stack[k-1].appendPart(sc.paths, parent[0] == parent[1])
	f := &sc.stack[k]
	f.hasPath, f.path = true, [2]int{start, len(sc.paths)}
	return f.path
}

// appendPart appends the part of a path that names the current item of f
// (".key", `["quoted key"]` or "[i]", as abi.Reference.Path writes it) to
// b; root says b holds no path yet.
func (f *frame) appendPart(b []byte, root bool) []byte {
	if f.array {
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(f.index), 10)
		return append(b, ']')
	}
	key := f.key
	if f.esc {
		key = jsonlex.Unquote(key)
	}
	if !simpleKey(key) {
		b = append(b, '[')
		b = appendString(b, key)
		return append(b, ']')
	}
	if !root {
		b = append(b, '.')
	}
	return append(b, key...)
}
