package redact

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// matcher finds whether any of a set of patterns occurs in a text, in one
// pass over the text and without allocating. Every position's first four
// bytes are hashed into a bitmap of the patterns' first four bytes; only a
// set bit leads to comparing the patterns that start with those bytes. The
// bitmap has no false negatives, so a text in which no bit is hit holds no
// pattern. (A Set's values are at least MinLen bytes; shorter patterns are
// searched for one by one.)
type matcher struct {
	bits    [1 << (matchBits - 6)]uint64
	heads   map[uint32][]string // first four bytes -> the patterns
	short   []string            // patterns under four bytes, searched one by one
	minLen  int
	nothing bool
}

// matchBits is the bitmap's size in bits (log2): 8 KiB, few false hits
// for the dozens of patterns a set holds.
const matchBits = 16

func matchHash(k uint32) uint32 { return (k * 0x9E3779B1) >> (32 - matchBits) }

// newMatcher returns a matcher of patterns.
func newMatcher(patterns []string) *matcher {
	m := &matcher{heads: map[uint32][]string{}, nothing: true}
	for _, p := range patterns {
		if len(p) < 4 {
			m.short = append(m.short, p) // never in a Set (MinLen), kept correct
			continue
		}
		if m.minLen == 0 || len(p) < m.minLen {
			m.minLen = len(p)
		}
		m.nothing = false
		k := binary.LittleEndian.Uint32([]byte(p[:4]))
		h := matchHash(k)
		m.bits[h>>6] |= 1 << (h & 63)
		m.heads[k] = append(m.heads[k], p)
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
	last := len(text) - m.minLen
	for i := 0; i <= last; i++ {
		k := binary.LittleEndian.Uint32(text[i : i+4])
		h := matchHash(k)
		if m.bits[h>>6]&(1<<(h&63)) == 0 {
			continue
		}
		for _, p := range m.heads[k] {
			if len(text)-i >= len(p) && string(text[i:i+len(p)]) == p {
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
	last := len(text) - m.minLen
	for i := 0; i <= last; i++ {
		k := uint32(text[i]) | uint32(text[i+1])<<8 | uint32(text[i+2])<<16 | uint32(text[i+3])<<24
		h := matchHash(k)
		if m.bits[h>>6]&(1<<(h&63)) == 0 {
			continue
		}
		for _, p := range m.heads[k] {
			if len(text)-i >= len(p) && text[i:i+len(p)] == p {
				return true
			}
		}
	}
	return false
}
