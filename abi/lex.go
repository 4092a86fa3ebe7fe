package abi

// The JSON grammar the envelope decoders read with: literals, objects and
// arrays as callbacks per member; white space, numbers and strings are
// read by jsonlex, the grammar the three JSON scanners share.

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wasmgw/wasmgw/internal/jsonlex"
)

// space skips JSON white space (none, mostly: the guard spares the call).
func (d *decoder) space() {
	if d.i < len(d.s) && d.s[d.i] > ' ' {
		return
	}
	d.i = jsonlex.Space(d.s, d.i)
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

// number checks a JSON number.
func (d *decoder) number() error {
	end, ok := jsonlex.Number(d.s, d.i)
	d.i = end
	if !ok {
		return d.fail("invalid number")
	}
	return nil
}

// str reads a string at d.i (which is '"'), checking its escapes and
// decoding it with [jsonlex.Unquote]. A string without escapes or invalid
// UTF-8 is a substring of the input.
func (d *decoder) str() (string, error) {
	start := d.i + 1
	end, fl := jsonlex.String(d.s, d.i)
	d.i = end
	switch {
	case fl&jsonlex.Invalid == 0:
		if fl == 0 {
			return d.s[start : end-1], nil
		}
		return jsonlex.Unquote(d.s[start : end-1]), nil
	case end == len(d.s):
		return "", d.fail("unterminated string")
	case d.s[end] < ' ':
		return "", d.fail("control character in a string")
	default:
		return "", d.fail("invalid escape")
	}
}
