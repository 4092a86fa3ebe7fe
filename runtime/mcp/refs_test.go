package mcp

import (
	"strings"
	"testing"
)

func TestSplitArgsTemplateKeepsReferencesWhole(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`--key ${TOKEN}`:            `["--key","${TOKEN}"]`,
		`--key "${ env: TOKEN }" x`: `["--key","${ env: TOKEN }","x"]`,
		`-H 'a b' ${A}${B}`:         `["-H","a b","${A}${B}"]`,
		`["--key", "${TOKEN}", 3]`:  `["--key","${TOKEN}","3"]`,
	} {
		v, err := splitArgsTemplate(in)
		if err != nil || string(v.JSON()) != want {
			t.Errorf("%s: %s %v, want %s", in, v.JSON(), err, want)
		}
	}
	if _, err := splitArgsTemplate("a\x00${X}"); err == nil {
		t.Error("a NUL byte was accepted")
	}
}

// FuzzSplitArgsTemplate: never panics, and every reference of the input
// comes out whole inside one argument.
func FuzzSplitArgsTemplate(f *testing.F) {
	for _, s := range []string{`--key ${TOKEN}`, `"${ a b }" c`, `'${x' }`, `[1, "${A}"]`, `\${A}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !strings.Contains(s, "${") || strings.TrimSpace(s) == "" {
			return
		}
		v, err := splitArgsTemplate(s)
		if err != nil || strings.HasPrefix(strings.TrimSpace(s), "[") || strings.HasPrefix(strings.TrimSpace(s), "{") {
			return
		}
		all := ""
		for _, it := range v.Items {
			all += it.Str + "\x00"
		}
		for _, sp := range RefSpans(s) {
			if !strings.Contains(all, s[sp.Start:sp.End]) {
				t.Fatalf("%q: reference %q split or lost: %q", s, s[sp.Start:sp.End], all)
			}
		}
	})
}
