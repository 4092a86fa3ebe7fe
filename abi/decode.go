package abi

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The envelopes a handler decodes on every message, decoded without
// reflection. In a Go guest under wazero's termination checks,
// encoding/json spends about 180 µs on one HandleRequest (45 times its
// native cost: every loop of its reflective decoder pays a check); this
// reader does the same job in a few straight loops over the bytes.
//
// The result is what encoding/json.Unmarshal gives for the same input
// (a differential fuzz target holds the two together), with two
// deliberate refusals that encoding/json does not make: a key that appears
// twice in one object, and a key that matches a field only when case is
// ignored. The host never writes either, and accepting them is how parser
// differentials start.

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// errStrict marks the refusals encoding/json would not make.
const errStrict = decodeClass("refused")

// decodeClass is a class of decoding problem, an error that can be a
// constant.
type decodeClass string

func (c decodeClass) Error() string { return string(c) }

// DecodeError says where and why an envelope could not be decoded.
type DecodeError struct {
	// Envelope is the type being decoded, such as "HandleRequest".
	Envelope string
	// Offset is the byte offset of the problem in the input.
	Offset int
	// What describes the problem.
	What string
	err  error
}

// Error says which envelope, where and what.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("abi: %s: offset %d: %s", e.Envelope, e.Offset, e.What)
}

// Unwrap returns the class of the problem, if it has one.
func (e *DecodeError) Unwrap() error { return e.err }

// DecodeHandleRequest decodes the input of [ExportHandle].
func DecodeHandleRequest(data []byte) (HandleRequest, error) {
	var r HandleRequest
	d := decoder{s: string(data), env: "HandleRequest"}
	fields := [...]string{"profile", "session_key", "platform", "chat_id", "chat_type", "user_id", "user_name", "message_id", "message_type", "text", "tools", "secrets"}
	err := d.top(func() error {
		return d.object(1, fields[:], func(k int) error {
			switch k {
			case 10:
				return d.tools(&r.Tools)
			case 11:
				return d.strings(&r.Secrets)
			}
			return d.stringField(handleRequestString(&r, k))
		})
	})
	if err != nil {
		return HandleRequest{}, err
	}
	return r, nil
}

func handleRequestString(r *HandleRequest, k int) *string {
	return [...]*string{&r.Profile, &r.SessionKey, &r.Platform, &r.ChatID, &r.ChatType, &r.UserID, &r.UserName, &r.MessageID, &r.MessageType, &r.Text}[k]
}

// DecodeCallResult decodes the envelope of a tool's result (the output of
// [ExportCallTool] wrapped by the host, as tool_call returns it).
func DecodeCallResult(data []byte) (CallResult, error) {
	var r CallResult
	d := decoder{s: string(data), env: "CallResult"}
	fields, errorFields := [...]string{"output", "error"}, [...]string{"code", "message"}
	err := d.top(func() error {
		return d.object(1, fields[:], func(k int) error {
			if k == 0 {
				return d.raw(2, &r.Output)
			}
			if d.null() {
				r.Error = nil
				return nil
			}
			e := new(Error)
			r.Error = e
			return d.object(2, errorFields[:], func(k int) error {
				return d.stringField([...]*string{&e.Code, &e.Message}[k])
			})
		})
	})
	if err != nil {
		return CallResult{}, err
	}
	return r, nil
}

// decoder reads one copy of the input: strings without escapes are
// substrings of it, so a request costs one allocation plus one per escaped
// string, slice and raw value.
type decoder struct {
	s   string
	i   int
	env string
}

func (d *decoder) fail(what string) error {
	return &DecodeError{Envelope: d.env, Offset: d.i, What: what}
}

func (d *decoder) failf(err error, format string, args ...any) error {
	return &DecodeError{Envelope: d.env, Offset: d.i, What: fmt.Sprintf(format, args...), err: err}
}

// top decodes the whole input as one value read by body; a top-level
// null leaves the result zero, as encoding/json does.
func (d *decoder) top(body func() error) error {
	d.space()
	if !d.null() {
		if err := body(); err != nil {
			return err
		}
	}
	d.space()
	if d.i != len(d.s) {
		return d.fail("data after the top-level value")
	}
	return nil
}

