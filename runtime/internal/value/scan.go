package value

import (
	"unicode/utf8"

	"github.com/wasmgw/wasmgw/abi"
)

// fastParse is ParseJSON's parser: a byte scanner with no reflection and
// few allocations (values, keys and items come from shared slabs, strings
// without escapes are slices of one copy of the input). It reports only
// whether it succeeded: on any error ParseJSON runs the encoding/json
// parser, which gives the error its wording, so fastParse must accept
// nothing that parser refuses and decode everything as it does.
func fastParse(data []byte) (*Value, bool) {
	p := parser{s: string(data)}
	p.ws()
	v := p.value(0)
	if v == nil {
		return nil, false
	}
	p.ws()
	if p.i != len(p.s) {
		return nil, false
	}
	return v, true
}

type parser struct {
	s     string
	i     int
	nodes int
	vals  []Value
	items []*Value
	keys  []string
	// stacks of the open containers' keys and items
	kstack []string
	istack []*Value
}

func (p *parser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// alloc returns a new Value from the slab.
func (p *parser) alloc(k Kind) *Value {
	if len(p.vals) == cap(p.vals) {
		p.vals = make([]Value, 0, max(16, min(512, len(p.s)/40)))
	}
	p.vals = append(p.vals, Value{Kind: k})
	return &p.vals[len(p.vals)-1]
}

// itemSlice copies items into a slice of exactly their length.
func (p *parser) itemSlice(items []*Value) []*Value {
	if len(items) == 0 {
		return nil
	}
	if cap(p.items)-len(p.items) < len(items) {
		p.items = make([]*Value, 0, max(64, 2*len(items)))
	}
	n := len(p.items)
	p.items = append(p.items, items...)
	return p.items[n:len(p.items):len(p.items)]
}

func (p *parser) keySlice(keys []string) []string {
	if len(keys) == 0 {
		return nil
	}
	if cap(p.keys)-len(p.keys) < len(keys) {
		p.keys = make([]string, 0, max(32, 2*len(keys)))
	}
	n := len(p.keys)
	p.keys = append(p.keys, keys...)
	return p.keys[n:len(p.keys):len(p.keys)]
}

// value parses one value at p.i (no leading whitespace); nil on error.
func (p *parser) value(depth int) *Value {
	if depth > maxDepth {
		return nil
	}
	if p.nodes++; p.nodes > maxNodes || p.i >= len(p.s) {
		return nil
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		p.ws()
		v := p.alloc(Object)
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return v
		}
		kbase, ibase := len(p.kstack), len(p.istack)
		var seen map[string]bool
		for {
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				return nil
			}
			k, ok := p.str()
			if !ok {
				return nil
			}
			if seen != nil {
				if seen[k] {
					return nil // duplicate key
				}
				seen[k] = true
			} else {
				for _, prev := range p.kstack[kbase:] {
					if prev == k {
						return nil // duplicate key
					}
				}
				if len(p.kstack)-kbase >= 16 { // a large object: a set from now on
					seen = make(map[string]bool, 64)
					for _, prev := range p.kstack[kbase:] {
						seen[prev] = true
					}
					seen[k] = true
				}
			}
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil
			}
			p.i++
			p.ws()
			item := p.value(depth + 1)
			if item == nil {
				return nil
			}
			p.kstack = append(p.kstack, k)
			p.istack = append(p.istack, item)
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				p.ws()
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				break
			}
			return nil
		}
		v.Keys, v.Items = p.keySlice(p.kstack[kbase:]), p.itemSlice(p.istack[ibase:])
		p.kstack, p.istack = p.kstack[:kbase], p.istack[:ibase]
		return v
	case c == '[':
		p.i++
		p.ws()
		v := p.alloc(Array)
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return v
		}
		ibase := len(p.istack)
		for {
			item := p.value(depth + 1)
			if item == nil {
				return nil
			}
			p.istack = append(p.istack, item)
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				p.ws()
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == ']' {
				p.i++
				break
			}
			return nil
		}
		v.Items = p.itemSlice(p.istack[ibase:])
		p.istack = p.istack[:ibase]
		return v
	case c == '"':
		s, ok := p.str()
		if !ok {
			return nil
		}
		v := p.alloc(String)
		v.Str = s
		return v
	case c == 't' || c == 'f' || c == 'n':
		word := "null"
		v := p.alloc(Null)
		switch c {
		case 't':
			word, v.Kind, v.Bool = "true", Bool, true
		case 'f':
			word, v.Kind = "false", Bool
		}
		if len(p.s)-p.i < len(word) || p.s[p.i:p.i+len(word)] != word {
			return nil
		}
		p.i += len(word)
		return v
	case c == '-' || '0' <= c && c <= '9':
		start := p.i
		if !p.number() {
			return nil
		}
		v := p.alloc(Number)
		v.Str = p.s[start:p.i]
		return v
	}
	return nil
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) number() bool {
	s := p.s
	if s[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(s) && s[p.i] == '0':
		p.i++
	case p.i < len(s) && '1' <= s[p.i] && s[p.i] <= '9':
		p.digits()
	default:
		return false
	}
	if p.i < len(s) && s[p.i] == '.' {
		p.i++
		if p.i >= len(s) || s[p.i] < '0' || s[p.i] > '9' {
			return false
		}
		p.digits()
	}
	if p.i < len(s) && (s[p.i] == 'e' || s[p.i] == 'E') {
		p.i++
		if p.i < len(s) && (s[p.i] == '+' || s[p.i] == '-') {
			p.i++
		}
		if p.i >= len(s) || s[p.i] < '0' || s[p.i] > '9' {
			return false
		}
		p.digits()
	}
	return true
}

func (p *parser) digits() {
	for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
		p.i++
	}
}

// str scans a string at p.i (its quote) and returns it decoded as
// encoding/json decodes it.
func (p *parser) str() (string, bool) {
	s := p.s
	start := p.i + 1
	plain := true
	for i := start; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			p.i = i + 1
			if plain {
				return s[start:i], true
			}
			return abi.Unquote(s[start:i]), true
		case c == '\\':
			plain = false
			if i+1 >= len(s) {
				return "", false
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if getu4(s[i:]) < 0 {
					return "", false
				}
				i += 6
			default:
				return "", false
			}
		case c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				plain = false
			}
			i += size
		}
	}
	return "", false
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
