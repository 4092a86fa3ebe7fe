package jsonlex

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Unquote decodes the body of a valid JSON string (the text between its
// quotes, as [String] checked it) as encoding/json does: escapes decoded,
// a lone or mismatched surrogate and every byte of invalid UTF-8 replaced
// by U+FFFD. It does not check the escapes, but it is total: on a body
// String would refuse (a trailing lone backslash, a short or non-hex \u
// escape) it returns some string and never panics.
func Unquote(s string) string {
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		if j := Plain(s, i); j > i {
			b = append(b, s[i:j]...)
			if i = j; i == len(s) {
				break
			}
		}
		switch c := s[i]; {
		case c == '\\':
			if i+1 == len(s) { // a lone backslash at the end: not JSON
				b = utf8.AppendRune(b, unicode.ReplacementChar)
				i++
				continue
			}
			switch s[i+1] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := getu4(s[i:])
				i += 6
				if utf16.IsSurrogate(r) {
					if dec := utf16.DecodeRune(r, getu4(s[i:])); dec != unicode.ReplacementChar {
						b = utf8.AppendRune(b, dec)
						i += 6
						continue
					}
					r = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, r)
				continue
			default: // " \ /
				b = append(b, s[i+1])
			}
			i += 2
		case c < utf8.RuneSelf: // a quote or a control character
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, unicode.ReplacementChar)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
	return string(b)
}

// getu4 decodes \uXXXX at the start of s, or returns -1.
func getu4(s string) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for i := 2; i < 6; i++ {
		v := hexVal(s[i])
		if v < 0 {
			return -1
		}
		r = r*16 + v
	}
	return r
}

// hexVal is the value of the hex digit c, or -1.
func hexVal(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}
