package interp

// Parsing of an InterpolateRequest: the server name and the span of the
// entry, read with encoding/json's rules, without decoding the entry.

import (
	"fmt"
	"strings"

	"github.com/wasmgw/wasmgw/internal/jsonlex"
)

// request is a parsed abi.InterpolateRequest: the server name and the span
// of the entry's value in the scanner's input, which it has scanned.
type request struct {
	server     string
	start, end int
}

// request parses {"server":"...","entry":{...}} as encoding/json decodes
// it into an abi.InterpolateRequest with unknown fields refused (field
// names match case-insensitively, a repeated field's last value wins, null
// leaves a field as it was), and also refuses trailing data.
func (sc *scanner) request() (request, error) {
	var req request
	s := sc.s
	sc.skipSpace()
	if sc.i >= len(s) || s[sc.i] != '{' {
		vStart := sc.i
		if err := sc.value(); err != nil {
			return req, err
		}
		if s[vStart:sc.i] != "null" {
			return req, fmt.Errorf("not an object")
		}
		// null decodes into nothing: no entry.
		sc.forget()
	} else {
		sc.i++
		sc.skipSpace()
		if sc.i < len(s) && s[sc.i] == '}' {
			sc.i++
		} else {
			for {
				if sc.i >= len(s) || s[sc.i] != '"' {
					return req, sc.syntax("looking for beginning of object key string")
				}
				kStart := sc.i + 1
				flags, err := sc.str()
				if err != nil {
					return req, err
				}
				key := s[kStart : sc.i-1]
				if flags&(strEsc|strBadUTF8) != 0 {
					key = jsonlex.Unquote(key)
				}
				sc.skipSpace()
				if sc.i >= len(s) || s[sc.i] != ':' {
					return req, sc.syntax("after object key")
				}
				sc.i++
				sc.skipSpace()
				vStart := sc.i
				switch {
				case strings.EqualFold(key, "entry"):
					sc.forget()
					if err := sc.value(); err != nil {
						return req, err
					}
					req.start, req.end = vStart, sc.i
				case strings.EqualFold(key, "server"):
					// Not the entry: what it records is dropped.
					edits, paths, parts, deepAt := len(sc.edits), len(sc.paths), len(sc.parts), sc.deepAt
					if err := sc.value(); err != nil {
						return req, err
					}
					sc.edits, sc.paths, sc.parts, sc.deepAt = sc.edits[:edits], sc.paths[:paths], sc.parts[:parts], deepAt
					switch raw := s[vStart:sc.i]; raw[0] {
					case '"':
						req.server = jsonlex.Unquote(raw[1 : len(raw)-1])
					case 'n': // null: unchanged
					default:
						return req, fmt.Errorf("server is not a string")
					}
				default:
					return req, fmt.Errorf("unknown field %q", key)
				}
				sc.skipSpace()
				if sc.i < len(s) && s[sc.i] == ',' {
					sc.i++
					sc.skipSpace()
					continue
				}
				if sc.i < len(s) && s[sc.i] == '}' {
					sc.i++
					break
				}
				return req, sc.syntax("after object key:value pair")
			}
		}
	}
	sc.skipSpace()
	if sc.i != len(s) {
		return req, fmt.Errorf("trailing data after the request")
	}
	return req, nil
}
