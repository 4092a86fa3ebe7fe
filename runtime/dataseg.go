package runtime

import (
	"encoding/binary"

	"github.com/wasmgw/wasmgw/runtime/internal/wasmbin"
)

// Go's wasm linker writes one active data segment per symbol: the sample
// modules have about 42,000. wazero keeps a slice header per segment in
// every instance (1 MiB of Go heap per live instance) and evaluates each
// segment's offset at every instantiation. Before compiling, the engine
// therefore rewrites the data section as the memory image it produces:
// the segments are applied in order to a zeroed image, and the image is
// written back as a few segments, split only at long runs of zeros.
// Instances start with exactly the same memory; the module's identity (its
// SHA-256, what audits and reports show) stays that of the original bytes.
//
// The rewrite is made only where it is exact: every segment active on
// memory 0 with a constant i32 offset, no data count section (so no
// memory.init or data.drop can name a segment), a memory defined by the
// module, and every segment inside its initial size (so no instantiation
// that would fail can succeed). Anything else is compiled as it is.
//
// On Linux the image goes further (image_linux.go): the module is compiled
// with no data at all, the image is written once into a sealed memory
// file, and each instance maps it copy-on-write, so a new instance copies
// nothing and its unwritten data pages are shared.

const (
	// zeroSplit is the run of zeros at which the image is split into two
	// segments: longer runs need not be written (memory starts zeroed), and
	// not writing them leaves whole pages untouched.
	zeroSplit = 4096
	// maxImage bounds the image the rewrite builds.
	maxImage = 64 << 20
	// minImage is the smallest image worth a file and a mapping.
	minImage = 64 << 10
	// maxImages bounds the data images (one file descriptor each) an
	// engine keeps; modules past it have their data copied in.
	maxImages = 1024
)

// coalesceData returns wasm with its data segments merged, or wasm itself
// when the rewrite would not be exact (or would not help).
func coalesceData(wasm []byte) []byte {
	if out, ok := rewriteData(wasm); ok {
		return out
	}
	return wasm
}

// rewriteData returns the rewritten module, or false when the rewrite
// would not be exact or would not help.
func rewriteData(wasm []byte) ([]byte, bool) {
	d, image, lo, n, ok := dataLayout(wasm)
	if !ok {
		return nil, false
	}
	merged := splitImage(image, lo)
	if len(merged) >= n {
		return nil, false
	}
	return withData(wasm, d, merged, len(image)), true
}

// dataImage is a module's initial memory contents: data at offset, zeros
// elsewhere.
type dataImage struct {
	offset int
	data   []byte
}

// stripData returns wasm without its data segments (a data section of
// none) and the memory image they produce, where the rewrite would be
// exact (the conditions above). Instances of the stripped module must be
// given the image by their memory (image_linux.go); nothing else may
// instantiate it.
func stripData(wasm []byte) ([]byte, dataImage, bool) {
	d, image, lo, _, ok := dataLayout(wasm)
	if !ok {
		return nil, dataImage{}, false
	}
	return withData(wasm, d, nil, 0), dataImage{offset: lo, data: image}, true
}

// dataLayout checks that the data segments of wasm can be replaced
// exactly by their memory image and returns the data section, the image
// (which starts at offset lo) and the number of segments.
func dataLayout(wasm []byte) (d wasmbin.Section, image []byte, lo, n int, ok bool) {
	sections, err := wasmbin.Sections(wasm)
	if err != nil {
		return d, nil, 0, 0, false
	}
	var memPages uint64
	haveMemory := false
	data := -1
	for k, s := range sections {
		switch s.ID {
		case wasmbin.SectionDataCount:
			return d, nil, 0, 0, false
		case wasmbin.SectionMemory:
			mems, err := wasmbin.Memories(wasm[s.Start:s.End])
			if err != nil || len(mems) != 1 || mems[0].Shared || mems[0].Memory64 {
				return d, nil, 0, 0, false // leave shared and 64-bit memories alone
			}
			memPages, haveMemory = mems[0].Min, true
		case wasmbin.SectionData:
			data = k
		}
	}
	if data < 0 || !haveMemory {
		return d, nil, 0, 0, false
	}
	segs, ok := wasmbin.ConstData(wasm[sections[data].Start:sections[data].End])
	if !ok || len(segs) < 2 {
		return d, nil, 0, 0, false
	}
	lo, hi := segs[0].Offset, 0
	for _, s := range segs {
		lo, hi = min(lo, s.Offset), max(hi, s.Offset+len(s.Data))
	}
	if uint64(hi) > memPages*wasmPage || hi-lo > maxImage {
		return d, nil, 0, 0, false
	}
	image = make([]byte, hi-lo)
	for _, s := range segs {
		copy(image[s.Offset-lo:], s.Data)
	}
	return sections[data], image, lo, len(segs), true
}

