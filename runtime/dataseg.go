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

const (
	// zeroSplit is the run of zeros at which the image is split into two
	// segments: longer runs need not be written (memory starts zeroed), and
	// not writing them leaves whole pages untouched.
	zeroSplit = 4096
	// maxImage bounds the image the rewrite builds.
	maxImage = 64 << 20
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
	sections, err := wasmbin.Sections(wasm)
	if err != nil {
		return nil, false
	}
	var memPages uint64
	haveMemory := false
	data := -1
	for k, s := range sections {
		switch s.ID {
		case wasmbin.SectionDataCount:
			return nil, false
		case wasmbin.SectionMemory:
			mems, err := wasmbin.Memories(wasm[s.Start:s.End])
			if err != nil || len(mems) != 1 || mems[0].Shared || mems[0].Memory64 {
				return nil, false // leave shared and 64-bit memories alone
			}
			memPages, haveMemory = mems[0].Min, true
		case wasmbin.SectionData:
			data = k
		}
	}
	if data < 0 || !haveMemory {
		return nil, false
	}
	segs, ok := wasmbin.ConstData(wasm[sections[data].Start:sections[data].End])
	if !ok || len(segs) < 2 {
		return nil, false
	}
	lo, hi := segs[0].Offset, 0
	for _, s := range segs {
		lo, hi = min(lo, s.Offset), max(hi, s.Offset+len(s.Data))
	}
	if uint64(hi) > memPages*wasmPage || hi-lo > maxImage {
		return nil, false
	}
	image := make([]byte, hi-lo)
	for _, s := range segs {
		copy(image[s.Offset-lo:], s.Data)
	}
	merged := splitImage(image, lo)
	if len(merged) >= len(segs) {
		return nil, false
	}

	// The new section is written in place after a padded five-byte size
	// (LEB128 allows it), so the payload is not copied twice.
	d := sections[data]
	out := make([]byte, 0, len(wasm)-(d.End-d.Header)+len(image)+16*len(merged)+16)
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
	return append(out, wasm[d.End:]...), true
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
