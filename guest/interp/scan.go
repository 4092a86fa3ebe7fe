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
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/guest"
)

const (
	// maxDepth bounds the nesting of an entry the walker resolves; server
	// entries are a few levels deep.
	maxDepth = 64
	// maxNesting is the nesting beyond which an input is not even valid
	// JSON (encoding/json's limit), whatever maxDepth says.
	maxNesting = 10000
)

// Resolve walks one server entry (JSON) and returns it with every
// reference in its string leaves resolved through lookup, and the
// references it found, in document order. Object keys keep their order and
// spelling; numbers keep their literal text; the entry is returned
// compact, each string re-encoded as JSON without HTML escaping (invalid
// UTF-8 becomes U+FFFD). lookup is called only once the whole entry is
// known to be valid JSON, once per name.
func Resolve(entry []byte, lookup Lookup) (abi.InterpolateResult, error) {
	st := &state{}
	st.reset(string(entry), lookup, nil)
	sc := &st.sc
	sc.skipSpace()
	start := sc.i
	if err := sc.value(); err != nil {
		return abi.InterpolateResult{}, fmt.Errorf("entry: %w", err)
	}
	end := sc.i
	sc.skipSpace()
	if sc.i != len(sc.s) {
		return abi.InterpolateResult{}, fmt.Errorf("entry: trailing data after the JSON value")
	}
	out, err := st.r.resolve(make([]byte, 0, outCap(end-start)), sc, start, end)
	if err != nil {
		return abi.InterpolateResult{}, err
	}
	var refs []abi.Reference
	if len(st.r.refs) > 0 {
		paths := string(sc.paths) // one string for every path
		refs = make([]abi.Reference, len(st.r.refs))
		for i, r := range st.r.refs {
			refs[i] = abi.Reference{Path: paths[r.path[0]:r.path[1]], Name: r.name, Outcome: r.outcome, Literal: r.literal}
		}
	}
	return abi.InterpolateResult{Entry: out, Refs: refs}, nil
}

// Serve runs what wasmgw_interpolate runs on the bytes of an
// [abi.InterpolateRequest], with lookup in place of the host: it returns
// the [abi.InterpolateResult] JSON. A request that is not valid JSON, holds
// a field other than server and entry, or whose entry is not an object, is
// a *guest.Error with code "bad_input"; lookup is not called for it.
func Serve(in []byte, lookup Lookup) ([]byte, error) {
	st := &state{}
	return st.serve(string(in), lookup, nil)
}

// AppendLookup is a [Lookup] that appends the value to dst rather than
// returning a string (see [guest.AppendSecret]); on error or when not
// found it returns dst as it was.
type AppendLookup func(dst []byte, name string) (out []byte, found bool, err error)

// appendSecretLookup is SecretLookup appending to dst.
func appendSecretLookup(dst []byte, name string) ([]byte, bool, error) {
	out, err := guest.AppendSecret(dst, name)
	switch {
	case err == nil:
		return out, true, nil
	case errors.Is(err, guest.ErrNotFound), errors.Is(err, guest.ErrDenied):
		return dst, false, nil
	}
	return dst, false, err
}

// state is everything one call works with. The wasm export keeps one for
// the life of the instance, so that a call in a warm instance allocates
// nothing; its buffers are cleared after each call.
type state struct {
	sc  scanner
	r   resolver
	out []byte
}

// reset prepares st for a call on s.
func (st *state) reset(s string, lookup Lookup, appendLookup AppendLookup) {
	if st.sc.edits == nil { // first use: room for a usual entry
		st.sc.edits = make([]edit, 0, 16+len(s)/64)
		st.sc.stack = make([]frame, 0, 8)
		st.sc.paths = make([]byte, 0, 256)
		st.r.cache = make([]cached, 0, 32)
		st.r.vals = make([]byte, 0, 1024)
		st.r.refs = make([]ref, 0, 32)
	}
	st.sc.reset(s)
	st.r.reset(lookup, appendLookup)
	st.out = st.out[:0]
}

// wipe zeroes what held values: the output, the values looked up and the
// interpolation buffer.
func (st *state) wipe() {
	clear(st.out[:cap(st.out)])
	clear(st.r.vals[:cap(st.r.vals)])
	clear(st.r.buf[:cap(st.r.buf)])
	st.out, st.r.vals, st.r.buf = st.out[:0], st.r.vals[:0], st.r.buf[:0]
	st.sc.s, st.r.lookup, st.r.appendLookup = "", nil, nil
	clear(st.r.cache[:cap(st.r.cache)])
	clear(st.r.refs[:cap(st.r.refs)])
	clear(st.sc.edits[:cap(st.sc.edits)])
	clear(st.sc.stack[:cap(st.sc.stack)])
}

