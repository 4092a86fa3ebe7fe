// Package fnmatch matches names against shell-style patterns with the
// semantics of Python's fnmatch.fnmatchcase, which hermes uses for an MCP
// server's tools.include and tools.exclude:
//
//   - any run of characters, "/" included, possibly empty
//     ?        any one character
//     [seq]    one character in seq; a-z is a range; "]" first is literal
//     [!seq]   one character not in seq
//
// A "[" with no closing "]" is a literal "[". There is no escape character
// ("\" is literal; "[*]" matches a literal "*"). Matching is case-sensitive
// and by character (rune), not byte. Unlike path.Match, "*" crosses "/"
// and a malformed pattern is never an error.
package fnmatch

import "unicode/utf8"

type kind uint8

const (
	lit kind = iota
	any1
	star
	set
)

type token struct {
	kind   kind
	r      rune
	negate bool
	items  []span // for set
}

// span is a range of runes lo..hi (lo == hi for one character).
type span struct{ lo, hi rune }

// Pattern is a compiled pattern.
type Pattern struct {
	tokens []token
	text   string
}

// Compile compiles pat. It never fails: every string is a pattern.
func Compile(pat string) *Pattern {
	p := &Pattern{text: pat}
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; c {
		case '*':
			if n := len(p.tokens); n == 0 || p.tokens[n-1].kind != star {
				p.tokens = append(p.tokens, token{kind: star})
			}
		case '?':
			p.tokens = append(p.tokens, token{kind: any1})
		case '[':
			t, next, ok := parseSet(rs, i+1)
			if !ok {
				p.tokens = append(p.tokens, token{kind: lit, r: '['})
				continue
			}
			p.tokens = append(p.tokens, t)
			i = next
		default:
			p.tokens = append(p.tokens, token{kind: lit, r: c})
		}
	}
	return p
}

// parseSet parses the set whose "[" is just before rs[i]; it returns the
// token and the index of the closing "]".
func parseSet(rs []rune, i int) (token, int, bool) {
	t := token{kind: set}
	j := i
	if j < len(rs) && rs[j] == '!' {
		t.negate = true
		j++
	}
	start := j
	if j < len(rs) && rs[j] == ']' {
		j++
	}
	for j < len(rs) && rs[j] != ']' {
		j++
	}
	if j >= len(rs) {
		return token{}, 0, false
	}
	body := rs[start:j]
	for k := 0; k < len(body); k++ {
		lo := body[k]
		if k+2 < len(body) && body[k+1] == '-' {
			hi := body[k+2]
			if lo <= hi {
				t.items = append(t.items, span{lo, hi})
			}
			// A reversed range matches nothing (Python drops it).
			k += 2
			continue
		}
		t.items = append(t.items, span{lo, lo})
	}
	return t, j, true
}

func (t *token) matches(r rune) bool {
	switch t.kind {
	case lit:
		return r == t.r
	case any1:
		return true
	case set:
		in := false
		for _, s := range t.items {
			if s.lo <= r && r <= s.hi {
				in = true
				break
			}
		}
		return in != t.negate
	}
	return false
}

// String returns the pattern as written.
func (p *Pattern) String() string { return p.text }

// Match reports whether name matches the whole pattern. It runs in
// O(len(pattern) * len(name)) at worst: no backtracking blow-up.
func (p *Pattern) Match(name string) bool {
	rs := make([]rune, 0, utf8.RuneCountInString(name))
	for _, r := range name {
		rs = append(rs, r)
	}
	ti, ni := 0, 0
	starT, starN := -1, 0
	for ni < len(rs) {
		switch {
		case ti < len(p.tokens) && p.tokens[ti].kind == star:
			starT, starN = ti, ni
			ti++
		case ti < len(p.tokens) && p.tokens[ti].matches(rs[ni]):
			ti++
			ni++
		case starT >= 0:
			starN++
			ti, ni = starT+1, starN
		default:
			return false
		}
	}
	for ti < len(p.tokens) && p.tokens[ti].kind == star {
		ti++
	}
	return ti == len(p.tokens)
}

// Match reports whether name matches pat (see Compile).
func Match(pat, name string) bool { return Compile(pat).Match(name) }

// HasMeta reports whether pat holds any of * ? [ : a pattern without them
// matches only itself.
func HasMeta(pat string) bool {
	for i := 0; i < len(pat); i++ {
		switch pat[i] {
		case '*', '?', '[':
			return true
		}
	}
	return false
}
