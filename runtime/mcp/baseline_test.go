package mcp_test

import (
	"slices"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/mcp"
)

// The baseline is a security policy: a caller that changes the slice it
// got changes neither the policy nor what the next caller sees.
func TestBaselineNamesCannotBeChanged(t *testing.T) {
	t.Parallel()
	names := mcp.BaselineNames()
	want := slices.Clone(names)
	names[0] = "OPENAI_API_KEY"
	_ = append(names, "AWS_SECRET_ACCESS_KEY")
	if got := mcp.BaselineNames(); !slices.Equal(got, want) {
		t.Fatalf("BaselineNames() = %v after a caller changed its copy, want %v", got, want)
	}
	env := mcp.Baseline([]string{"OPENAI_API_KEY=sk-fake", "AWS_SECRET_ACCESS_KEY=fake", "PATH=/bin"})
	if len(env) != 1 || env["PATH"] != "/bin" {
		t.Fatalf("Baseline = %v, want only PATH", env)
	}
	// Every listed name is passed on; nothing else but XDG_*.
	var environ []string
	for _, n := range want {
		environ = append(environ, n+"=x")
	}
	environ = append(environ, "XDG_CONFIG_HOME=x", "XDG_=x", "HOSTNAME=x")
	got := mcp.Baseline(environ)
	if len(got) != len(want)+1 || got["XDG_CONFIG_HOME"] != "x" {
		t.Fatalf("Baseline = %v, want %v and XDG_CONFIG_HOME", got, want)
	}
}
