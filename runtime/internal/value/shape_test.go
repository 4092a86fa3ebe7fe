package value

import (
	"reflect"
	"testing"
)

func TestSameShapeAndPaths(t *testing.T) {
	a, _ := ParseJSON([]byte(`{"command":"x","args":["a",1,true,null],"env":{"X.Y":"v"},"n":1.0}`))
	ok := []string{
		`{"command":"y","args":["b",1,true,null],"env":{"X.Y":"w"},"n":1}`,
		`{"n":1e0,"env":{"X.Y":""},"args":["",1,true,null],"command":""}`,
	}
	for _, s := range ok {
		b, err := ParseJSON([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		if p, same := SameShape(a, b); !same {
			t.Errorf("%s: differs at %q", s, p)
		}
	}
	for s, wantPath := range map[string]string{
		`{"command":1,"args":["a",1,true,null],"env":{"X.Y":"v"},"n":1}`:         "command",
		`{"command":"x","args":["a",1,false,null],"env":{"X.Y":"v"},"n":1}`:      "args[2]",
		`{"command":"x","args":["a",1,true],"env":{"X.Y":"v"},"n":1}`:            "args",
		`{"command":"x","args":["a",1,true,null],"env":{"X.Z":"v"},"n":1}`:       `env["X.Y"]`,
		`{"command":"x","args":["a",1,true,null],"env":{"X.Y":"v"},"n":2}`:       "n",
		`{"command":"x","args":["a",1,true,null],"env":{"X.Y":"v"},"m":1}`:       "n",
		`{"command":"x","args":["a",1,true,null],"env":{"X.Y":"v"},"n":1,"o":1}`: "",
	} {
		b, err := ParseJSON([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		if p, same := SameShape(a, b); same || p != wantPath {
			t.Errorf("%s: same=%v at %q, want a difference at %q", s, same, p, wantPath)
		}
	}
	var paths []string
	a.Leaves(func(p string, _ *Value) { paths = append(paths, p) })
	if !reflect.DeepEqual(paths, []string{"command", "args[0]", `env["X.Y"]`}) {
		t.Errorf("leaves %q", paths)
	}
	if a.At(`env["X.Y"]`).Str != "v" || a.At("args[1]").Str != "1" || a.At("nope") != nil {
		t.Error("At")
	}
}
