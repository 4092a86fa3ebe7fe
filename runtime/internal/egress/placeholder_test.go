package egress

import (
	"strings"
	"testing"
)

// validName is the secret name grammar the runtime passes in
// (ValidSecretName: [A-Za-z_][A-Za-z0-9_.-]*, at most 256 bytes).
func validName(name string) bool {
	if name == "" || len(name) > 256 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z':
		case i > 0 && ('0' <= c && c <= '9' || c == '.' || c == '-'):
		default:
			return false
		}
	}
	return true
}

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