// withData returns wasm with data section d replaced by one holding
// merged (imageLen: their total size, for the allocation).
func withData(wasm []byte, d wasmbin.Section, merged []wasmbin.Segment, imageLen int) []byte {
	// The new section is written in place after a padded five-byte size
	// (LEB128 allows it), so the payload is not copied twice.
	out := make([]byte, 0, len(wasm)-(d.End-d.Header)+imageLen+16*len(merged)+16)
	out = append(out, wasm[:d.Header]...)
	out = append(out, wasmbin.SectionData, 0x80, 0x80, 0x80, 0x80, 0)
	sizeAt, payloadAt := len(out)-5, len(out)
	out = binary.AppendUvarint(out, uint64(len(merged)))
	for _, s := range merged {
		out = append(out, 0, 0x41) // active, memory 0; i32.const
		out = appendSleb(out, int64(int32(s.Offset)))
		out = append(out, 0x0b)
		out = binary.AppendUvarint(out, uint64(len(s.Data)))
		out = append(out, s.Data...)
	}
	size := uint32(len(out) - payloadAt)
	for i := range 4 {
		out[sizeAt+i] = byte(size>>(7*i)) | 0x80
	}
	out[sizeAt+4] = byte(size >> 28)
	return append(out, wasm[d.End:]...)
}

// splitImage cuts image (which starts at offset lo) into segments, leaving
// out the zeros at both ends and every run of at least zeroSplit zeros.
func splitImage(image []byte, lo int) []wasmbin.Segment {
	var out []wasmbin.Segment
	i := 0
	for i < len(image) {
		i = skipZeros(image, i)
		if i == len(image) {
			break
		}
		start, end := i, i
		for i < len(image) {
			if image[i] != 0 {
				i++
				end = i
				continue
			}
			z := i
			i = skipZeros(image, i)
			if i-z >= zeroSplit || i == len(image) {
				break
			}
			end = i
		}
		out = append(out, wasmbin.Segment{Offset: lo + start, Data: image[start:end]})
	}
	return out
}

// skipZeros returns the index of the first non-zero byte of b at or after
// i, or len(b); eight bytes at a time.
func skipZeros(b []byte, i int) int {
	for i < len(b) && i&7 != 0 && b[i] == 0 {
		i++
	}
	for i+8 <= len(b) && binary.LittleEndian.Uint64(b[i:]) == 0 {
		i += 8
	}
	for i < len(b) && b[i] == 0 {
		i++
	}
	return i
}

func appendSleb(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// prepareData returns the module bytes to compile and, where instances can
// map it (image_linux.go), the data image kept out of them. Elsewhere, or
// when the image cannot be made, the data segments are merged
// (coalesceData) and wazero copies them into each instance.
func (e *Engine) prepareData(wasm []byte) ([]byte, *imageFile) {
	if imageSupported {
		if stripped, img, ok := stripData(wasm); ok && len(img.data) >= minImage {
			if e.images.Add(1) <= maxImages {
				f, err := newImageFile(img, func() { e.images.Add(-1) })
				if err == nil {
					return stripped, f
				}
				e.log.Debug("data image not mapped; copying the data into each instance", "error", err)
			}
			e.images.Add(-1)
		}
	}
	return coalesceData(wasm), nil
}
