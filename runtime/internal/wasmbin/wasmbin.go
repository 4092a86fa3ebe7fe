// Package wasmbin reads what the host checks of a WebAssembly module binary
// before compiling it, and what the static inventory reports: imports,
// exports and memories. It reads section framing and those sections only,
// in one bounded pass, and allocates nothing a count in the binary could
// inflate beyond the binary's own size.
package wasmbin

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wasmgw/wasmgw/abi"
)

// Info is what the static inventory reads from a module's binary: its
// imports, exports and memories. It is read without compiling or running
// anything, so a module the runtime would refuse is still described.
type Info struct {
	Imports  []Import
	Exports  []Export
	Memories []Memory
}

// Import is one import of a module.
type Import struct {
	Module, Name string
	// Kind is "func", "table", "memory", "global" or "tag".
	Kind string
	// Params and Results are the value types of an imported function
	// ("i32", "i64", "f32", "f64", "v128", "funcref", "externref").
	Params, Results []string
	// Memory is set for an imported memory.
	Memory *Memory
}

// Signature renders an imported function's type as "(i32,i32)->(i32)".
func (im Import) Signature() string {
	if im.Kind != "func" {
		return ""
	}
	return "(" + strings.Join(im.Params, ",") + ")->(" + strings.Join(im.Results, ",") + ")"
}

// Export is one export of a module.
type Export struct {
	Name string
	// Kind is "func", "table", "memory", "global" or "tag".
	Kind string
}

// Memory is a memory's declared limits, in 64 KiB pages.
type Memory struct {
	Min      uint64
	Max      *uint64
	Shared   bool
	Memory64 bool
	Imported bool
}

// ABIVersion returns the ABI version a module states with its marker
// export, the way the host reads it: abi.Version when that marker is
// among its exports, else the first other version found, else 0.
func (w *Info) ABIVersion() int {
	found := 0
	for _, e := range w.Exports {
		v, ok := strings.CutPrefix(e.Name, abi.VersionExportPrefix)
		if !ok || e.Kind != "func" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			continue
		}
		if n == abi.Version {
			return n
		}
		if found == 0 {
			found = n
		}
	}
	return found
}

// HasExport reports whether the module exports name with the given kind.
func (w *Info) HasExport(name, kind string) bool {
	for _, e := range w.Exports {
		if e.Name == name && e.Kind == kind {
			return true
		}
	}
	return false
}

// Error is a module binary the parser cannot read; Offset is the byte
// where it stopped.
type Error struct {
	Offset int
	Msg    string
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("not a valid wasm module: byte %d: %s", e.Offset, e.Msg)
}

var errShort = errors.New("unexpected end")

// wasmReader reads a module binary; every read checks its bounds.
type wasmReader struct {
	b   []byte
	off int // offset of b[0] in the whole binary
	pos int
}

func (r *wasmReader) fail(msg string) error { return &Error{Offset: r.off + r.pos, Msg: msg} }

func (r *wasmReader) byte() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, r.fail(errShort.Error())
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

// uleb reads an unsigned LEB128 of at most bits bits.
func (r *wasmReader) uleb(bits uint) (uint64, error) {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if shift >= bits+7 {
			return 0, r.fail("integer encoding too long")
		}
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			if bits < 64 && v>>bits != 0 {
				return 0, r.fail("integer too large")
			}
			return v, nil
		}
	}
}

func (r *wasmReader) u32() (uint32, error) {
	v, err := r.uleb(32)
	return uint32(v), err
}

// count reads a vector length, refusing one that cannot fit in what is left
// (each element takes at least one byte), so nothing is allocated for it.
func (r *wasmReader) count() (int, error) {
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	if int(n) > len(r.b)-r.pos {
		return 0, r.fail(fmt.Sprintf("vector of %d elements in %d bytes", n, len(r.b)-r.pos))
	}
	return int(n), nil
}

func (r *wasmReader) name() (string, error) {
	n, err := r.count()
	if err != nil {
		return "", err
	}
	s := r.b[r.pos : r.pos+n]
	if !utf8.Valid(s) {
		return "", r.fail("name is not valid UTF-8")
	}
	r.pos += n
	return string(s), nil
}

func (r *wasmReader) valType() (string, error) {
	c, err := r.byte()
	if err != nil {
		return "", err
	}
	switch c {
	case 0x7f:
		return "i32", nil
	case 0x7e:
		return "i64", nil
	case 0x7d:
		return "f32", nil
	case 0x7c:
		return "f64", nil
	case 0x7b:
		return "v128", nil
	case 0x70:
		return "funcref", nil
	case 0x6f:
		return "externref", nil
	}
	r.pos--
	return "", r.fail(fmt.Sprintf("unsupported value type 0x%02x", c))
}

func (r *wasmReader) limits() (Memory, error) {
	flags, err := r.byte()
	if err != nil {
		return Memory{}, err
	}
	if flags > 7 {
		r.pos--
		return Memory{}, r.fail(fmt.Sprintf("unknown limits flags 0x%02x", flags))
	}
	m := Memory{Shared: flags&2 != 0, Memory64: flags&4 != 0}
	bits := uint(32)
	if m.Memory64 {
		bits = 64
	}
	if m.Min, err = r.uleb(bits); err != nil {
		return m, err
	}
	if flags&1 != 0 {
		max, err := r.uleb(bits)
		if err != nil {
			return m, err
		}
		if max < m.Min {
			return m, r.fail("maximum below minimum")
		}
		m.Max = &max
	}
	return m, nil
}

var externKinds = []string{"func", "table", "memory", "global", "tag"}

type funcType struct{ params, results []string }

