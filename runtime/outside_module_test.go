package runtime_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// TestModuleOutsideTheRepo follows docs/abi.md "Writing a module outside
// this repo": a module of its own, requiring this one through a replace to
// the checkout, builds for wasip1 and its tool is called by the host.
func TestModuleOutsideTheRepo(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds a Go module (-short)")
	}
	root := runtimetest.RepoRoot(t)
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/greet\n\ngo 1.26\n")
	write("main.go", `package main

import "github.com/wasmgw/wasmgw/guest"

func init() {
	guest.Tool("greet", "Greets someone by name.", func(in struct {
		Name string `+"`json:\"name\"`"+`
	}) (string, error) {
		return "hello " + in.Name, nil
	})
}

func main() {}
`)
	gocmd := func(env []string, args ...string) {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		// The module cache already holds every dependency: no network.
		cmd.Env = append(os.Environ(), append([]string{"GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off"}, env...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			if strings.Contains(string(out), "module lookup disabled") {
				t.Skipf("the module cache lacks a dependency of the SDK's module (run go mod download): %s", out)
			}
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	gocmd(nil, "mod", "edit", "-require", "github.com/wasmgw/wasmgw@v0.0.0", "-replace", "github.com/wasmgw/wasmgw="+root)
	gocmd(nil, "mod", "tidy")
	gocmd([]string{"GOOS=wasip1", "GOARCH=wasm"}, "build", "-buildmode=c-shared", "-trimpath", "-o", "greet.wasm", ".")
	runtimetest.Warm(filepath.Join(dir, "greet.wasm"))

	home := runtimetest.Home(t, map[string]runtimetest.Profile{
		"p": {Config: "wasmgw:\n  modules:\n    greet:\n      path: " + filepath.Join(dir, "greet.wasm") + "\n      grants: []\n"},
	})
	ten, err := runtimetest.Engine(t, nil, nil).Open(context.Background(), runtimetest.OpenProfile(t, home, "p"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := ten.CallTool(context.Background(), "greet", []byte(`{"name":"ada"}`))
	if err != nil || string(out) != `"hello ada"` {
		t.Fatalf("greet = %s, %v", out, err)
	}
}
