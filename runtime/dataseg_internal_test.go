package runtime

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/builtin"
	"github.com/wasmgw/wasmgw/runtime/internal/wasmbin"
)

// seg is a segment at off holding data, short for the tables below.
func seg(off int, data []byte) wasmbin.Segment { return wasmbin.Segment{Offset: off, Data: data} }

const (
	sectionMemory    = wasmbin.SectionMemory
	sectionData      = wasmbin.SectionData
	sectionDataCount = wasmbin.SectionDataCount
)

// image applies a module's data segments in order to a zeroed memory of
// its initial size: what an instance starts with.
func image(t testing.TB, wasm []byte) []byte {
	t.Helper()
	sections, err := wasmbin.Sections(wasm)
	if err != nil {
		t.Fatal(err)
	}
	var mem []byte
	for _, sec := range sections {
		p := wasm[sec.Start:sec.End]
		switch sec.ID {
		case sectionMemory:
			mems, err := wasmbin.Memories(p)
			if err != nil || len(mems) != 1 {
				t.Fatal("memory section")
			}
			mem = make([]byte, mems[0].Min*wasmPage)
		case sectionData:
			segs, ok := wasmbin.ConstData(p)
			if !ok {
				t.Fatal("data section")
			}
			for _, s := range segs {
				copy(mem[s.Offset:], s.Data)
			}
		}
	}
	return mem
}

// TestCoalesceDataKeepsTheImage: every builtin module, rewritten, starts
// with byte-for-byte the memory the original does, with a handful of
// segments instead of tens of thousands.
func TestCoalesceDataKeepsTheImage(t *testing.T) {
	for _, name := range []string{"whoami", "textkit", "handler", "interpolate"} {
		wasm, err := builtin.Module(name)
		if err != nil {
			t.Fatal(err)
		}
		out := coalesceData(wasm)
		if bytes.Equal(out, wasm) {
			t.Fatalf("%s: not rewritten", name)
		}
		if !bytes.Equal(image(t, out), image(t, wasm)) {
			t.Fatalf("%s: the rewritten module starts with different memory", name)
		}
		t.Logf("%s: %d -> %d bytes", name, len(wasm), len(out))
	}
}

// TestCoalesceDataOnTestModules: the hand-written and hostile modules
// under testdata are rewritten only where the image stays the same.
func TestCoalesceDataOnTestModules(t *testing.T) {
	dir := filepath.Join("..", "testdata")
	matches, _ := filepath.Glob(filepath.Join(dir, "*", "*.wasm"))
	hostile, _ := filepath.Glob(filepath.Join(dir, "hostile", "wat", "*.wasm"))
	matches = append(matches, hostile...)
	if len(matches) < 3 {
		t.Fatalf("found %d test modules under %s", len(matches), dir)
	}
	for _, m := range matches {
		wasm, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		out := coalesceData(wasm)
		if !bytes.Equal(out, wasm) && !bytes.Equal(image(t, out), image(t, wasm)) {
			t.Errorf("%s: rewritten with a different image", m)
		}
	}
}

// tinyModule is a module with one memory of pages pages and the given
// active segments (offset, bytes), nothing else.
func tinyModule(pages int, segs ...wasmbin.Segment) []byte {
	b := []byte{0, 'a', 's', 'm', 1, 0, 0, 0, sectionMemory, 3, 1, 0, byte(pages)}
	var p []byte
	p = append(p, byte(len(segs)))
	for _, s := range segs {
		p = append(p, 0, 0x41)
		p = appendSleb(p, int64(s.Offset))
		p = append(p, 0x0b, byte(len(s.Data)))
		p = append(p, s.Data...)
	}
	b = append(b, sectionData, byte(len(p)))
	return append(b, p...)
}

func TestCoalesceDataCases(t *testing.T) {
	over := tinyModule(1, seg(10, []byte("abcdef")), seg(12, []byte("XY")), seg(100, []byte{0, 0, 7}))
	out := coalesceData(over)
	if bytes.Equal(out, over) || !bytes.Equal(image(t, out), image(t, over)) {
		t.Fatal("overlapping segments: later ones must win, as at instantiation")
	}
	for name, m := range map[string][]byte{
		"past the initial memory": tinyModule(1, seg(10, []byte("a")), seg(wasmPage-1, []byte("bc"))),
		"negative offset":         tinyModule(1, seg(10, []byte("a")), seg(-1, []byte("b"))),
		"one segment":             tinyModule(1, seg(10, []byte("a"))),
	} {
		if !bytes.Equal(coalesceData(m), m) {
			t.Errorf("%s: rewritten", name)
		}
	}
	// A data count section means code may name segments: left alone.
	m := tinyModule(1, seg(0, []byte("a")), seg(8, []byte("b")))
	withCount := append(append(append([]byte{}, m[:13]...), sectionDataCount, 1, 2), m[13:]...)
	if !bytes.Equal(coalesceData(withCount), withCount) {
		t.Error("a module with a data count section was rewritten")
	}
}

func FuzzCoalesceData(f *testing.F) {
	f.Add(tinyModule(1, seg(10, []byte("abcdef")), seg(12, []byte("XY")), seg(5000, []byte{0, 0, 7})))
	f.Add(tinyModule(2, seg(0, []byte("a")), seg(wasmPage+5, []byte("b"))))
	f.Fuzz(func(t *testing.T, wasm []byte) {
		out, ok := rewriteData(wasm)
		if !ok {
			return
		}
		if !bytes.Equal(image(t, out), image(t, wasm)) {
			t.Fatalf("rewritten with a different image")
		}
	})
}

func BenchmarkCoalesceData(b *testing.B) {
	wasm, err := builtin.Module("whoami")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		coalesceData(wasm)
	}
}
