package interp

// Byte searches eight bytes at a time (SWAR): the next byte to escape, the
// next byte that matters to the string scanner, the next byte c, the next
// "${".

import "math/bits"

// Eight-byte words, for finding a byte of a class without a loop per
// byte: in a sandbox with termination checks, every jump back to the top
// of a loop costs far more than the arithmetic of a word, so the loops
// below look at 32 bytes per turn.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

func load64[T ~string | ~[]byte](s T, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// hasByte has the high bit set in some byte where w has byte c; the lowest
// such bit is exact (later ones may be false positives).
func hasByte(w uint64, c byte) uint64 { return zeroBytes(w^lsb*uint64(c)) & msb }

// zeroBytes flags the zero bytes of x in their high bits (the lowest flag
// exact, later ones possibly false); the low seven bits of each byte are
// left as garbage for the caller to mask off with msb. One mask for all the
// tests keeps escapeMask and specialMask within the inliner's budget: a
// call per word in the loops below would cost more than its arithmetic.
func zeroBytes(x uint64) uint64 { return (x - lsb) &^ x }

// escapeMask flags the bytes of w that appendString does not copy as
// they are: '"', '\\', control characters and non-ASCII (checked further).
func escapeMask(w uint64) uint64 {
	return (zeroBytes(w^lsb*'"') | zeroBytes(w^lsb*'\\') | (w-lsb*0x20)&^w | w) & msb
}

// specialMask is escapeMask that also flags '$'.
func specialMask(w uint64) uint64 {
	return (zeroBytes(w^lsb*'"') | zeroBytes(w^lsb*'\\') | zeroBytes(w^lsb*'$') | (w-lsb*0x20)&^w | w) & msb
}

// first returns the index of the first flagged byte of four words, 32 if
// none, without a branch.
func first(m0, m1, m2, m3 uint64) int {
	t0, t1 := bits.TrailingZeros64(m0)>>3, bits.TrailingZeros64(m1)>>3
	t2, t3 := bits.TrailingZeros64(m2)>>3, bits.TrailingZeros64(m3)>>3
	return t0 + t0>>3*(t1+t1>>3*(t2+t2>>3*t3))
}

// lastWord returns the r bytes of s from i (0 < r < 8) as a word, its
// bytes past them set to fill, a byte the caller's mask does not flag: the
// last bytes of a search, without a padded copy (a memmove call in Go's
// wasm). The bytes of s come first, so a mask's lowest flag stays exact.
func lastWord[T ~string | ~[]byte](s T, i int, fill byte) uint64 {
	n := len(s)
	r := n - i
	var w uint64
	if n >= 8 {
		w = load64(s, n-8) >> (8 * (8 - r))
	} else {
		for k := range r {
			w |= uint64(s[i+k]) << (8 * k)
		}
	}
	return w | lsb*uint64(fill)<<(8*r)
}

// firstIn returns the index of the first flagged byte of m among its
// first r bytes, or -1.
func firstIn(m uint64, r int) int {
	if m &= uint64(1)<<(8*r) - 1; m != 0 {
		return bits.TrailingZeros64(m) >> 3
	}
	return -1
}

// nextEscape returns the index of the first byte at or after i that
// appendString does not copy as it is, or len(s).
func nextEscape[T ~string | ~[]byte](s T, i int) int {
	for ; i+32 <= len(s); i += 32 {
		m0, m1 := escapeMask(load64(s, i)), escapeMask(load64(s, i+8))
		m2, m3 := escapeMask(load64(s, i+16)), escapeMask(load64(s, i+24))
		if m0|m1|m2|m3 != 0 {
			return i + first(m0, m1, m2, m3)
		}
	}
	for ; i+8 <= len(s); i += 8 {
		if m := escapeMask(load64(s, i)); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	if i >= len(s) {
		return len(s)
	}
	if k := firstIn(escapeMask(lastWord(s, i, 'a')), len(s)-i); k >= 0 {
		return i + k
	}
	return len(s)
}

// nextSpecial is nextEscape that also stops at '$'.
func nextSpecial(s string, i int) int {
	for ; i+32 <= len(s); i += 32 {
		m0, m1 := specialMask(load64(s, i)), specialMask(load64(s, i+8))
		m2, m3 := specialMask(load64(s, i+16)), specialMask(load64(s, i+24))
		if m0|m1|m2|m3 != 0 {
			return i + first(m0, m1, m2, m3)
		}
	}
	for ; i+8 <= len(s); i += 8 {
		if m := specialMask(load64(s, i)); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	if i >= len(s) {
		return len(s)
	}
	if k := firstIn(specialMask(lastWord(s, i, 'a')), len(s)-i); k >= 0 {
		return i + k
	}
	return len(s)
}

// indexByte returns the index of the first c in s at or after i, or -1.
func indexByte(s string, i int, c byte) int {
	for ; i+32 <= len(s); i += 32 {
		m0, m1 := hasByte(load64(s, i), c), hasByte(load64(s, i+8), c)
		m2, m3 := hasByte(load64(s, i+16), c), hasByte(load64(s, i+24), c)
		if m0|m1|m2|m3 != 0 {
			return i + first(m0, m1, m2, m3)
		}
	}
	for ; i+8 <= len(s); i += 8 {
		if m := hasByte(load64(s, i), c); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	if i >= len(s) {
		return -1
	}
	if k := firstIn(hasByte(lastWord(s, i, c^1), c), len(s)-i); k >= 0 {
		return i + k
	}
	return -1
}

// indexRef returns the index of the first "${" in s at or after i, or -1.
func indexRef(s string, i int) int {
	for {
		i = indexByte(s, i, '$')
		if i < 0 || i+1 < len(s) && s[i+1] == '{' {
			return i
		}
		if i+1 >= len(s) {
			return -1
		}
		i++
	}
}

// sameText reports whether a and b hold the same bytes, 32 a turn (Go's
// own comparison takes one byte a turn in wasm). Five words spread over
// them are compared first, so that texts that differ are usually told
// apart without a pass.
func sameText(a []byte, b string) bool {
	n := len(a)
	if n != len(b) {
		return false
	}
	if n >= 8 {
		q := (n - 8) / 4
		for k := range 5 {
			if load64(a, k*q) != load64(b, k*q) {
				return false
			}
		}
	}
	i := 0
	for ; i+32 <= n; i += 32 {
		if (load64(a, i)^load64(b, i))|(load64(a, i+8)^load64(b, i+8))|
			(load64(a, i+16)^load64(b, i+16))|(load64(a, i+24)^load64(b, i+24)) != 0 {
			return false
		}
	}
	for ; i+8 <= n; i += 8 {
		if load64(a, i) != load64(b, i) {
			return false
		}
	}
	switch {
	case i == n:
		return true
	case n >= 8: // the last bytes, in a word overlapping the one before
		return load64(a, n-8) == load64(b, n-8)
	}
	for ; i < n; i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// plain reports whether no byte of s needs escaping in a JSON string:
// appendEscaped would copy it as it is. For a yes or no, the last word may
// overlap the one before it, so there is no padded block to copy.
func plain(s []byte) bool {
	n := len(s)
	if n < 8 {
		for _, c := range s {
			if c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
				return false
			}
		}
		return true
	}
	var m uint64
	for i := 0; i+8 <= n; i += 8 {
		m |= escapeMask(load64(s, i))
	}
	return m|escapeMask(load64(s, n-8)) == 0
}
