package fnmatch

import (
	"testing"
	"unicode/utf8"
)

// TestMatchLikePython: every row's want is what Python 3's
// fnmatch.fnmatchcase(name, pattern) answers.
func TestMatchLikePython(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		pat, name string
		want      bool
	}{
		{"get-*", "get-sum", true},
		{"get-*", "get_sum", false},
		{"*sum*", "get-sum", true},
		{"*sum*", "echo", false},
		{"*_radar_*", "get_radar_x", true},
		{"*_radar_*", "radar_x", false},
		{"?", "a", true},
		{"?", "ab", false},
		{"?", "", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*", "", true},
		{"*", "a/b", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"[abc]", "b", true},
		{"[abc]", "d", false},
		{"[!abc]", "d", true},
		{"[!abc]", "a", false},
		{"[a-c]x", "bx", true},
		{"[a-c]x", "dx", false},
		{"[]]", "]", true},
		{"[!]]", "]", false},
		{"[!]]", "a", true},
		{"[", "[", true},
		{"[a", "[a", true},
		{"a[", "a[", true},
		{"[]", "[]", true},
		{"[!]", "[!]", true},
		{"[*]", "*", true},
		{"[*]", "a", false},
		{"\\*", "\\x", true},
		{"\\*", "*", false},
		{"[z-a]", "m", false},
		{"[!z-a]", "m", true},
		{"[a-]", "-", true},
		{"[a-]", "a", true},
		{"[-a]", "-", true},
		{"[a-c-e]", "-", true},
		{"[a-c-e]", "d", false},
		{"[a-c-e]", "e", true},
		{"*.*", "a.b", true},
		{"*.*", "ab", false},
		{"ÿ?", "ÿé", true},
		{"**a", "a", true},
		{"*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{"Get*", "get-x", false},
		{"[A-Z]*", "Xy", true},
		{"[!a-z]*", "Xy", true},
		{"[!a-z]*", "xy", false},
		{"a[b-]c", "a-c", true},
		{"[\\]", "\\", true},
		{"[\\]]", "\\]", true},
		{"read_*", "read_file", true},
		{"read_*", "write_file", false},
	} {
		if got := Match(c.pat, c.name); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pat, c.name, got, c.want)
		}
	}
}

// slow is a reference matcher over the same tokens: plain recursion.
func slow(toks []token, rs []rune) bool {
	if len(toks) == 0 {
		return len(rs) == 0
	}
	if toks[0].kind == star {
		for i := 0; i <= len(rs); i++ {
			if slow(toks[1:], rs[i:]) {
				return true
			}
		}
		return false
	}
	return len(rs) > 0 && toks[0].matches(rs[0]) && slow(toks[1:], rs[1:])
}

func FuzzMatch(f *testing.F) {
	for _, s := range []string{"get-*", "[!a-c]?x*", "[]]*", "[", "*a*b", "\\[*]"} {
		f.Add(s, "get-abc]x")
	}
	f.Fuzz(func(t *testing.T, pat, name string) {
		if len(pat) > 24 || len(name) > 24 {
			t.Skip()
		}
		p := Compile(pat)
		got := p.Match(name)
		if want := slow(p.tokens, []rune(name)); got != want {
			t.Fatalf("Match(%q, %q) = %v, reference %v", pat, name, got, want)
		}
		if !HasMeta(pat) && utf8.ValidString(pat) && utf8.ValidString(name) && got != (pat == name) {
			t.Fatalf("a pattern without metacharacters %q matched %q: %v", pat, name, got)
		}
		if !Match("*", name) || !Match("*"+pat+"*", pat) && !HasMeta(pat) {
			t.Fatalf("* or *%s* does not match", pat)
		}
	})
}