// Parse reads the imports, exports and memories of a WebAssembly core
// module binary. It checks the framing (magic, version, section sizes, LEB
// encodings, UTF-8 names) of what it reads and skips the other sections; it
// does not validate code, which the runtime does when it compiles.
func Parse(b []byte) (*Info, error) {
	if len(b) < 8 || !bytes.Equal(b[:4], []byte("\x00asm")) {
		return nil, &Error{Msg: "missing the \\0asm magic"}
	}
	if !bytes.Equal(b[4:8], []byte{1, 0, 0, 0}) {
		return nil, &Error{Offset: 4, Msg: fmt.Sprintf("version % x is not a core module (want 01 00 00 00)", b[4:8])}
	}
	info := &Info{}
	var types []funcType
	seen := map[byte]bool{}
	top := &wasmReader{b: b, pos: 8}
	for top.pos < len(b) {
		id, err := top.byte()
		if err != nil {
			return nil, err
		}
		size, err := top.u32()
		if err != nil {
			return nil, err
		}
		if int(size) > len(b)-top.pos {
			return nil, top.fail(fmt.Sprintf("section %d of %d bytes runs past the end", id, size))
		}
		if id > 13 {
			return nil, top.fail(fmt.Sprintf("unknown section id %d", id))
		}
		if id != 0 {
			if seen[id] {
				return nil, top.fail(fmt.Sprintf("section %d appears twice", id))
			}
			seen[id] = true
		}
		r := &wasmReader{b: b[top.pos : top.pos+int(size)], off: top.pos}
		top.pos += int(size)
		switch id {
		case 0: // custom: a name, then anything
			if _, err := r.name(); err != nil {
				return nil, err
			}
			r.pos = len(r.b)
		case 1:
			types, err = parseTypes(r)
		case 2:
			err = parseImports(r, types, info)
		case 5:
			var n int
			if n, err = r.count(); err == nil {
				for range n {
					var m Memory
					if m, err = r.limits(); err != nil {
						break
					}
					info.Memories = append(info.Memories, m)
				}
			}
		case 7:
			err = parseExports(r, info)
		default:
			r.pos = len(r.b)
		}
		if err != nil {
			return nil, err
		}
		if r.pos != len(r.b) {
			return nil, r.fail(fmt.Sprintf("section %d has %d bytes left over", id, len(r.b)-r.pos))
		}
	}
	return info, nil
}

func parseTypes(r *wasmReader) ([]funcType, error) {
	n, err := r.count()
	if err != nil {
		return nil, err
	}
	types := make([]funcType, 0, n)
	for range n {
		form, err := r.byte()
		if err != nil {
			return nil, err
		}
		if form != 0x60 {
			r.pos--
			return nil, r.fail(fmt.Sprintf("unsupported type form 0x%02x (only function types)", form))
		}
		var ft funcType
		for _, list := range []*[]string{&ft.params, &ft.results} {
			k, err := r.count()
			if err != nil {
				return nil, err
			}
			*list = make([]string, 0, k)
			for range k {
				t, err := r.valType()
				if err != nil {
					return nil, err
				}
				*list = append(*list, t)
			}
		}
		types = append(types, ft)
	}
	return types, nil
}

func parseImports(r *wasmReader, types []funcType, info *Info) error {
	n, err := r.count()
	if err != nil {
		return err
	}
	for range n {
		var im Import
		if im.Module, err = r.name(); err != nil {
			return err
		}
		if im.Name, err = r.name(); err != nil {
			return err
		}
		kind, err := r.byte()
		if err != nil {
			return err
		}
		if int(kind) >= len(externKinds) {
			r.pos--
			return r.fail(fmt.Sprintf("unknown import kind 0x%02x", kind))
		}
		im.Kind = externKinds[kind]
		switch kind {
		case 0: // func: a type index
			idx, err := r.u32()
			if err != nil {
				return err
			}
			if int(idx) >= len(types) {
				return r.fail(fmt.Sprintf("import %s.%s names type %d of %d", im.Module, im.Name, idx, len(types)))
			}
			im.Params, im.Results = types[idx].params, types[idx].results
		case 1: // table: a reference type and limits
			if _, err := r.valType(); err != nil {
				return err
			}
			if _, err := r.limits(); err != nil {
				return err
			}
		case 2:
			m, err := r.limits()
			if err != nil {
				return err
			}
			m.Imported = true
			im.Memory = &m
			info.Memories = append(info.Memories, m)
		case 3: // global: a value type and mutability
			if _, err := r.valType(); err != nil {
				return err
			}
			mut, err := r.byte()
			if err != nil {
				return err
			}
			if mut > 1 {
				return r.fail("bad global mutability")
			}
		case 4: // tag: attribute 0 and a type index
			if attr, err := r.byte(); err != nil || attr != 0 {
				return r.fail("bad tag attribute")
			}
			idx, err := r.u32()
			if err != nil {
				return err
			}
			if int(idx) >= len(types) {
				return r.fail(fmt.Sprintf("tag names type %d of %d", idx, len(types)))
			}
		}
		info.Imports = append(info.Imports, im)
	}
	return nil
}

func parseExports(r *wasmReader, info *Info) error {
	n, err := r.count()
	if err != nil {
		return err
	}
	names := map[string]bool{}
	for range n {
		name, err := r.name()
		if err != nil {
			return err
		}
		if names[name] {
			return r.fail(fmt.Sprintf("export %q appears twice", name))
		}
		names[name] = true
		kind, err := r.byte()
		if err != nil {
			return err
		}
		if int(kind) >= len(externKinds) {
			r.pos--
			return r.fail(fmt.Sprintf("unknown export kind 0x%02x", kind))
		}
		if _, err := r.u32(); err != nil {
			return err
		}
		info.Exports = append(info.Exports, Export{Name: name, Kind: externKinds[kind]})
	}
	return nil
}

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
