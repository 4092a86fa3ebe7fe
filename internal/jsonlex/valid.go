package jsonlex

import "unsafe"

// MaxDepth is the deepest nesting of arrays and objects [Valid] accepts:
// encoding/json's limit, so that the two agree on every input.
const MaxDepth = 10000

// Valid reports whether s is exactly one JSON value, with white space
// around it allowed. It agrees with encoding/json.Valid on every input
// (FuzzValid holds it to that): the same grammar, the same nesting limit
// ([MaxDepth]), and, like it, invalid UTF-8 inside a string is accepted.
// It allocates nothing below 256 levels of nesting, and skips the plain
// bytes of strings eight at a time.
func Valid(s string) bool {
	// kinds is a stack of bits, one per open container: 1 for an object,
	// 0 for an array.
	var small [4]uint64
	kinds := small[:]
	depth := 0
	i := Space(s, 0)
	for {
		// A value starts at i.
		if i >= len(s) {
			return false
		}
		switch c := s[i]; c {
		case '{', '[':
			if depth++; depth > MaxDepth {
				return false
			}
			i = Space(s, i+1)
			if i < len(s) && s[i] == c+2 { // '}' is '{'+2, ']' is '['+2
				i++
				depth--
				break
			}
			w, bit := (depth-1)/64, uint64(1)<<((depth-1)%64)
			if w == len(kinds) {
				kinds = append(kinds, make([]uint64, len(kinds))...)
			}
			if c == '{' {
				kinds[w] |= bit
				if i = member(s, i); i < 0 {
					return false
				}
			} else {
				kinds[w] &^= bit
			}
			continue
		case '"':
			end, f := String(s, i)
			if f&Invalid != 0 {
				return false
			}
			i = end
		case 't':
			if !literal(s, i, "true") {
				return false
			}
			i += 4
		case 'f':
			if !literal(s, i, "false") {
				return false
			}
			i += 5
		case 'n':
			if !literal(s, i, "null") {
				return false
			}
			i += 4
		default:
			end, ok := Number(s, i)
			if !ok {
				return false
			}
			i = end
		}
		// A value ended at i: close the containers it ends, or go on to
		// the next element of the innermost one.
		for {
			i = Space(s, i)
			if depth == 0 {
				return i == len(s)
			}
			if i >= len(s) {
				return false
			}
			object := kinds[(depth-1)/64]&(uint64(1)<<((depth-1)%64)) != 0
			switch {
			case s[i] == ',':
				i = Space(s, i+1)
				if object {
					if i = member(s, i); i < 0 {
						return false
					}
				}
			case object && s[i] == '}', !object && s[i] == ']':
				i++
				depth--
				continue
			default:
				return false
			}
			break
		}
	}
}

// ValidBytes is [Valid] on a byte slice, without copying it. b must not
// change during the call.
func ValidBytes(b []byte) bool {
	return Valid(unsafe.String(unsafe.SliceData(b), len(b)))
}

// member scans an object member's key and colon at i and returns the
// index of its value (after white space), or -1.
func member(s string, i int) int {
	if i >= len(s) || s[i] != '"' {
		return -1
	}
	end, f := String(s, i)
	if f&Invalid != 0 {
		return -1
	}
	i = Space(s, end)
	if i >= len(s) || s[i] != ':' {
		return -1
	}
	return Space(s, i+1)
}

// literal reports whether s holds word at i.
func literal(s string, i int, word string) bool {
	return len(s)-i >= len(word) && s[i:i+len(word)] == word
}
