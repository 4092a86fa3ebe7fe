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
