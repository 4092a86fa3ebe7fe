package wasmbin

import (
	"bytes"
	"fmt"
)

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