// serve is Serve on a request held in s, answering in st.out.
func (st *state) serve(s string, lookup Lookup, appendLookup AppendLookup) ([]byte, error) {
	st.reset(s, lookup, appendLookup)
	req, err := st.sc.request()
	if err != nil {
		return nil, &guest.Error{Code: "bad_input", Message: "request: " + err.Error()}
	}
	if req.start == req.end || s[req.start] != '{' {
		return nil, &guest.Error{Code: "bad_input", Message: fmt.Sprintf("server %q: the entry is not an object", req.server)}
	}
	out := st.out
	if cap(out) < outCap(req.end-req.start)+64 {
		out = make([]byte, 0, outCap(req.end-req.start)+64)
	}
	out = append(out, `{"entry":`...)
	out, err = st.r.resolve(out, &st.sc, req.start, req.end)
	if err != nil {
		return nil, &guest.Error{Code: "interpolate_failed", Message: fmt.Sprintf("server %q: %v", req.server, err)}
	}
	if len(st.r.refs) > 0 {
		out = append(out, `,"refs":[`...)
		for i, r := range st.r.refs {
			if i > 0 {
				out = append(out, ',')
			}
			out = append(out, `{"path":"`...)
			out = appendEscaped(out, st.sc.paths[r.path[0]:r.path[1]])
			if r.name != "" {
				out = append(out, `","name":"`...)
				out = appendEscaped(out, r.name)
			}
			out = append(out, `","outcome":"`...)
			out = append(out, r.outcome...)
			if r.literal != "" {
				out = append(out, `","literal":"`...)
				out = appendEscaped(out, r.literal)
			}
			out = append(out, `"}`...)
		}
		out = append(out, ']')
	}
	out = append(out, '}')
	st.out = out
	return out, nil
}

// outCap is the initial capacity of an output for an entry of n bytes:
// resolved values are usually a little longer than their references.
func outCap(n int) int { return n + n/4 + 64 }

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
					key = abi.Unquote(key)
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
					edits, paths, deepAt := len(sc.edits), len(sc.paths), sc.deepAt
					if err := sc.value(); err != nil {
						return req, err
					}
					sc.edits, sc.paths, sc.deepAt = sc.edits[:edits], sc.paths[:paths], deepAt
					switch raw := s[vStart:sc.i]; raw[0] {
					case '"':
						req.server = abi.Unquote(raw[1 : len(raw)-1])
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
}

// reset prepares sc for the input s.
func (sc *scanner) reset(s string) {
	sc.s, sc.i = s, 0
	sc.paths = sc.paths[:0]
	sc.forget()
}

// forget drops what was recorded of a previous value.
func (sc *scanner) forget() {
	sc.edits = sc.edits[:0]
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

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipSpace skips whitespace without recording it (outside the value).
func (sc *scanner) skipSpace() {
	for sc.i < len(sc.s) && isSpace(sc.s[sc.i]) {
		sc.i++
	}
}

// space skips whitespace inside the value and records it as dropped.
func (sc *scanner) space() {
	start := sc.i
	for sc.i < len(sc.s) && isSpace(sc.s[sc.i]) {
		sc.i++
	}
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
		sc.edits = append(sc.edits, edit{start: start, end: sc.i, kind: editString, str: abi.Unquote(top.key)})
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
		e.str, e.verbatim = abi.Unquote(raw), false
		if strings.Contains(e.str, "${") {
			flags |= strRef
		}
	}
	if flags&strRef != 0 {
		if len(sc.stack) > maxDepth {
			return nil // never resolved: the walk stops at deepAt
		}
		e.kind, e.path = editRefs, sc.fieldPath()
	}
	sc.edits = append(sc.edits, e)
	return nil
}

// fieldPath builds the path of the value being scanned in sc.paths and
// returns its span there. The path of each open container is built once
// and copied into its children's.
func (sc *scanner) fieldPath() [2]int {
	n := len(sc.stack)
	if n == 0 {
		return [2]int{len(sc.paths), len(sc.paths)}
	}
	parent := sc.containerPath(n - 1)
	start := len(sc.paths)
	sc.paths = append(sc.paths, sc.paths[parent[0]:parent[1]]...)
	sc.paths = sc.stack[n-1].appendPart(sc.paths, parent[0] == parent[1])
	return [2]int{start, len(sc.paths)}
}