func (d *decoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (d *decoder) peek() byte {
	d.space()
	if d.i < len(d.s) {
		return d.s[d.i]
	}
	return 0
}

func (d *decoder) eat(c byte) bool {
	if d.peek() == c {
		d.i++
		return true
	}
	return false
}

// null consumes a null literal if one is next.
func (d *decoder) null() bool {
	if d.peek() == 'n' && strings.HasPrefix(d.s[d.i:], "null") {
		d.i += 4
		return true
	}
	return false
}

// object reads an object at depth whose known keys are names: field is
// called with the key's index to read its value; unknown keys' values are
// checked and skipped. The caller has handled null.
func (d *decoder) object(depth int, names []string, field func(k int) error) error {
	if depth > maxDepth {
		return d.fail("exceeded max depth")
	}
	if !d.eat('{') {
		return d.fail("expected an object")
	}
	if d.eat('}') {
		return nil
	}
	var seen uint64
	for {
		if d.peek() != '"' {
			return d.fail("expected a key")
		}
		keyAt := d.i
		key, err := d.str()
		if err != nil {
			return err
		}
		if !d.eat(':') {
			return d.fail("expected ':' after a key")
		}
		k := -1
		for j, n := range names {
			if key == n {
				k = j
				break
			}
		}
		if k < 0 {
			for _, n := range names {
				if strings.EqualFold(key, n) {
					d.i = keyAt
					return d.failf(errStrict, "key %q: keys are case-sensitive (want %q)", key, n)
				}
			}
			if err := d.skip(depth + 1); err != nil {
				return err
			}
		} else {
			if seen&(1<<k) != 0 {
				d.i = keyAt
				return d.failf(errStrict, "key %q appears twice", key)
			}
			seen |= 1 << k
			if err := field(k); err != nil {
				return err
			}
		}
		if d.eat(',') {
			continue
		}
		if d.eat('}') {
			return nil
		}
		return d.fail("expected ',' or '}' in an object")
	}
}

// array reads an array at depth, calling elem for each element.
func (d *decoder) array(depth int, elem func(i int) error) error {
	if depth > maxDepth {
		return d.fail("exceeded max depth")
	}
	if !d.eat('[') {
		return d.fail("expected an array")
	}
	if d.eat(']') {
		return nil
	}
	for i := 0; ; i++ {
		if err := elem(i); err != nil {
			return err
		}
		if d.eat(',') {
			continue
		}
		if d.eat(']') {
			return nil
		}
		return d.fail("expected ',' or ']' in an array")
	}
}

func (d *decoder) stringField(dst *string) error {
	if d.null() {
		return nil
	}
	if d.peek() != '"' {
		return d.fail("expected a string")
	}
	s, err := d.str()
	*dst = s
	return err
}

func (d *decoder) strings(dst *[]string) error {
	if d.null() {
		*dst = nil
		return nil
	}
	out := []string{}
	err := d.array(2, func(int) error {
		var s string
		if err := d.stringField(&s); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	*dst = out
	return err
}

func (d *decoder) tools(dst *[]ToolInfo) error {
	if d.null() {
		*dst = nil
		return nil
	}
	out := []ToolInfo{}
	fields := [...]string{"name", "description", "input_schema"}
	err := d.array(2, func(int) error {
		var t ToolInfo
		if !d.null() {
			err := d.object(3, fields[:], func(k int) error {
				if k == 2 {
					return d.raw(4, &t.InputSchema)
				}
				return d.stringField([...]*string{&t.Name, &t.Description}[k])
			})
			if err != nil {
				return err
			}
		}
		out = append(out, t)
		return nil
	})
	*dst = out
	return err
}

// raw keeps the next value's bytes as they are (null included, as
// encoding/json does for a json.RawMessage).
func (d *decoder) raw(depth int, dst *json.RawMessage) error {
	d.space()
	start := d.i
	if err := d.skip(depth); err != nil {
		return err
	}
	*dst = json.RawMessage(d.s[start:d.i])
	return nil
}

// skip checks and passes over one value at depth.
func (d *decoder) skip(depth int) error {
	switch c := d.peek(); {
	case c == '{':
		return d.object(depth, nil, nil)
	case c == '[':
		return d.array(depth, func(int) error { return d.skip(depth + 1) })
	case c == '"':
		_, err := d.str()
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	case c == 0 && d.i == len(d.s):
		return d.fail("unexpected end of input")
	default:
		return d.fail(fmt.Sprintf("unexpected character %q", c))
	}
}

func (d *decoder) literal(word string) error {
	if !strings.HasPrefix(d.s[d.i:], word) {
		return d.fail("invalid literal")
	}
	d.i += len(word)
	return nil
}

func (d *decoder) digits() int {
	n := 0
	for d.i < len(d.s) && '0' <= d.s[d.i] && d.s[d.i] <= '9' {
		d.i++
		n++
	}
	return n
}

// number checks a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *decoder) number() error {
	if d.s[d.i] == '-' {
		d.i++
	}
	if d.i < len(d.s) && d.s[d.i] == '0' {
		d.i++
	} else if d.digits() == 0 {
		return d.fail("invalid number")
	}
	if d.i < len(d.s) && d.s[d.i] == '.' {
		d.i++
		if d.digits() == 0 {
			return d.fail("invalid number")
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		d.i++
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		if d.digits() == 0 {
			return d.fail("invalid number")
		}
	}
	return nil
}

// str reads a string at d.i (which is '"'), checking its escapes and
// decoding it with [Unquote]. A string without escapes or non-ASCII bytes
// is a substring of the input.
func (d *decoder) str() (string, error) {
	start := d.i + 1
	i := plainRun(d.s, start)
	plain := true
	for i < len(d.s) {
		switch c := d.s[i]; {
		case c == '"':
			d.i = i + 1
			if plain {
				return d.s[start:i], nil
			}
			return Unquote(d.s[start:i]), nil
		case c < ' ':
			d.i = i
			return "", d.fail("control character in a string")
		case c == '\\':
			plain = false
			if i+1 >= len(d.s) {
				d.i = i
				return "", d.fail("unterminated escape")
			}
			switch d.s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if getu4(d.s[i:]) < 0 {
					d.i = i
					return "", d.fail("invalid \\u escape")
				}
				i += 6
			default:
				d.i = i
				return "", d.fail("invalid escape")
			}
		default: // non-ASCII: Unquote checks the UTF-8
			plain = false
			i++
		}
		i = plainRun(d.s, i)
	}
	d.i = len(d.s)
	return "", d.fail("unterminated string")
}

// Unquote decodes the body of a valid JSON string (the text between its
// quotes) as encoding/json does: escapes decoded, a lone or mismatched
// surrogate and every byte of invalid UTF-8 replaced by U+FFFD. The caller
// has checked the escapes; Unquote does not.
func Unquote(s string) string {
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		if j := plainRun(s, i); j > i {
			b = append(b, s[i:j]...)
			if i = j; i == len(s) {
				break
			}
		}
		switch c := s[i]; {
		case c == '\\':
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
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
