package interp

import (
	"bytes"
	"strings"
	"testing"
)

// The word searches, each against the byte loop it replaces.

// escapes reports whether appendEscaped does not copy c as it is.
func escapes(c byte) bool { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80 }

func refNextEscape(s string, i int) int {
	for ; i < len(s) && !escapes(s[i]); i++ {
	}
	return i
}

func refNextSpecial(s string, i int) int {
	for ; i < len(s) && !escapes(s[i]) && s[i] != '$'; i++ {
	}
	return i
}

func refIndexByte(s string, i int, c byte) int {
	if j := strings.IndexByte(s[i:], c); j >= 0 {
		return i + j
	}
	return -1
}

func refIndexRef(s string, i int) int {
	if j := strings.Index(s[i:], "${"); j >= 0 {
		return i + j
	}
	return -1
}

// FuzzWordScans checks nextEscape, nextSpecial, indexByte and indexRef
// from every offset of any text: the words' masks flag false positives
// after the first match, and the padded last block must not see past the
// text.
func FuzzWordScans(f *testing.F) {
	f.Add("plain ascii text that is longer than thirty-two bytes, with a $ and a ${ref}", byte('$'))
	f.Add("\x00\x1f\x20\"\\\x7f\x80\xff$${}{", byte('}'))
	f.Add(strings.Repeat("a", 31)+"\"", byte('"'))
	f.Add(strings.Repeat("$", 40)+"{", byte('{'))
	f.Add("é\u2028${A}", byte(0xa9))
	f.Fuzz(func(t *testing.T, s string, c byte) {
		for i := 0; i <= len(s); i++ {
			if got, want := nextEscape(s, i), refNextEscape(s, i); got != want {
				t.Fatalf("nextEscape(%q, %d) = %d, want %d", s, i, got, want)
			}
			if got, want := nextEscape([]byte(s), i), refNextEscape(s, i); got != want {
				t.Fatalf("nextEscape([]byte(%q), %d) = %d, want %d", s, i, got, want)
			}
			if got, want := nextSpecial(s, i), refNextSpecial(s, i); got != want {
				t.Fatalf("nextSpecial(%q, %d) = %d, want %d", s, i, got, want)
			}
			if got, want := indexByte(s, i, c), refIndexByte(s, i, c); got != want {
				t.Fatalf("indexByte(%q, %d, %q) = %d, want %d", s, i, c, got, want)
			}
			if got, want := indexRef(s, i), refIndexRef(s, i); got != want {
				t.Fatalf("indexRef(%q, %d) = %d, want %d", s, i, got, want)
			}
		}
	})
}

// TestValuesCopiedOrEscaped checks the two ways a resolved value is
// written: a value with nothing to escape is copied as it is, any other
// is escaped, and the choice is made per value, not per call.
func TestValuesCopiedOrEscaped(t *testing.T) {
	lookup := vars(map[string]string{
		"PLAIN": "abc-0123456789-abcdefghijklmnopqrstuvwxyz",
		"QUOTE": `say "hi"`,
		"CTRL":  "a\tb\x01",
		"UTF8":  "é€😀",
		"BAD":   "a\xffb",
	})
	res, err := Resolve([]byte(`{"a":"${PLAIN}","b":"${QUOTE}","c":"${CTRL}","d":"${UTF8}","e":"<${PLAIN}|${UTF8}>","f":"${BAD}"}`), lookup)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":"abc-0123456789-abcdefghijklmnopqrstuvwxyz","b":"say \"hi\"","c":"a\tb\u0001","d":"é€😀",` +
		`"e":"<abc-0123456789-abcdefghijklmnopqrstuvwxyz|é€😀>","f":"a\ufffdb"}`
	if string(res.Entry) != want {
		t.Fatalf("got  %s\nwant %s", res.Entry, want)
	}
}

// FuzzPlain holds plain to a byte loop, and checks that escaping leaves a
// plain text as it is (a text with valid non-ASCII UTF-8 is not plain but
// is copied too: plain only saves the escaping of the common case).
func FuzzPlain(f *testing.F) {
	f.Add([]byte("value-01-0123456789abcdef"))
	f.Add([]byte("1234567\""))
	f.Add([]byte("12345678\x7f\x80"))
	f.Add([]byte("a\\"))
	f.Fuzz(func(t *testing.T, s []byte) {
		want := true
		for _, c := range s {
			want = want && !escapes(c)
		}
		got := plain(s)
		if got != want {
			t.Fatalf("plain(%q) = %v, want %v", s, got, want)
		}
		if got && string(appendEscaped(nil, s)) != string(s) {
			t.Fatalf("plain(%q), but escaping changes it", s)
		}
	})
}

// FuzzSameText holds sameText to bytes.Equal, for texts that differ in
// one byte anywhere and for texts of every length up to a few words.
func FuzzSameText(f *testing.F) {
	f.Add([]byte("0123456789abcdef0123456789abcdef0123456789"), uint16(40), byte(1))
	f.Add([]byte("short"), uint16(2), byte(0))
	f.Fuzz(func(t *testing.T, a []byte, at uint16, flip byte) {
		b := bytes.Clone(a)
		if len(b) > 0 {
			b[int(at)%len(b)] ^= flip
		}
		for n := 0; n <= len(a); n++ {
			if got, want := sameText(a[:n], string(b[:n])), bytes.Equal(a[:n], b[:n]); got != want {
				t.Fatalf("sameText(%q, %q) = %v", a[:n], b[:n], got)
			}
		}
		if sameText(a, string(b)+"x") {
			t.Fatal("texts of different lengths are the same")
		}
	})
}
