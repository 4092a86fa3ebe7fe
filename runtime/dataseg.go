package runtime

import (
	"bytes"
	"encoding/binary"
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
	sectionMemory    = 5
	sectionData      = 11
	sectionDataCount = 12
	// zeroSplit is the run of zeros at which the image is split into two
	// segments: longer runs need not be written (memory starts zeroed), and
	// not writing them leaves whole pages untouched.
	zeroSplit = 4096
	// maxImage bounds the image the rewrite builds.
	maxImage = 64 << 20
)

type section struct {
	id              byte
	hdr, start, end int // the id byte; the payload
}

type segment struct {
	offset int
	data   []byte
}

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
	if len(wasm) < 8 || !bytes.Equal(wasm[:8], []byte{0, 'a', 's', 'm', 1, 0, 0, 0}) {
		return nil, false
	}
	var sections []section
	for i := 8; i < len(wasm); {
		id := wasm[i]
		size, n := binary.Uvarint(wasm[i+1:])
		if n <= 0 || size > uint64(len(wasm)-i-1-n) {
			return nil, false
		}
		start := i + 1 + n
		sections = append(sections, section{id, i, start, start + int(size)})
		i = start + int(size)
	}
	var memPages uint64
	haveMemory := false
	data := -1
	for k, s := range sections {
		switch s.id {
		case sectionDataCount:
			return nil, false
		case sectionMemory:
			p, ok := initialPages(wasm[s.start:s.end])
			if !ok {
				return nil, false
			}
			memPages, haveMemory = p, true
		case sectionData:
			data = k
		}
	}
	if data < 0 || !haveMemory {
		return nil, false
	}
	segs, ok := parseSegments(wasm[sections[data].start:sections[data].end])
	if !ok || len(segs) < 2 {
		return nil, false
	}
	lo, hi := segs[0].offset, 0
	for _, s := range segs {
		lo, hi = min(lo, s.offset), max(hi, s.offset+len(s.data))
	}
	if uint64(hi) > memPages*wasmPage || hi-lo > maxImage {
		return nil, false
	}
	image := make([]byte, hi-lo)
	for _, s := range segs {
		copy(image[s.offset-lo:], s.data)
	}
	merged := splitImage(image, lo)
	if len(merged) >= len(segs) {
		return nil, false
	}

	// The new section is written in place after a padded five-byte size
	// (LEB128 allows it), so the payload is not copied twice.
	d := sections[data]
	out := make([]byte, 0, len(wasm)-(d.end-d.hdr)+len(image)+16*len(merged)+16)
	out = append(out, wasm[:d.hdr]...)
	out = append(out, sectionData, 0x80, 0x80, 0x80, 0x80, 0)
	sizeAt, payloadAt := len(out)-5, len(out)
	out = binary.AppendUvarint(out, uint64(len(merged)))
	for _, s := range merged {
		out = append(out, 0, 0x41) // active, memory 0; i32.const
		out = appendSleb(out, int64(int32(s.offset)))
		out = append(out, 0x0b)
		out = binary.AppendUvarint(out, uint64(len(s.data)))
		out = append(out, s.data...)
	}
	size := uint32(len(out) - payloadAt)
	for i := range 4 {
		out[sizeAt+i] = byte(size>>(7*i)) | 0x80
	}
	out[sizeAt+4] = byte(size >> 28)
	return append(out, wasm[d.end:]...), true
}

// splitImage cuts image (which starts at offset lo) into segments, leaving
// out the zeros at both ends and every run of at least zeroSplit zeros.
func splitImage(image []byte, lo int) []segment {
	var out []segment
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
		out = append(out, segment{lo + start, image[start:end]})
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

// initialPages reads the memory section: exactly one memory, its minimum.
func initialPages(p []byte) (uint64, bool) {
	count, n := binary.Uvarint(p)
	if n <= 0 || count != 1 || n >= len(p) {
		return 0, false
	}
	flags := p[n]
	if flags > 1 { // shared or 64-bit memories: leave them alone
		return 0, false
	}
	pages, m := binary.Uvarint(p[n+1:])
	if m <= 0 {
		return 0, false
	}
	return pages, true
}

// parseSegments reads a data section whose every segment is active on
// memory 0 at a constant i32 offset.
func parseSegments(p []byte) ([]segment, bool) {
	count, n := binary.Uvarint(p)
	if n <= 0 || count > uint64(len(p)) {
		return nil, false
	}
	i := n
	segs := make([]segment, 0, count)
	for range count {
		if i+2 > len(p) || p[i] != 0 || p[i+1] != 0x41 {
			return nil, false
		}
		off, m := sleb32(p[i+2:])
		if m <= 0 || i+2+m >= len(p) || p[i+2+m] != 0x0b || off < 0 {
			return nil, false
		}
		i += 2 + m + 1
		size, k := binary.Uvarint(p[i:])
		if k <= 0 || size > uint64(len(p)-i-k) {
			return nil, false
		}
		i += k
		segs = append(segs, segment{int(off), p[i : i+int(size)]})
		i += int(size)
	}
	if i != len(p) {
		return nil, false
	}
	return segs, true
}

// sleb32 decodes a signed LEB128 i32 (at most 5 bytes), or returns n <= 0.
func sleb32(p []byte) (int64, int) {
	var v int64
	var shift uint
	for i := 0; i < len(p) && i < 5; i++ {
		b := p[i]
		v |= int64(b&0x7f) << shift
		shift += 7
		if b < 0x80 {
			if shift < 64 && b&0x40 != 0 {
				v |= -1 << shift
			}
			if v < -1<<31 || v > 1<<31-1 {
				return 0, 0
			}
			return v, i + 1
		}
	}
	return 0, 0
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
