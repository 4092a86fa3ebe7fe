package wasmbin

import (
	"bytes"
	"testing"
)

// module is a binary with the given sections (id, payload).
func module(secs ...[]byte) []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	for _, s := range secs {
		b = append(b, s[0], byte(len(s)-1))
		b = append(b, s[1:]...)
	}
	return b
}

func TestSectionsAndConstData(t *testing.T) {
	data := []byte{SectionData, 2, 0, 0x41, 10, 0x0b, 2, 'h', 'i', 0, 0x41, 0x7f, 0x0b, 1, 'x'}
	b := module([]byte{SectionMemory, 1, 0, 1}, data)
	secs, err := Sections(b)
	if err != nil || len(secs) != 2 {
		t.Fatalf("Sections: %v %v", secs, err)
	}
	mems, err := Memories(b[secs[0].Start:secs[0].End])
	if err != nil || len(mems) != 1 || mems[0].Min != 1 {
		t.Fatalf("Memories: %v %v", mems, err)
	}
	segs, ok := ConstData(b[secs[1].Start:secs[1].End])
	if ok { // the second segment's offset is -1
		t.Fatalf("a negative offset read as %v", segs)
	}
	data[11] = 0x05
	b = module([]byte{SectionMemory, 1, 0, 1}, data)
	secs, _ = Sections(b)
	segs, ok = ConstData(b[secs[1].Start:secs[1].End])
	if !ok || len(segs) != 2 || segs[0].Offset != 10 || string(segs[0].Data) != "hi" || segs[1].Offset != 5 || string(segs[1].Data) != "x" {
		t.Fatalf("ConstData: %v %v", segs, ok)
	}
	for name, bad := range map[string][]byte{
		"twice":        module([]byte{SectionMemory, 1, 0, 1}, []byte{SectionMemory, 1, 0, 1}),
		"unknown id":   module([]byte{14}),
		"past the end": append(module(), SectionData, 5, 0),
		"no magic":     []byte("\x00wasm\x01\x00\x00\x00"),
	} {
		if _, err := Sections(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzSections: the sections returned tile the binary after its header,
// in order, and ConstData and Memories never read outside a payload.
func FuzzSections(f *testing.F) {
	f.Add(module([]byte{SectionMemory, 1, 0, 1}, []byte{SectionData, 1, 0, 0x41, 10, 0x0b, 2, 'h', 'i'}))
	f.Add(module([]byte{0, 1, 'n'}, []byte{SectionDataCount, 1}))
	f.Fuzz(func(t *testing.T, b []byte) {
		secs, err := Sections(b)
		if err != nil {
			return
		}
		at := 8
		for _, s := range secs {
			if s.Header != at || s.Start <= s.Header || s.End < s.Start || s.End > len(b) {
				t.Fatalf("section %+v after offset %d of %d", s, at, len(b))
			}
			at = s.End
			p := b[s.Start:s.End]
			if segs, ok := ConstData(p); ok {
				for _, g := range segs {
					if g.Offset < 0 || len(g.Data) > 0 && !bytes.Contains(p, g.Data) {
						t.Fatalf("segment %+v outside its payload", g)
					}
				}
			}
			_, _ = Memories(p)
		}
		if at != len(b) {
			t.Fatalf("sections end at %d of %d", at, len(b))
		}
	})
}
