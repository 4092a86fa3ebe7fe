package abi

import (
	"math/bits"
	"slices"
	"unicode/utf8"
)

// AppendString appends s to dst as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json writes it; unlike encoding/json it leaves <, >
// and & alone (nothing here is embedded in HTML). Runs of plain bytes are
// found eight at a time and copied whole: in a guest, every loop
// iteration pays a termination check.
func AppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		j := plainRun(s, i)
		dst = append(dst, s[i:j]...)
		if i = j; i == len(s) {
			break
		}
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
			i++
		case c < ' ':
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
		}
	}
	return append(dst, '"')
}

// AppendHandleReply appends r as the JSON output of [ExportHandle].
func AppendHandleReply(dst []byte, r HandleReply) []byte {
	dst = slices.Grow(dst, len(r.Text)+len(r.Text)/8+16)
	dst = append(dst, `{"text":`...)
	return append(AppendString(dst, r.Text), '}')
}

// plainRun returns the index of the first byte at or after i that is not
// plain in a JSON string (a quote, a backslash, a control character or a
// non-ASCII byte), or len(s).
func plainRun[T ~string | ~[]byte](s T, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if m := stopMask(load64(s, i)); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' || c < ' ' || c >= utf8.RuneSelf {
			return i
		}
	}
	return i
}

// load64 reads eight bytes of s at i, little-endian.
func load64[T ~string | ~[]byte](s T, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

// stopMask has the high bit set in the lowest byte of w that is a quote,
// a backslash, below 0x20 or at or above 0x80 (higher bytes may be set
// spuriously by borrows: use only the lowest).
func stopMask(w uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote := w ^ (ones * '"')
	slash := w ^ (ones * '\\')
	zeroQuote := (quote - ones) &^ quote
	zeroSlash := (slash - ones) &^ slash
	control := (w - ones*' ') &^ w
	return (zeroQuote | zeroSlash | control | w) & highs
}
