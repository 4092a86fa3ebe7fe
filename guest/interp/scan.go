package interp

// The walker is a single-pass byte scanner rather than a JSON decoder: in a
// sandbox every loop iteration pays for a termination check, so it jumps
// eight bytes at a time to the next byte that matters, records only what
// the output must change (whitespace to drop, strings to re-encode or to
// interpolate) and then copies the unchanged spans between those edits
// wholesale. Field paths are built only for strings that hold "${".
//
// The output is byte for byte what a decode and re-encode gives: no
// whitespace, keys in order, numbers as written, every string in the form
// appendString writes (only strings not already in that form are
// rewritten).

import (
	"strconv"
	"strings"

	"github.com/wasmgw/wasmgw/internal/jsonlex"
)

const (
	// maxDepth bounds the nesting of an entry the walker resolves; server
	// entries are a few levels deep.
	maxDepth = 64
	// maxNesting is the nesting beyond which an input is not even valid
	// JSON (encoding/json's limit), whatever maxDepth says.
	maxNesting = 10000
)

// editKind says what the output does with a span of the input.
type editKind uint8

const (
	editSkip   editKind = iota // whitespace between tokens: dropped
	editString                 // a string not in canonical form: str re-encoded
	editRefs                   // a string value holding "${": str interpolated
)

// edit is a span of the input, [start, end), that is not copied as is.
type edit struct {
	start, end int
	kind       editKind
	// verbatim: str is the string's raw text and needs no escaping (no
	// escapes, valid UTF-8).
	verbatim bool
	// str is the decoded string (editString, editRefs).
	str string
	// path is the field path of an editRefs string, in the scanner's paths.
	path [2]int
	// parts is the span in the scanner's parts of an editRefs string's
	// references.
	parts [2]int
	// plainPath: no byte of path needs escaping in a JSON string.
	plainPath bool
}

// part is a reference in a string holding "${": its span in the string
// and the span of its variable name, all empty (0) if the name is not a
// valid one. Offsets, not strings: the scanner writes one per reference
// and nothing in it is a pointer.
type part struct {
	start, end         int // the reference as written, "${...}"
	nameStart, nameEnd int
}

// frame is an open object or list of the scanner.
type frame struct {
	array bool
	index int    // the current item of a list
	key   string // the raw text of the current key of an object
	esc   bool   // key needs decoding
	// path is the field path of the container itself in the scanner's
	// paths, once built (hasPath).
	hasPath bool
	path    [2]int
}

// scanner validates JSON text and records its edits.
type scanner struct {
	s      string
	i      int
	edits  []edit
	stack  []frame
	deepAt int    // offset of the first value nested deeper than maxDepth, or -1
	paths  []byte // the field paths built, end to end
	parts  []part // the references of the editRefs strings, end to end
}

// reset prepares sc for the input s.
func (sc *scanner) reset(s string) {
	sc.s, sc.i = s, 0
	sc.paths = sc.paths[:0]
	sc.forget()
}

// forget drops what was recorded of a previous value.
func (sc *scanner) forget() {
	sc.edits, sc.parts = sc.edits[:0], sc.parts[:0]
	sc.stack = sc.stack[:0]
	sc.deepAt = -1
}

// syntaxError is invalid JSON at an offset of the input.
type syntaxError struct {
	msg string
	off int
}

func (e *syntaxError) Error() string {
	return e.msg + " at offset " + strconv.Itoa(e.off)
}

func (sc *scanner) syntax(context string) error {
	if sc.i >= len(sc.s) {
		return &syntaxError{"unexpected end of JSON input", sc.i}
	}
	return &syntaxError{"invalid character " + strconv.QuoteRune(rune(sc.s[sc.i])) + " " + context, sc.i}
}

// isSpace is the cheap test before a call to jsonlex.Space.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipSpace skips whitespace without recording it (outside the value).
func (sc *scanner) skipSpace() { sc.i = jsonlex.Space(sc.s, sc.i) }

// space skips whitespace inside the value and records it as dropped.
func (sc *scanner) space() {
	start := sc.i
	sc.i = jsonlex.Space(sc.s, sc.i)
	if sc.i > start {
		sc.edits = append(sc.edits, edit{start: start, end: sc.i, kind: editSkip})
	}
}

