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

// zeroBytes has the high bit set in the bytes of x that are zero (the
// lowest exactly), and in the bytes it leaves unmasked garbage: the
// callers mask with msb once, which keeps them within the inliner's
// budget (a call per word in the loops below would cost more than the
// word's arithmetic).
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

// tail copies what is left of s from i (fewer than 32 bytes) into a
// zero-padded block, for the last turn of a loop: no loop byte by byte.
func tail[T ~string | ~[]byte](s T, i int) (b [32]byte, n int) {
	n = copy(b[:], s[i:])
	return b, n
}

// valid masks the flags of the bytes of word k of a padded block that are
// past its n bytes.
func valid(m uint64, k, n int) uint64 {
	v := min(max(n-8*k, 0), 8)
	return m & (uint64(1)<<(8*v) - 1)
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
	if i >= len(s) {
		return len(s)
	}
	b, n := tail(s, i)
	m0, m1 := valid(escapeMask(load64(b[:], 0)), 0, n), valid(escapeMask(load64(b[:], 8)), 1, n)
	m2, m3 := valid(escapeMask(load64(b[:], 16)), 2, n), valid(escapeMask(load64(b[:], 24)), 3, n)
	return i + min(first(m0, m1, m2, m3), n)
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
	if i >= len(s) {
		return len(s)
	}
	b, n := tail(s, i)
	m0, m1 := valid(specialMask(load64(b[:], 0)), 0, n), valid(specialMask(load64(b[:], 8)), 1, n)
	m2, m3 := valid(specialMask(load64(b[:], 16)), 2, n), valid(specialMask(load64(b[:], 24)), 3, n)
	return i + min(first(m0, m1, m2, m3), n)
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
	if i >= len(s) {
		return -1
	}
	b, n := tail(s, i)
	m0, m1 := valid(hasByte(load64(b[:], 0), c), 0, n), valid(hasByte(load64(b[:], 8), c), 1, n)
	m2, m3 := valid(hasByte(load64(b[:], 16), c), 2, n), valid(hasByte(load64(b[:], 24), c), 3, n)
	if j := first(m0, m1, m2, m3); j < n {
		return i + j
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
