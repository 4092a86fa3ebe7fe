package interp

// The scanning of JSON tokens: literals, numbers and strings (with the
// flags the walker needs of a string: escapes, invalid UTF-8, "${").

import (
	"strings"
	"unicode/utf8"
)

// literal scans true, false or null.
func (sc *scanner) literal(word string) error {
	if !strings.HasPrefix(sc.s[sc.i:], word) {
		for j := 0; j < len(word); j++ {
			if sc.i >= len(sc.s) || sc.s[sc.i] != word[j] {
				return sc.syntax("in literal " + word)
			}
			sc.i++
		}
	}
	sc.i += len(word)
	return nil
}

// number scans a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (sc *scanner) number() error {
	s := sc.s
	if s[sc.i] == '-' {
		sc.i++
	}
	switch {
	case sc.i < len(s) && s[sc.i] == '0':
		sc.i++
	case sc.i < len(s) && '1' <= s[sc.i] && s[sc.i] <= '9':
		sc.digits()
	default:
		if sc.i > 0 && s[sc.i-1] == '-' {
			return sc.syntax("in numeric literal")
		}
		return sc.syntax("looking for beginning of value")
	}
	if sc.i < len(s) && s[sc.i] == '.' {
		sc.i++
		if sc.i >= len(s) || s[sc.i] < '0' || s[sc.i] > '9' {
			return sc.syntax("after decimal point in numeric literal")
		}
		sc.digits()
	}
	if sc.i < len(s) && (s[sc.i] == 'e' || s[sc.i] == 'E') {
		sc.i++
		if sc.i < len(s) && (s[sc.i] == '+' || s[sc.i] == '-') {
			sc.i++
		}
		if sc.i >= len(s) || s[sc.i] < '0' || s[sc.i] > '9' {
			return sc.syntax("in exponent of numeric literal")
		}
		sc.digits()
	}
	return nil
}

func (sc *scanner) digits() {
	for sc.i < len(sc.s) && '0' <= sc.s[sc.i] && sc.s[sc.i] <= '9' {
		sc.i++
	}
}

// Flags of a scanned string.
const (
	strEsc     = 1 << iota // holds a backslash escape
	strBadUTF8             // holds invalid UTF-8
	strRef                 // holds "${" as written
)

// str scans a string starting at its quote and returns its flags.
func (sc *scanner) str() (int, error) {
	s := sc.s
	flags := 0
	i := sc.i + 1
	for {
		i = nextSpecial(s, i)
		if i >= len(s) {
			sc.i = i
			return 0, sc.syntax("")
		}
		switch c := s[i]; {
		case c == '"':
			sc.i = i + 1
			return flags, nil
		case c == '$':
			if i+1 < len(s) && s[i+1] == '{' {
				flags |= strRef
				i++
			}
			i++
		case c == '\\':
			flags |= strEsc
			if i+1 >= len(s) {
				sc.i = len(s)
				return 0, sc.syntax("")
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for j := i + 2; j < i+6; j++ {
					if j >= len(s) {
						sc.i = j
						return 0, sc.syntax("")
					}
					if hexVal(s[j]) < 0 {
						sc.i = j
						return 0, sc.syntax("in \\u hexadecimal character escape")
					}
				}
				i += 6
			default:
				sc.i = i + 1
				return 0, sc.syntax("in string escape code")
			}
		case c < 0x20:
			sc.i = i
			return 0, sc.syntax("in string literal")
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				flags |= strBadUTF8
			}
			i += size
		}
	}
}

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
