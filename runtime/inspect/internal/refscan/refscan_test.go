package refscan

import (
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/abi"
)

func TestScan(t *testing.T) {
	for in, want := range map[string]string{
		"plain":            "",
		"${A}":             "A",
		"x${env:B}y${ C }": "B,C",
		"${env: D.e-1 }":   "D.e-1",
		"${X:-y}":          "?",
		"${}":              "?",
		"${1BAD}":          "?",
		"${unclosed":       "",
		"$A ${A} $${B}":    "A,B",
		"${A}${A}":         "A,A",
		"${env:${B}}":      "?",
	} {
		var got []string
		for _, r := range Scan(in) {
			if r.Name == "" {
				got = append(got, "?")
			} else {
				got = append(got, r.Name)
			}
		}
		if strings.Join(got, ",") != want {
			t.Errorf("Scan(%q) = %v, want %s", in, got, want)
		}
	}
}

func FuzzScan(f *testing.F) {
	for _, s := range []string{"${TOKEN}", "Bearer ${env:MY_MCP_TOKEN}", "${X:-default} ${}", "${unclosed", "a${A}b${ env: B }c", "$${A}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rest := s
		for _, r := range Scan(s) {
			i := strings.Index(rest, r.Literal)
			if i < 0 || !strings.HasPrefix(r.Literal, "${") || !strings.HasSuffix(r.Literal, "}") {
				t.Fatalf("reference %+v is not in %q in order", r, s)
			}
			rest = rest[i+len(r.Literal):]
			if r.Name != "" && (!abi.ValidSecretName(r.Name) || !strings.Contains(r.Literal, r.Name)) {
				t.Fatalf("reference %+v: bad name", r)
			}
		}
	})
}
