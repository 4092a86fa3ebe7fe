package abi

import (
	"slices"
	"unicode/utf8"

	"github.com/wasmgw/wasmgw/internal/jsonlex"
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
		j := jsonlex.Plain(s, i)
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
