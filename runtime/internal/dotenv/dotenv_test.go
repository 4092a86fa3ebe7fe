package dotenv

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/abi"
)

func TestParseSpecTable(t *testing.T) {
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
		vars, err := Parse("t.env", []byte(c.line))
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

func TestParseFile(t *testing.T) {
	src := "\xef\xbb\xbf# comment\n\nA=1\nB=2\nA=3\n   # indented comment\n"
	vars, err := Parse(".env", []byte(src))
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

func TestParseErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"A=1\nNOEQUALS\n", "p/.env line 2: missing '='"},
		{"=value", "p/.env line 1: empty key"},
		{"A=1\n\n1BAD=x", `p/.env line 3: invalid key "1BAD"`},
		{"BAD KEY=x", `invalid key "BAD KEY"`},
		{"A=\xff\xfe", "p/.env line 1: invalid UTF-8"},
	}
	for _, c := range cases {
		_, err := Parse("p/.env", []byte(c.src))
		var de *Error
		if !errors.As(err, &de) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v, want %q", c.src, err, c.want)
		}
	}
	// The error never carries a value.
	_, err := Parse(".env", []byte("sk-live-secret-value"))
	if err == nil || strings.Contains(err.Error(), "sk-live") {
		t.Fatalf("error %v leaks the line", err)
	}
}

func TestParseLeavesEnvironmentAlone(t *testing.T) {
	before := os.Environ()
	if _, err := Parse(".env", []byte("WASMGW_PARSE_PROBE=1\nPATH=/nowhere\n")); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, os.Environ()) {
		t.Fatal("Parse changed the process environment")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"KEY=value # comment", "TABBED=foo\t#tabbed", `DQ="has # inside" # trailing`,
		`KEY="a \" quote # x" # trail`, "export A='b'", "\xef\xbb\xbfA=1\nB", `X="\\\"`, "=", "#",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		vars, err := Parse("fuzz.env", data)
		if err != nil {
			var de *Error
			if !errors.As(err, &de) || de.Line < 1 {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		for k := range vars {
			if !abi.ValidSecretName(k) {
				t.Fatalf("accepted invalid key %q", k)
			}
		}
	})
}

// TestRead: a missing file is an empty one; a present one is parsed, and
// its errors name the path.
func TestRead(t *testing.T) {
	dir := t.TempDir()
	if vars, err := Read(filepath.Join(dir, "absent.env")); err != nil || vars != nil {
		t.Fatalf("missing file: %v, %v", vars, err)
	}
	path := filepath.Join(dir, ".env")
	if err := os.WriteFile(path, []byte("A=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if vars, err := Read(path); err != nil || vars["A"] != "1" {
		t.Fatalf("Read = %v, %v", vars, err)
	}
	if err := os.WriteFile(path, []byte("no equals sign\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var de *Error
	if _, err := Read(path); !errors.As(err, &de) || de.File != path || de.Line != 1 {
		t.Fatalf("Read of a bad file: %v", err)
	}
}

// TestInvalidKeyThatMayBeAValueIsNotShown: a pasted base64 or PEM body
// ends in '=' padding, so the text before it reads as a key; the error
// gives its length, never its text.
func TestInvalidKeyThatMayBeAValueIsNotShown(t *testing.T) {
	for _, line := range []string{
		"MIIEvQIBADANBgkqhkiG9w0BAQEFAASC+/x==",
		strings.Repeat("k", 41) + "!=x",
	} {
		_, err := Parse("p/.env", []byte("A=1\n"+line+"\n"))
		if err == nil {
			t.Fatalf("%q accepted", line)
		}
		key, _, _ := strings.Cut(line, "=")
		if strings.Contains(err.Error(), key[:12]) || !strings.Contains(err.Error(), "line 2: invalid key (") {
			t.Errorf("error %q for %q", err, line)
		}
	}
}
