package mcp

import (
	"reflect"
	"testing"
)

func TestBuildEnv(t *testing.T) {
	env := buildEnv([]string{"PATH=/bin", "HOME=/h", "XDG_X=1", "XDG_=no", "AWS_SECRET=no", "PATH=/usr/bin", "LANG"}, map[string]string{"HOME": "/override", "K": "v"})
	want := []string{"HOME=/override", "K=v", "PATH=/usr/bin", "XDG_X=1"}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("buildEnv = %q, want %q", env, want)
	}
	if e := buildEnv(nil, nil); e == nil || len(e) != 0 {
		t.Errorf("buildEnv(nil, nil) = %#v, want an empty non-nil list", e)
	}
}