// containerPath returns the span of the path of the container of frame k.
func (sc *scanner) containerPath(k int) [2]int {
	if f := &sc.stack[k]; f.hasPath {
		return f.path
	}
	if k == 0 {
		sc.stack[0].hasPath, sc.stack[0].path = true, [2]int{0, 0}
		return sc.stack[0].path
	}
	parent := sc.containerPath(k - 1)
	start := len(sc.paths)
	sc.paths = append(sc.paths, sc.paths[parent[0]:parent[1]]...)
	sc.paths = sc.stack[k-1].appendPart(sc.paths, parent[0] == parent[1])
	f := &sc.stack[k]
	f.hasPath, f.path = true, [2]int{start, len(sc.paths)}
	return f.path
}

// appendPart appends the part of a path that names the current item of f
// (JoinKey, JoinIndex) to b; root says b holds no path yet.
func (f *frame) appendPart(b []byte, root bool) []byte {
	if f.array {
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(f.index), 10)
		return append(b, ']')
	}
	key := f.key
	if f.esc {
		key = abi.Unquote(key)
	}
	if !simpleKey(key) {
		b = append(b, '[')
		b = appendString(b, key)
		return append(b, ']')
	}
	if !root {
		b = append(b, '.')
	}
	return append(b, key...)
}

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

// Eight-byte words, for finding a byte of a class without a loop per
// byte: in a sandbox with termination checks, every jump back to the top
// of a loop costs far more than the arithmetic of a word, so the loops
// below look at 32 bytes per turn.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

