package wasmbin

import (
	"bytes"
	"fmt"
)

// Section ids this package and its callers name.
const (
	SectionTable     = 4
	SectionMemory    = 5
	SectionData      = 11
	SectionDataCount = 12
)

// Section is one section of a module binary: its id, the offset of its id
// byte, and its payload b[Start:End].
type Section struct {
	ID                 byte
	Header, Start, End int
}

// Sections checks a module binary's framing (magic, version, section sizes
// and their LEB encodings, known ids, no non-custom section twice) and
// returns its sections in order. It reads nothing inside a payload.
func Sections(b []byte) ([]Section, error) {
	if len(b) < 8 || !bytes.Equal(b[:4], []byte("\x00asm")) {
		return nil, &Error{Msg: "missing the \\0asm magic"}
	}
	if !bytes.Equal(b[4:8], []byte{1, 0, 0, 0}) {
		return nil, &Error{Offset: 4, Msg: fmt.Sprintf("version % x is not a core module (want 01 00 00 00)", b[4:8])}
	}
	var out []Section
	var seen [14]bool
	top := &wasmReader{b: b, pos: 8}
	for top.pos < len(b) {
		hdr := top.pos
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
		out = append(out, Section{ID: id, Header: hdr, Start: top.pos, End: top.pos + int(size)})
		top.pos += int(size)
	}
	return out, nil
}

// Segment is a data segment active on memory 0 at a constant i32 offset.
type Segment struct {
	Offset int
	Data   []byte
}

// ConstData reads the payload of a data section whose every segment is
// active on memory 0 at a constant, non-negative i32 offset. ok is false
// for any other data section (passive segments, another memory, an offset
// computed from a global) and for a malformed one. Data aliases payload.
func ConstData(payload []byte) (segs []Segment, ok bool) {
	r := &wasmReader{b: payload}
	n, err := r.count()
	if err != nil {
		return nil, false
	}
	segs = make([]Segment, 0, n)
	for range n {
		if c, err := r.byte(); err != nil || c != 0 { // active, memory 0
			return nil, false
		}
		if c, err := r.byte(); err != nil || c != 0x41 { // i32.const
			return nil, false
		}
		off, err := r.sleb32()
		if err != nil || off < 0 {
			return nil, false
		}
		if c, err := r.byte(); err != nil || c != 0x0b { // end
			return nil, false
		}
		size, err := r.count()
		if err != nil {
			return nil, false
		}
		segs = append(segs, Segment{int(off), payload[r.pos : r.pos+size]})
		r.pos += size
	}
	return segs, r.pos == len(payload)
}

// Memories reads the payload of a memory section: the memories a module
// defines (not those it imports).
func Memories(payload []byte) ([]Memory, error) {
	r := &wasmReader{b: payload}
	ms, err := parseMemories(r)
	if err == nil && r.pos != len(payload) {
		err = r.fail(fmt.Sprintf("memory section has %d bytes left over", len(payload)-r.pos))
	}
	return ms, err
}
