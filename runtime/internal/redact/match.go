package redact

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// matcher finds whether any of a set of patterns occurs in a text, in one
// pass over the text and without allocating. With every pattern at least
// minLen bytes long, an occurrence covers minLen consecutive positions, so
// looking at every stride-th position (stride = minLen-3) of the text
// lands on one of the first stride four-byte groups of any occurrence.
// Those groups of every pattern are hashed into a bitmap; only a set bit
// leads to comparing the patterns that hold that group, at the offset
// they hold it. The bitmap has no false negatives, so a text in which no
// bit is hit holds no pattern. (A Set's values are at least MinLen bytes;
// patterns under four bytes are searched for one by one.)
type matcher struct {
	bits    [1 << (matchBits - 6)]uint64
	heads   map[uint32][]matchAt // a four-byte group -> where patterns hold it
	short   []string             // patterns under four bytes
	minLen  int
	stride  int
	nothing bool
}

// matchAt is a pattern holding a four-byte group at offset off.
type matchAt struct {
	pattern string
	off     int
}

// matchBits is the bitmap's size in bits (log2): 8 KiB, few false hits
// for the hundreds of groups a set's values and their forms give.
const matchBits = 16

func matchHash(k uint32) uint32 { return (k * 0x9E3779B1) >> (32 - matchBits) }

// newMatcher returns a matcher of patterns.
func newMatcher(patterns []string) *matcher {
	m := &matcher{heads: map[uint32][]matchAt{}, nothing: true}
	for _, p := range patterns {
		if len(p) < 4 {
			m.short = append(m.short, p) // never in a Set (MinLen), kept correct
			continue
		}
		if m.nothing || len(p) < m.minLen {
			m.minLen = len(p)
		}
		m.nothing = false
	}
	m.stride = m.minLen - 3
	for _, p := range patterns {
		if len(p) < 4 {
			continue
		}
		for off := 0; off < m.stride; off++ {
			k := binary.LittleEndian.Uint32([]byte(p[off : off+4]))
			h := matchHash(k)
			m.bits[h>>6] |= 1 << (h & 63)
			m.heads[k] = append(m.heads[k], matchAt{pattern: p, off: off})
		}
	}
	return m
}

// in reports whether any pattern occurs in text.
func (m *matcher) in(text []byte) bool {
	for _, p := range m.short {
		if bytes.Contains(text, []byte(p)) {
			return true
		}
	}
	if m.nothing || len(text) < m.minLen {
		return false
	}
	for i := m.stride - 1; i+4 <= len(text); i += m.stride {
		k := binary.LittleEndian.Uint32(text[i : i+4])
		h := matchHash(k)
		if m.bits[h>>6]&(1<<(h&63)) == 0 {
			continue
		}
		for _, c := range m.heads[k] {
			s := i - c.off
			if s >= 0 && len(text)-s >= len(c.pattern) && string(text[s:s+len(c.pattern)]) == c.pattern {
				return true
			}
		}
	}
	return false
}

// inString is in for a string.
func (m *matcher) inString(text string) bool {
	for _, p := range m.short {
		if strings.Contains(text, p) {
			return true
		}
	}
	if m.nothing || len(text) < m.minLen {
		return false
	}
	for i := m.stride - 1; i+4 <= len(text); i += m.stride {
		k := uint32(text[i]) | uint32(text[i+1])<<8 | uint32(text[i+2])<<16 | uint32(text[i+3])<<24
		h := matchHash(k)
		if m.bits[h>>6]&(1<<(h&63)) == 0 {
			continue
		}
		for _, c := range m.heads[k] {
			s := i - c.off
			if s >= 0 && len(text)-s >= len(c.pattern) && text[s:s+len(c.pattern)] == c.pattern {
				return true
			}
		}
	}
	return false
}
