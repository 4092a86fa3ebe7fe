package interp

import (
	"testing"

	"github.com/wasmgw/wasmgw/abi"
)

// FuzzValidNameMatchesABI: the guest's sixteen-bytes-at-a-time name check
// accepts exactly the names of the one rule, abi.ValidSecretName.
func FuzzValidNameMatchesABI(f *testing.F) {
	for _, s := range []string{"", "A", "_x", "1A", "A-b.c_9", "a b", "Ä", "ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef.-0", string(make([]byte, 257))} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validName(s), abi.ValidSecretName(s); got != want {
			t.Fatalf("validName(%q) = %v, abi.ValidSecretName = %v", s, got, want)
		}
	})
}

// FuzzRefSpan holds refSpan to refName: the span it gives is the name.
func FuzzRefSpan(f *testing.F) {
	for _, s := range []string{"X", " X ", "env:X", " env: X ", "env:e", "env:", "\u00a0X\u2003", "env:env:X", "\xffX", "", " "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		i, j := refSpan(body)
		if got, want := body[i:j], refName(body); got != want {
			t.Fatalf("refSpan(%q) = %q, refName %q", body, got, want)
		}
	})
}
