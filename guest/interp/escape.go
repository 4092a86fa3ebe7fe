package interp

// The JSON string writer: strings written as encoding/json writes them
// without HTML escaping, invalid UTF-8 as U+FFFD.

import "unicode/utf8"

// appendString appends s as a JSON string, without HTML escaping; invalid
// UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendEscaped(b, s)
	return append(b, '"')
}

// appendEscaped appends the body of s as a JSON string (appendString
// without the quotes), copying runs that need no escaping whole.
func appendEscaped[T ~string | ~[]byte](b []byte, s T) []byte {
	const hex = "0123456789abcdef"
	for i := 0; ; {
		j := nextEscape(s, i)
		b = append(b, s[i:j]...)
		if j >= len(s) {
			return b
		}
		switch c := s[j]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
			i = j + 1
		case c < 0x20:
			switch c {
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i = j + 1
		default:
			r, size := utf8.DecodeRuneInString(string(s[j:min(j+utf8.UTFMax, len(s))]))
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[j:j+size]...)
			}
			i = j + size
		}
	}
}
