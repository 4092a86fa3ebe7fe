package runtime

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestParseDotenvSpecTable(t *testing.T) {
	cases := []struct{ line, key, want string }{
		{"KEY=value # comment", "KEY", "value"},
		{"TABBED=foo\t#tabbed", "TABBED", "foo"},
		{"KEY=foo#bar", "KEY", "foo#bar"},
		{"LEAD=#leading", "LEAD", "#leading"},
		{`DQ="has # inside" # trailing`, "DQ", "has # inside"},
		{`SQ='single # inside' # trailing`, "SQ", "single # inside"},
		{`KEY="a \" quote # x" # trail`, "KEY", `a " quote # x`},
		{"EMPTY=", "EMPTY", ""},
		{`export EXP=yes`, "EXP", "yes"},
		{`  SPACED  =  padded value  `, "SPACED", "padded value"},
		{`NL="a\nb"`, "NL", `a\nb`},
		{`BS="back\\slash"`, "BS", `back\slash`},
		{`RAW="abc" tail`, "RAW", `"abc" tail`},
		{`SQESC='no \' escapes'`, "SQESC", `no \' escapes`},
		{`UNCLOSED="abc`, "UNCLOSED", `"abc`},
		{`EQ=a=b=c`, "EQ", "a=b=c"},
		{"CRLF=value\r", "CRLF", "value"},
	}
	for _, c := range cases {
		vars, err := ParseDotenv("t.env", []byte(c.line))
		if err != nil {
			t.Errorf("%q: %v", c.line, err)
			continue
		}
		got, ok := vars[c.key]
		if !ok || got != c.want {
			t.Errorf("%q: %s = %q (present %v), want %q", c.line, c.key, got, ok, c.want)
		}
	}
}

func TestParseDotenvFile(t *testing.T) {
	src := "\xef\xbb\xbf# comment\n\nA=1\nB=2\nA=3\n   # indented comment\n"
	vars, err := ParseDotenv(".env", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(vars) != 2 || vars["A"] != "3" || vars["B"] != "2" {
		t.Fatalf("got %v", vars)
	}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"A", "B"}) {
		t.Fatalf("keys %v", keys)
	}
}

func TestParseDotenvErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"A=1\nNOEQUALS\n", "p/.env line 2: missing '='"},
		{"=value", "p/.env line 1: empty key"},
		{"A=1\n\n1BAD=x", `p/.env line 3: invalid key "1BAD"`},
		{"BAD KEY=x", `invalid key "BAD KEY"`},
		{"A=\xff\xfe", "p/.env line 1: invalid UTF-8"},
	}
	for _, c := range cases {
		_, err := ParseDotenv("p/.env", []byte(c.src))
		var de *DotenvError
		if !errors.As(err, &de) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v, want %q", c.src, err, c.want)
		}
	}
	// The error never carries a value.
	_, err := ParseDotenv(".env", []byte("sk-live-secret-value"))
	if err == nil || strings.Contains(err.Error(), "sk-live") {
		t.Fatalf("error %v leaks the line", err)
	}
}

func TestParseDotenvLeavesEnvironmentAlone(t *testing.T) {
	before := os.Environ()
	if _, err := ParseDotenv(".env", []byte("WASMGW_PARSE_PROBE=1\nPATH=/nowhere\n")); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, os.Environ()) {
		t.Fatal("ParseDotenv changed the process environment")
	}
}

func FuzzParseDotenv(f *testing.F) {
	for _, s := range []string{
		"KEY=value # comment", "TABBED=foo\t#tabbed", `DQ="has # inside" # trailing`,
		`KEY="a \" quote # x" # trail`, "export A='b'", "\xef\xbb\xbfA=1\nB", `X="\\\"`, "=", "#",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		vars, err := ParseDotenv("fuzz.env", data)
		if err != nil {
			var de *DotenvError
			if !errors.As(err, &de) || de.Line < 1 {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		for k := range vars {
			if !ValidSecretName(k) {
				t.Fatalf("accepted invalid key %q", k)
			}
		}
	})
}
