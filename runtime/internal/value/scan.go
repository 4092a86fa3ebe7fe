package value

import "github.com/wasmgw/wasmgw/internal/jsonlex"

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

// ws skips white space (none, mostly: the guard spares the call).
func (p *parser) ws() {
	if p.i < len(p.s) && p.s[p.i] > ' ' {
		return
	}
	p.i = jsonlex.Space(p.s, p.i)
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
		end, ok := jsonlex.Number(p.s, p.i)
		if !ok {
			return nil
		}
		v := p.alloc(Number)
		v.Str, p.i = p.s[p.i:end], end
		return v
	}
	return nil
}

// str scans a string at p.i (its quote) and returns it decoded as
// encoding/json decodes it.
func (p *parser) str() (string, bool) {
	end, fl := jsonlex.String(p.s, p.i)
	if fl&jsonlex.Invalid != 0 {
		return "", false
	}
	body := p.s[p.i+1 : end-1]
	p.i = end
	if fl == 0 {
		return body, true
	}
	return jsonlex.Unquote(body), true
}
