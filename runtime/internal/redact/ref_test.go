package redact

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// The reference: the scrubbing as it was before the one-pass matcher (a
// replacer over the whole text, a bytes.Contains per value), kept to check
// the matcher against. It uses the Set's replacers, which did not change.

func refText(s *Set, text string, m Mode) string {
	if s.Len() == 0 || text == "" {
		return text
	}
	return s.replacer(m, true).Replace(text)
}

func refOutput(s *Set, b []byte, m Mode) []byte {
	if s.Len() == 0 || len(b) == 0 {
		return b
	}
	if !json.Valid(b) {
		return []byte(refText(s, string(b), m))
	}
	values := make([][]byte, 0, s.Len())
	for _, v := range s.Values() {
		values = append(values, []byte(v))
	}
	has := func(text []byte) bool {
		for _, v := range values {
			if bytes.Contains(text, v) {
				return true
			}
		}
		return false
	}
	escaped := bytes.IndexByte(b, '\\') >= 0
	if !escaped && !has(b) {
		return b
	}
	r := s.replacer(m, false)
	var out []byte
	last := 0
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		end := stringEnd(b, i)
		tok := b[i : end+1]
		var str string
		if bytes.IndexByte(tok, '\\') < 0 && utf8.Valid(tok) {
			if !has(tok) {
				i = end
				continue
			}
			str = string(tok[1 : len(tok)-1])
		} else if d, ok := decodeString(tok); ok {
			str = d
		} else {
			i = end
			continue
		}
		if scrubbed := r.Replace(str); scrubbed != str {
			if out == nil {
				out = make([]byte, 0, len(b))
			}
			out = append(out, b[last:i]...)
			out = appendJSONString(out, scrubbed)
			last = end + 1
		}
		i = end
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// FuzzScrubMatchesReference: for any set of values and any text, Text,
// Output and OutputValid give what the reference gives.
func FuzzScrubMatchesReference(f *testing.F) {
	f.Add("sk-live-9f8e7d6c5b4a\x00ghp_0123456789abcdefXYZ", `{"k":"sk-live-9f8e7d6c5b4a","n":1}`)
	f.Add(`p"a\ss/wörd<9>`+"\x00sk-test-abc123XYZ", `{"a":"p\"a\\ss\/w\u00f6rd\u003c9>"}`)
	f.Add("hunter22\x00hunter22-longer", `not json hunter22-longer and hunter22`)
	f.Add("abcd1234efgh\x00abcd9876wxyz", `["abcd1234efghabcd9876wxyz",{"abcd":"\u0061bcd1234efgh"}]`)
	f.Add("tab\tsecret-9X\x00zz", "{\"x\":\"tab\tsecret-9X\"}")
	f.Fuzz(func(t *testing.T, values, text string) {
		m := map[string]string{}
		for i, v := range strings.Split(values, "\x00") {
			m["V"+string(rune('A'+i%26))+strings.Repeat("_", i/26)] = v
		}
		s := NewSet(m)
		for _, mode := range []Mode{Anonymous, Named} {
			if got, want := s.Text(text, mode), refText(s, text, mode); got != want {
				t.Fatalf("Text(%q) = %q, reference %q", text, got, want)
			}
			want := refOutput(s, []byte(text), mode)
			if got := s.Output([]byte(text), mode); !bytes.Equal(got, want) {
				t.Fatalf("Output(%q) = %q, reference %q", text, got, want)
			}
			got, valid := s.OutputValid([]byte(text), mode)
			if !bytes.Equal(got, want) || valid != json.Valid(want) {
				t.Fatalf("OutputValid(%q) = %q, %v; reference %q, %v", text, got, valid, want, json.Valid(want))
			}
		}
	})
}

// FuzzMatcher: the matcher finds a pattern exactly when one occurs.
func FuzzMatcher(f *testing.F) {
	f.Add("abcdefgh\x00xyz\x00abcdXXXX", "..abcdXXXX..")
	f.Add("0123456789", "012345678")
	f.Fuzz(func(t *testing.T, patterns, text string) {
		ps := strings.Split(patterns, "\x00")
		m := newMatcher(ps)
		want := false
		for _, p := range ps {
			want = want || strings.Contains(text, p)
		}
		if got := m.inString(text); got != want {
			t.Fatalf("inString(%q) over %q = %v, want %v", text, ps, got, want)
		}
		if got := m.in([]byte(text)); got != want {
			t.Fatalf("in(%q) over %q = %v, want %v", text, ps, got, want)
		}
	})
}

// TestScrubNothingMatchedAllocatesNothing: text and JSON that hold none of
// the values cost no allocation.
func TestScrubNothingMatchedAllocatesNothing(t *testing.T) {
	m := map[string]string{}
	for i := range 20 {
		m["V"+string(rune('A'+i))] = "value-" + string(rune('a'+i)) + "-0123456789abcdef"
	}
	s := NewSet(m)
	text := strings.Repeat("some ordinary words, value- and 0123456789 ", 50)
	doc := []byte(`{"text":"` + text + `","n":[1,2,3]}`)
	s.Text(text, Named) // build the matchers
	s.Output(doc, Anonymous)
	if n := testing.AllocsPerRun(100, func() { _ = s.Text(text, Named) }); n != 0 {
		t.Errorf("Text allocates %v times when nothing matches", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = s.OutputValid(doc, Anonymous) }); n != 0 {
		t.Errorf("OutputValid allocates %v times when nothing matches", n)
	}
}
