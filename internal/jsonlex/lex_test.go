package jsonlex

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzString holds String and Unquote to encoding/json: a quoted input is
// accepted as a whole literal iff json.Unmarshal into a string accepts it,
// and decodes to the same string.
func FuzzString(f *testing.F) {
	for _, s := range []string{`""`, `"abc"`, `"a\"b\\c\/\b\f\n\r\t"`, `"\u00e9\ud83d\ude00"`, `"\ud800"`, `"\ud800\u0041"`,
		`"\udc00\ud800"`, "\"\xff\xe2\x82\"", `"\u12"`, `"\u12x4"`, "\"a\x01\"", `"\q"`, `"abc`, `"\`, `"a"b`, `"é😀"`,
		`"` + strings.Repeat("x", 40) + `\n"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var want string
		err := json.Unmarshal([]byte(in), &want)
		if len(in) == 0 || in[0] != '"' {
			return
		}
		end, fl := String(in, 0)
		accepted := fl&Invalid == 0 && end == len(in)
		if fl&Invalid == 0 && end < len(in) {
			// A literal followed by more: encoding/json refuses the whole
			// input, but the literal alone must be valid.
			var pre string
			if e := json.Unmarshal([]byte(in[:end]), &pre); e != nil {
				t.Fatalf("%q: String accepted %q, encoding/json refuses it: %v", in, in[:end], e)
			}
			return
		}
		if fl&Invalid != 0 && (end < 0 || end > len(in)) {
			t.Fatalf("%q: problem offset %d out of range", in, end)
		}
		if accepted != (err == nil) {
			t.Fatalf("%q: String accepted=%v (end %d, flags %b), encoding/json: %v", in, accepted, end, fl, err)
		}
		if !accepted {
			return
		}
		got := in[1 : end-1]
		if fl&(Escaped|BadUTF8) != 0 {
			got = Unquote(got)
		}
		if got != want {
			t.Fatalf("%q: decoded %q, encoding/json %q", in, got, want)
		}
	})
}

// FuzzNumber holds Number to encoding/json: an input is accepted as a
// number (then white space) iff json.Unmarshal into a json.Number accepts
// it, and the number is the same text.
func FuzzNumber(f *testing.F) {
	for _, s := range []string{"0", "-0", "1", "-12.5e+3", "1E9", "01", "1.", "-", ".5", "1e", "1e+", "--1", "0x1", "1.5e-07", "+1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var n json.Number
		err := json.Unmarshal([]byte(in), &n)
		if len(in) == 0 || in[0] != '-' && (in[0] < '0' || in[0] > '9') {
			return // not a number for encoding/json either: its other values
		}
		end, ok := Number(in, 0)
		if end < 0 || end > len(in) {
			t.Fatalf("%q: Number returned %d", in, end)
		}
		accepted := ok && Space(in, end) == len(in) // encoding/json allows trailing white space
		if accepted != (err == nil) {
			t.Fatalf("%q: Number accepted=%v (end %d), encoding/json: %v", in, accepted, end, err)
		}
		if accepted && string(n) != in[:end] {
			t.Fatalf("%q: encoding/json read %q", in, n)
		}
	})
}

func TestSpace(t *testing.T) {
	for _, c := range []struct {
		in      string
		at, end int
	}{{"", 0, 0}, {" \t\r\nx", 0, 4}, {"x ", 0, 0}, {"a  ", 1, 3}, {"\v", 0, 0}} {
		if got := Space(c.in, c.at); got != c.end {
			t.Errorf("Space(%q, %d) = %d, want %d", c.in, c.at, got, c.end)
		}
	}
}

// TestStringProblemOffsets pins where String reports each kind of problem.
func TestStringProblemOffsets(t *testing.T) {
	for _, c := range []struct {
		in  string
		end int
	}{{`"abc`, 4}, {"\"a\x01\"", 2}, {`"a\q"`, 3}, {`"a\u12x4"`, 6}, {`"a\u12`, 6}, {`"a\`, 3}} {
		end, fl := String(c.in, 0)
		if fl&Invalid == 0 || end != c.end {
			t.Errorf("String(%q) = %d, %b; want Invalid at %d", c.in, end, fl, c.end)
		}
	}
	if end, fl := String(`"a\u00e9b" x`, 0); fl != Escaped || end != 10 {
		t.Errorf("escaped literal: %d, %b", end, fl)
	}
	if end, fl := String("\"\xffé\"", 0); fl != BadUTF8 || end != 5 {
		t.Errorf("bad UTF-8: %d, %b", end, fl)
	}
}

// TestPlainFindsTheFirstStop puts one stop byte at every position of a
// plain run: the eight-at-a-time scan must find exactly it.
func TestPlainFindsTheFirstStop(t *testing.T) {
	for _, stop := range []byte{'"', '\\', 0, 0x1f, 0x80, 0xff} {
		for n := range 20 {
			s := strings.Repeat("~ !#[]\x7f0", 3)[:n] + string([]byte{stop, '"', 0})
			if got := Plain(s, 0); got != n {
				t.Errorf("stop %#x after %d plain bytes: found at %d", stop, n, got)
			}
		}
	}
}

// TestNoAllocations: only Unquote allocates (its result).
func TestNoAllocations(t *testing.T) {
	in := `"a\u00e9\ud83d\ude00 \"quoted\" and some more text" -12.5e+3   `
	if n := testing.AllocsPerRun(100, func() {
		end, _ := String(in, 0)
		end = Space(in, end)
		end, _ = Number(in, end)
		_ = Space(in, end)
	}); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

// FuzzUnquote: Unquote is total. Whatever the body, escapes cut short or
// not hex included, it returns without panicking, and on a body String
// accepts it agrees with encoding/json (FuzzString holds that part).
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`a\`, `\`, `\u`, `\u12`, `\ud800\u`, `\ud800\`, `\uzzzz`, `a\x`, "\xff\\", ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got := Unquote(body)
		end, fl := String(`"`+body+`"`, 0)
		if fl&Invalid != 0 || end != len(body)+2 {
			return
		}
		var want string
		if err := json.Unmarshal([]byte(`"`+body+`"`), &want); err != nil {
			t.Fatalf("%q: String accepts it, encoding/json refuses it: %v", body, err)
		}
		if got != want {
			t.Fatalf("%q: Unquote %q, encoding/json %q", body, got, want)
		}
	})
}
