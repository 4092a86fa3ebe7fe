package jsonlex

import (
	"encoding/json"
	"strings"
	"testing"
)

// validSeeds are inputs at the edges of the grammar, for both the fuzz
// target and the table test.
var validSeeds = []string{
	``, ` `, `{}`, `[]`, ` { } `, `[ ]`, `null`, `true`, `false`, `nul`, `truex`, `0`, `-0`, `01`, `1.`, `1e5`, `-`,
	`"a"`, `"\u00e9"`, "\"\xff\"", "\"a\x01\"", `"\q"`, `{"a":1}`, `{"a":1,}`, `{,}`, `{"a"}`, `{"a":}`, `{1:2}`,
	`[1,2,3]`, `[1,]`, `[,1]`, `[1 2]`, `{"a":[{"b":null}],"c":{"d":[true,false]}}`, `{"a":1}{}`, `[1]]`, `[[]`,
	`{"a":1]`, `[1}`, "\t\n\r [1]\n", `[` + strings.Repeat(`"x",`, 20) + `"x"]`, `{"a":"b" "c":1}`, `"\ud800"`,
}

func TestValidAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range validSeeds {
		if got, want := Valid(s), json.Valid([]byte(s)); got != want {
			t.Errorf("Valid(%q) = %v, encoding/json says %v", s, got, want)
		}
	}
}

// TestValidNestingLimit: encoding/json refuses more than 10,000 levels of
// nesting; Valid refuses exactly where it does, empty containers included,
// and beyond 256 levels (where its stack leaves the Go stack) agrees too.
func TestValidNestingLimit(t *testing.T) {
	for _, n := range []int{255, 256, 257, MaxDepth - 1, MaxDepth, MaxDepth + 1} {
		for _, shape := range []struct{ open, inner, close string }{
			{"[", "", "]"}, {"[", "[]", "]"}, {`{"k":`, "1", "}"}, {`{"k":`, "{}", "}"}, {`[{"k":`, "0", "}]"},
		} {
			s := strings.Repeat(shape.open, n) + shape.inner + strings.Repeat(shape.close, n)
			if got, want := Valid(s), json.Valid([]byte(s)); got != want {
				t.Errorf("%d levels of %s%s%s: Valid %v, encoding/json %v", n, shape.open, shape.inner, shape.close, got, want)
			}
		}
	}
}

func TestValidAllocatesNothing(t *testing.T) {
	s := `{"a":[1,2,{"b":"c\n"}],"d":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`
	if n := testing.AllocsPerRun(100, func() { Valid(s) }); n != 0 {
		t.Fatalf("Valid allocated %v times", n)
	}
}

// FuzzValid holds Valid to encoding/json.Valid on every input.
func FuzzValid(f *testing.F) {
	for _, s := range validSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if got, want := Valid(in), json.Valid([]byte(in)); got != want {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", in, got, want)
		}
		if ValidBytes([]byte(in)) != Valid(in) {
			t.Fatalf("ValidBytes(%q) differs from Valid", in)
		}
	})
}

func BenchmarkValid(b *testing.B) {
	small := `{}`
	mid := `{"profile":"p42","session_key":"bench:dm:chat-17","platform":"bench","chat_id":"chat-17","text":"/call whoami {}","tools":[{"name":"whoami","description":"Reports which profile and module this is."}],"n":[1,2.5,-3e4,true,null]}`
	big := `{"text":"` + strings.Repeat("lorem ipsum dolor sit amet, ", 360) + `"}`
	for _, c := range []struct{ name, s string }{{"2B", small}, {"250B", mid}, {"10KB", big}} {
		b.Run(c.name+"/jsonlex", func(b *testing.B) {
			b.SetBytes(int64(len(c.s)))
			for b.Loop() {
				Valid(c.s)
			}
		})
		b.Run(c.name+"/encoding-json", func(b *testing.B) {
			bs := []byte(c.s)
			b.SetBytes(int64(len(c.s)))
			for b.Loop() {
				json.Valid(bs)
			}
		})
	}
}