func load64[T ~string | ~[]byte](s T, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// hasByte has the high bit set in some byte where w has byte c; the lowest
// such bit is exact (later ones may be false positives).
func hasByte(w uint64, c byte) uint64 {
	x := w ^ (lsb * uint64(c))
	return (x - lsb) &^ x & msb
}

// escapeMask flags the bytes of w that appendString does not copy as
// they are: '"', '\\', control characters and non-ASCII (checked further).
func escapeMask(w uint64) uint64 {
	return (hasByte(w, '"') | hasByte(w, '\\') | (w-lsb*0x20)&^w | w) & msb
}

// specialMask is escapeMask that also flags '$'.
func specialMask(w uint64) uint64 { return escapeMask(w) | hasByte(w, '$') }

// first returns the index of the first flagged byte of four words, 32 if
// none, without a branch.
func first(m0, m1, m2, m3 uint64) int {
	t0, t1 := bits.TrailingZeros64(m0)>>3, bits.TrailingZeros64(m1)>>3
	t2, t3 := bits.TrailingZeros64(m2)>>3, bits.TrailingZeros64(m3)>>3
	return t0 + t0>>3*(t1+t1>>3*(t2+t2>>3*t3))
}

// tail copies what is left of s from i (fewer than 32 bytes) into a
// zero-padded block, for the last turn of a loop: no loop byte by byte.
func tail[T ~string | ~[]byte](s T, i int) (b [32]byte, n int) {
	n = copy(b[:], s[i:])
	return b, n
}

// valid masks the flags of the bytes of word k of a padded block that are
// past its n bytes.
func valid(m uint64, k, n int) uint64 {
	v := min(max(n-8*k, 0), 8)
	return m & (uint64(1)<<(8*v) - 1)
}

// nextEscape returns the index of the first byte at or after i that
// appendString does not copy as it is, or len(s).
func nextEscape[T ~string | ~[]byte](s T, i int) int {
	for ; i+32 <= len(s); i += 32 {
		m0, m1 := escapeMask(load64(s, i)), escapeMask(load64(s, i+8))
		m2, m3 := escapeMask(load64(s, i+16)), escapeMask(load64(s, i+24))
		if m0|m1|m2|m3 != 0 {
			return i + first(m0, m1, m2, m3)
		}
	}
	if i >= len(s) {
		return len(s)
	}
	b, n := tail(s, i)
	m0, m1 := valid(escapeMask(load64(b[:], 0)), 0, n), valid(escapeMask(load64(b[:], 8)), 1, n)
	m2, m3 := valid(escapeMask(load64(b[:], 16)), 2, n), valid(escapeMask(load64(b[:], 24)), 3, n)
	return i + min(first(m0, m1, m2, m3), n)
}

// nextSpecial is nextEscape that also stops at '$'.
func nextSpecial(s string, i int) int {
	for ; i+32 <= len(s); i += 32 {
		m0, m1 := specialMask(load64(s, i)), specialMask(load64(s, i+8))
		m2, m3 := specialMask(load64(s, i+16)), specialMask(load64(s, i+24))
		if m0|m1|m2|m3 != 0 {
			return i + first(m0, m1, m2, m3)
		}
	}
	if i >= len(s) {
		return len(s)
	}
	b, n := tail(s, i)
	m0, m1 := valid(specialMask(load64(b[:], 0)), 0, n), valid(specialMask(load64(b[:], 8)), 1, n)
	m2, m3 := valid(specialMask(load64(b[:], 16)), 2, n), valid(specialMask(load64(b[:], 24)), 3, n)
	return i + min(first(m0, m1, m2, m3), n)
}

// indexByte returns the index of the first c in s at or after i, or -1.
func indexByte(s string, i int, c byte) int {
	for ; i+32 <= len(s); i += 32 {
		m0, m1 := hasByte(load64(s, i), c), hasByte(load64(s, i+8), c)
		m2, m3 := hasByte(load64(s, i+16), c), hasByte(load64(s, i+24), c)
		if m0|m1|m2|m3 != 0 {
			return i + first(m0, m1, m2, m3)
		}
	}
	if i >= len(s) {
		return -1
	}
	b, n := tail(s, i)
	m0, m1 := valid(hasByte(load64(b[:], 0), c), 0, n), valid(hasByte(load64(b[:], 8), c), 1, n)
	m2, m3 := valid(hasByte(load64(b[:], 16), c), 2, n), valid(hasByte(load64(b[:], 24), c), 3, n)
	if j := first(m0, m1, m2, m3); j < n {
		return i + j
	}
	return -1
}

// indexRef returns the index of the first "${" in s at or after i, or -1.
func indexRef(s string, i int) int {
	for {
		i = indexByte(s, i, '$')
		if i < 0 || i+1 < len(s) && s[i+1] == '{' {
			return i
		}
		if i+1 >= len(s) {
			return -1
		}
		i++
	}
}

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

// cached is a variable looked up once.
type cached struct {
	name  string
	val   [2]int // the value's span in resolver.vals
	found bool   // found and not empty
	valid bool   // the value is valid UTF-8
}

// ref is an abi.Reference whose path is a span of the scanner's paths.
type ref struct {
	path    [2]int
	name    string
	outcome string
	literal string
}

// resolver looks variables up and writes the output.
type resolver struct {
	lookup       Lookup
	appendLookup AppendLookup
	cache        []cached
	slots        []int32 // hash table of cache: index+1, 0 when free
	vals         []byte  // the values looked up, end to end
	refs         []ref
	buf          []byte
}

func (r *resolver) reset(lookup Lookup, appendLookup AppendLookup) {
	r.lookup, r.appendLookup = lookup, appendLookup
	r.cache, r.vals, r.refs = r.cache[:0], r.vals[:0], r.refs[:0]
	if r.slots == nil {
		r.slots = make([]int32, 64)
	} else {
		clear(r.slots)
	}
}

// nameHash hashes a name from its length and a few of its bytes, without
// a loop.
func nameHash(s string) uint32 {
	n := len(s)
	h := uint32(n)*0x9e3779b1 ^ uint32(s[0])*0x85ebca77 ^ uint32(s[n-1])*0xc2b2ae3d ^
		uint32(s[n>>1])*0x27d4eb2f ^ uint32(s[max(n-2, 0)])*0x165667b1
	return h ^ h>>15
}

// get returns the index in r.cache of the variable name, looking it up on
// first use.
func (r *resolver) get(name string) (int, error) {
	mask := uint32(len(r.slots) - 1)
	h := nameHash(name) & mask
	for ; r.slots[h] != 0; h = (h + 1) & mask {
		if i := int(r.slots[h] - 1); r.cache[i].name == name {
			return i, nil
		}
	}
	start := len(r.vals)
	var found bool
	var err error
	if r.appendLookup != nil {
		r.vals, found, err = r.appendLookup(r.vals, name)
	} else {
		var v string
		if v, found, err = r.lookup(name); found {
			r.vals = append(r.vals, v...)
		}
	}
	if err != nil {
		return 0, err
	}
	if !found {
		r.vals = r.vals[:start]
	}
	v := r.vals[start:]
	r.cache = append(r.cache, cached{name: name, val: [2]int{start, len(r.vals)}, found: found && len(v) > 0, valid: utf8.Valid(v)})
	r.slots[h] = int32(len(r.cache))
	if 2*len(r.cache) > len(r.slots) { // keep the table at most half full
		r.slots = make([]int32, 2*len(r.slots))
		mask = uint32(len(r.slots) - 1)
		for i, c := range r.cache {
			h := nameHash(c.name) & mask
			for r.slots[h] != 0 {
				h = (h + 1) & mask
			}
			r.slots[h] = int32(i + 1)
		}
	}
	return len(r.cache) - 1, nil
}

// resolve appends the value sc scanned at [start, end) to out, with its
// edits applied.
func (r *resolver) resolve(out []byte, sc *scanner, start, end int) ([]byte, error) {
	s := sc.s
	prev := start
	for i := range sc.edits {
		e := &sc.edits[i]
		if sc.deepAt >= 0 && e.start >= sc.deepAt {
			break
		}
		out = append(out, s[prev:e.start]...)
		prev = e.end
		switch e.kind {
		case editString:
			out = appendString(out, e.str)
		case editRefs:
			var err error
			if out, err = r.interpolate(out, e, sc); err != nil {
				return nil, err
			}
		}
	}
	if sc.deepAt >= 0 {
		return nil, fmt.Errorf("entry: nested deeper than %d levels", maxDepth)
	}
	return append(out, s[prev:end]...), nil
}

// interpolate appends the string of e as JSON, its references resolved
// left to right in one pass.
func (r *resolver) interpolate(out []byte, e *edit, sc *scanner) ([]byte, error) {
	mark, nrefs := len(out), len(r.refs)
	out = append(out, '"')
	s := e.str
	for {
		start := indexRef(s, 0)
		if start < 0 {
			break
		}
		end := indexByte(s, start+2, '}')
		if end < 0 {
			break // no closing brace: the rest is literal
		}
		literal := s[start : end+1]
		out = r.text(out, s[:start], e.verbatim)
		s = s[end+1:]
		name := RefName(literal[2 : len(literal)-1])
		if !ValidName(name) {
			r.refs = append(r.refs, ref{path: e.path, outcome: abi.RefUnsupported, literal: literal})
			out = r.text(out, literal, e.verbatim)
			continue
		}
		i, err := r.get(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sc.paths[e.path[0]:e.path[1]], err)
		}
		c := &r.cache[i]
		if !c.found {
			r.refs = append(r.refs, ref{path: e.path, name: name, outcome: abi.RefUnset, literal: literal})
			out = r.text(out, literal, e.verbatim)
			continue
		}
		if !c.valid {
			// Invalid UTF-8 may join with what follows into valid
			// UTF-8: encode the whole string at once instead.
			r.refs = r.refs[:nrefs]
			return r.interpolateWhole(out[:mark], e, sc)
		}
		r.refs = append(r.refs, ref{path: e.path, name: name, outcome: abi.RefResolved})
		out = appendEscaped(out, r.vals[c.val[0]:c.val[1]])
	}
	out = r.text(out, s, e.verbatim)
	return append(out, '"'), nil
}

