package wasmbin

import "fmt"

var externKinds = []string{"func", "table", "memory", "global", "tag"}

type funcType struct{ params, results []string }

// Parse reads the imports, exports, memories and tables of a WebAssembly core
// module binary. It checks the framing (magic, version, section sizes, LEB
// encodings, UTF-8 names) of what it reads and skips the other sections; it
// does not validate code, which the runtime does when it compiles.
func Parse(b []byte) (*Info, error) {
	sections, err := Sections(b)
	if err != nil {
		return nil, err
	}
	info := &Info{}
	var types []funcType
	for _, sec := range sections {
		id := sec.ID
		r := &wasmReader{b: b[sec.Start:sec.End], off: sec.Start}
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
		case SectionTable:
			info.Tables, err = parseTables(r)
		case SectionMemory:
			info.Memories, err = parseMemories(r)
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

func parseMemories(r *wasmReader) ([]Memory, error) {
	n, err := r.count()
	if err != nil {
		return nil, err
	}
	var out []Memory
	for range n {
		m, err := r.limits()
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// parseTables reads the table section: a reference type and limits per
// table. A table with an initial-value expression (0x40 0x00, a later
// proposal) is refused: its expression is not read here.
func parseTables(r *wasmReader) ([]Memory, error) {
	n, err := r.count()
	if err != nil {
		return nil, err
	}
	var out []Memory
	for range n {
		if r.pos < len(r.b) && r.b[r.pos] == 0x40 {
			return nil, r.fail("a table with an initial-value expression is not supported")
		}
		if _, err := r.valType(); err != nil {
			return nil, err
		}
		t, err := r.limits()
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
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
