package jsonlex

import (
	"math/bits"
	"unicode/utf8"
)

// Space returns the index of the first byte at or after i that is not JSON
// white space (space, tab, newline, carriage return), or len(s).
func Space(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// Number scans a number at i: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
// It returns the index just past it and true, or the offset of the first
// byte that breaks the grammar (len(s) at the end) and false. Scanning
// stops at the end of the grammar: what follows is the caller's to check.
func Number(s string, i int) (end int, ok bool) {
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		i = digits(s, i+1)
	default:
		return i, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return i, false
		}
		i = digits(s, i+1)
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return i, false
		}
		i = digits(s, i+1)
	}
	return i, true
}

func digits(s string, i int) int {
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}

// Flags describe a string literal scanned by [String].
type Flags uint8

const (
	// Escaped: the literal holds a backslash escape.
	Escaped Flags = 1 << iota
	// BadUTF8: the literal holds invalid UTF-8 (decoded as U+FFFD).
	BadUTF8
	// Invalid: the input holds no valid literal at i; the index returned
	// is the offset of the problem.
	Invalid
)

// String scans the string literal whose opening quote is at s[i]. It
// returns the index just past the closing quote and the literal's flags:
// with neither Escaped nor BadUTF8, the body s[i+1:end-1] is the decoded
// string as it is; otherwise [Unquote] decodes it. With Invalid, end is
// the offset of the problem: a control character, the byte that makes an
// escape invalid, or len(s) if the input ends inside the literal.
func String(s string, i int) (end int, f Flags) {
	i++
	for {
		i = Plain(s, i)
		if i >= len(s) {
			return len(s), f | Invalid
		}
		switch c := s[i]; {
		case c == '"':
			return i + 1, f
		case c == '\\':
			f |= Escaped
			var ok bool
			if i, ok = Escape(s, i); !ok {
				return i, f | Invalid
			}
		case c < ' ':
			return i, f | Invalid
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				f |= BadUTF8
			}
			i += size
		}
	}
}

// Escape checks the escape whose backslash is at s[i] (\" \\ \/ \b \f \n
// \r \t or \u and four hex digits). It returns the index just past it and
// true, or the offset of the byte that makes it invalid (len(s) if the
// input ends inside it) and false.
func Escape(s string, i int) (end int, ok bool) {
	if i+1 >= len(s) {
		return len(s), false
	}
	switch s[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return i + 2, true
	case 'u':
		for j := i + 2; j < i+6; j++ {
			if j >= len(s) {
				return j, false
			}
			if hexVal(s[j]) < 0 {
				return j, false
			}
		}
		return i + 6, true
	}
	return i + 1, false
}

// Plain returns the index of the first byte at or after i that a string
// literal cannot hold as it is: a quote, a backslash, a control character
// or a non-ASCII byte; len(s) if none. It looks at eight bytes per turn:
// in a guest, every loop iteration pays a termination check.
func Plain(s string, i int) int {
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
func load64(s string, i int) uint64 {
	s = s[i : i+8] // one bounds check, then a single load
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
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