// value scans one JSON value starting at sc.i (no leading whitespace) and
// leaves sc.i just after it.
func (sc *scanner) value() error {
	s := sc.s
	base := len(sc.stack)
next:
	for {
		// A value starts at sc.i.
		if len(sc.stack) > maxDepth && sc.deepAt < 0 {
			sc.deepAt = sc.i
		}
		if sc.i >= len(s) {
			return sc.syntax("")
		}
		switch c := s[sc.i]; c {
		case '{', '[':
			sc.i++
			if len(sc.stack) >= maxNesting {
				return &syntaxError{"exceeded max depth", sc.i - 1}
			}
			sc.stack = append(sc.stack, frame{array: c == '['})
			if sc.i < len(s) && isSpace(s[sc.i]) {
				sc.space()
			}
			if sc.i < len(s) && (c == '{' && s[sc.i] == '}' || c == '[' && s[sc.i] == ']') {
				sc.i++
				sc.stack = sc.stack[:len(sc.stack)-1]
				break
			}
			if c == '{' {
				if err := sc.key(); err != nil {
					return err
				}
			}
			continue next
		case '"':
			if err := sc.stringValue(); err != nil {
				return err
			}
		case 't':
			if err := sc.literal("true"); err != nil {
				return err
			}
		case 'f':
			if err := sc.literal("false"); err != nil {
				return err
			}
		case 'n':
			if err := sc.literal("null"); err != nil {
				return err
			}
		default:
			if err := sc.number(); err != nil {
				return err
			}
		}
		// After a value: close what ends here, up to the next value.
		for len(sc.stack) > base {
			if sc.i < len(s) && isSpace(s[sc.i]) {
				sc.space()
			}
			if sc.i >= len(s) {
				return sc.syntax("")
			}
			top := &sc.stack[len(sc.stack)-1]
			switch s[sc.i] {
			case ',':
				sc.i++
				if sc.i < len(s) && isSpace(s[sc.i]) {
					sc.space()
				}
				if top.array {
					top.index++
				} else if err := sc.key(); err != nil {
					return err
				}
				continue next
			case ']':
				if !top.array {
					return sc.syntax("after object key:value pair")
				}
			case '}':
				if top.array {
					return sc.syntax("after array element")
				}
			default:
				if top.array {
					return sc.syntax("after array element")
				}
				return sc.syntax("after object key:value pair")
			}
			sc.i++
			sc.stack = sc.stack[:len(sc.stack)-1]
		}
		return nil
	}
}

// key scans an object key and its colon, up to the value.
func (sc *scanner) key() error {
	s := sc.s
	if sc.i >= len(s) || s[sc.i] != '"' {
		return sc.syntax("looking for beginning of object key string")
	}
	start := sc.i
	flags, err := sc.str()
	if err != nil {
		return err
	}
	top := &sc.stack[len(sc.stack)-1]
	top.key, top.esc = s[start+1:sc.i-1], flags&(strEsc|strBadUTF8) != 0
	if top.esc {
		sc.edits = append(sc.edits, edit{start: start, end: sc.i, kind: editString, str: jsonlex.Unquote(top.key)})
	}
	if sc.i < len(s) && isSpace(s[sc.i]) {
		sc.space()
	}
	if sc.i >= len(s) || s[sc.i] != ':' {
		return sc.syntax("after object key")
	}
	sc.i++
	if sc.i < len(s) && isSpace(s[sc.i]) {
		sc.space()
	}
	return nil
}

// stringValue scans a string value and records its edit, if any.
func (sc *scanner) stringValue() error {
	start := sc.i
	flags, err := sc.str()
	if err != nil {
		return err
	}
	if flags == 0 {
		return nil
	}
	raw := sc.s[start+1 : sc.i-1]
	e := edit{start: start, end: sc.i, kind: editString, str: raw, verbatim: true}
	if flags&(strEsc|strBadUTF8) != 0 {
		e.str, e.verbatim = jsonlex.Unquote(raw), false
		if strings.Contains(e.str, "${") {
			flags |= strRef
		}
	}
	if flags&strRef != 0 {
		if len(sc.stack) > maxDepth {
			return nil // never resolved: the walk stops at deepAt
		}
		e.kind, e.path, e.parts = editRefs, sc.fieldPath(), sc.split(e.str)
		e.plainPath = plain(sc.paths[e.path[0]:e.path[1]])
	}
	sc.edits = append(sc.edits, e)
	return nil
}

// split records the references of s, a string holding "${", and returns
// their span in sc.parts. A reference is "${" up to the first "}" after
// it; a "${" with no "}" after it is text.
func (sc *scanner) split(s string) [2]int {
	first := len(sc.parts)
	for i := 0; ; {
		start := indexRef(s, i)
		if start < 0 {
			break
		}
		end := indexByte(s, start+2, '}')
		if end < 0 {
			break
		}
		p := part{start: start, end: end + 1}
		body := s[start+2 : end]
		if ni, nj := refSpan(body); validName(body[ni:nj]) {
			p.nameStart, p.nameEnd = start+2+ni, start+2+nj
		}
		sc.parts = append(sc.parts, p)
		i = end + 1
	}
	return [2]int{first, len(sc.parts)}
}