// text appends literal text of a string: as it is when verbatim.
func (r *resolver) text(out []byte, s string, verbatim bool) []byte {
	if verbatim {
		return append(out, s...)
	}
	return appendEscaped(out, s)
}

// interpolateWhole is interpolate building the whole string before
// encoding it, for values that are not valid UTF-8.
func (r *resolver) interpolateWhole(out []byte, e *edit, sc *scanner) ([]byte, error) {
	b := r.buf[:0]
	s := e.str
	for {
		start := indexRef(s, 0)
		if start < 0 {
			break
		}
		end := indexByte(s, start+2, '}')
		if end < 0 {
			break
		}
		literal := s[start : end+1]
		b = append(b, s[:start]...)
		s = s[end+1:]
		name := RefName(literal[2 : len(literal)-1])
		if !ValidName(name) {
			r.refs = append(r.refs, ref{path: e.path, outcome: abi.RefUnsupported, literal: literal})
			b = append(b, literal...)
			continue
		}
		i, err := r.get(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sc.paths[e.path[0]:e.path[1]], err)
		}
		c := &r.cache[i]
		if !c.found {
			r.refs = append(r.refs, ref{path: e.path, name: name, outcome: abi.RefUnset, literal: literal})
			b = append(b, literal...)
			continue
		}
		r.refs = append(r.refs, ref{path: e.path, name: name, outcome: abi.RefResolved})
		b = append(b, r.vals[c.val[0]:c.val[1]]...)
	}
	b = append(b, s...)
	r.buf = b
	out = append(out, '"')
	out = appendEscaped(out, b)
	return append(out, '"'), nil
}
