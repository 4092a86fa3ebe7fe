package interp

// The scanning of JSON tokens: literals, numbers and strings (with the
// flags the walker needs of a string: escapes, invalid UTF-8, "${").

import (
	"strings"
	"unicode/utf8"

	"github.com/wasmgw/wasmgw/internal/jsonlex"
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

// number scans a number (jsonlex.Number), worded as encoding/json words
// where it fails.
func (sc *scanner) number() error {
	start := sc.i
	end, ok := jsonlex.Number(sc.s, sc.i)
	sc.i = end
	switch {
	case ok:
		return nil
	case end == start:
		return sc.syntax("looking for beginning of value")
	case end == start+1 && sc.s[start] == '-':
		return sc.syntax("in numeric literal")
	case sc.s[end-1] == '.':
		return sc.syntax("after decimal point in numeric literal")
	}
	return sc.syntax("in exponent of numeric literal")
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
			end, ok := jsonlex.Escape(s, i)
			if !ok {
				sc.i = end
				if end == i+1 {
					return 0, sc.syntax("in string escape code")
				}
				return 0, sc.syntax("in \\u hexadecimal character escape")
			}
			i = end
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
