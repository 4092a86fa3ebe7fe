package egress

import (
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/abi"
)

// validName is the secret name grammar the runtime passes in.
var validName = abi.ValidSecretName

func TestFindPlaceholders(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		err  bool
	}{
		{"Bearer {{secret:OPENAI_API_KEY}}", "OPENAI_API_KEY", false},
		{"{{secret:A}}-{{secret:B.c}}", "A,B.c", false},
		{"no placeholder {{ secret:A }}", "", false},
		{"{{secret:}}", "", true},
		{"{{secret:bad name}}", "", true},
		{"{{secret:A", "", true},
		{"{{secret:{{secret:A}}}}", "", true},
	} {
		names, err := FindPlaceholders(c.in, MaxPlaceholderRefs, validName)
		if (err != nil) != c.err || strings.Join(names, ",") != c.want {
			t.Errorf("%q: %v %v", c.in, names, err)
		}
	}
}
