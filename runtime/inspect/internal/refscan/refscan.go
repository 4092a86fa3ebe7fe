// Package refscan finds the ${NAME} and ${env:NAME} references of an MCP
// server entry's strings, with the interpolation module's rules, so that
// the audit can name the secrets an entry reads without resolving it.
package refscan

import (
	"strings"

	"github.com/wasmgw/wasmgw/abi"
)

// Ref is one ${...} occurrence in a string.
type Ref struct {
	// Name is the variable name; empty for an unsupported form.
	Name string
	// Literal is the reference as written ("${env:TOKEN}").
	Literal string
}

// Scan returns the ${NAME} and ${env:NAME} references of s, left to
// right, with the interpolation module's rules (guest/interp): the body up
// to the first '}' is trimmed and an "env:" prefix removed; a body that is
// then not a secret name ([A-Za-z_][A-Za-z0-9_.-]*, at most 256 bytes) is
// an unsupported form (Name ""); a "${" with no closing brace ends the scan.
func Scan(s string) []Ref {
	var refs []Ref
	for {
		start := strings.Index(s, "${")
		if start < 0 {
			return refs
		}
		end := strings.IndexByte(s[start+2:], '}')
		if end < 0 {
			return refs
		}
		end += start + 2
		literal := s[start : end+1]
		s = s[end+1:]
		name := strings.TrimSpace(literal[2 : len(literal)-1])
		if rest, ok := strings.CutPrefix(name, "env:"); ok {
			name = strings.TrimSpace(rest)
		}
		if !abi.ValidSecretName(name) {
			name = ""
		}
		refs = append(refs, Ref{Name: name, Literal: literal})
	}
}
