package yamlerr

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Every error names the line where the problem is (1-based, as an editor
// shows it).
func TestFixNamesTheRightLine(t *testing.T) {
	t.Parallel()
	for doc, want := range map[string]string{
		"model: x\n\nwasmgw:\n  modules:\n    a: builtin:whoami\n    b: [unclosed\n  limits:\n    memory: 1MiB\n": "line 6: invalid YAML: did not find expected ',' or ']'",
		"a:\n  b: 1\n c: 2\n":             "line 3: invalid YAML: did not find expected key",
		"a: 1\n- b\n":                     "line 2: invalid YAML: did not find expected key",
		"a: 1\nb: \"unterminated\nc: 3\n": "line 2: invalid YAML: found unexpected end of stream",
		"x:\n  y: 1\n  z\n":               "line 3: invalid YAML: could not find expected ':'",
		"a: 1\nb:\n\tc: 2\n":              "line 3: invalid YAML: found character that cannot start any token",
	} {
		var n yaml.Node
		err := yaml.Unmarshal([]byte(doc), &n)
		if err == nil {
			t.Fatalf("%q parsed", doc)
		}
		got := Fix("config.yaml", err).Error()
		if !strings.HasSuffix(got, want) || !strings.HasPrefix(got, "config.yaml ") {
			t.Errorf("%q: %s, want config.yaml %s", doc, got, want)
		}
	}
}

func FuzzFix(f *testing.F) {
	f.Add("a: [\n")
	f.Fuzz(func(t *testing.T, doc string) {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
			if !strings.HasPrefix(Fix("f", err).Error(), "f") {
				t.Fatal(err)
			}
		}
	})
}
