package runtime_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// TestOnlyThePatchedWazero fails if any Go file of the module imports the
// upstream wazero: wasmgw runs on the patched copy in runtime/internal/_wazero
// (RATIONALE.md), and "go mod tidy" would quietly add the upstream module
// back for a stray import, leaving guests on the slow termination checks.
func TestOnlyThePatchedWazero(t *testing.T) {
	t.Parallel()
	root := runtimetest.RepoRoot(t)
	copyDir := filepath.Join(root, "runtime", "internal", "_wazero")
	// Spelled in two pieces so that this file does not match itself.
	upstreamPath := "github.com/" + "tetratelabs/wazero"
	upstream := []byte(`"` + upstreamPath)
	var stray []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == copyDir || (path != root && strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(src, upstream) {
			stray = append(stray, strings.TrimPrefix(path, root+string(filepath.Separator)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range stray {
		t.Errorf("%s imports github.com/tetratelabs/wazero: import github.com/wasmgw/wasmgw/runtime/internal/_wazero instead", f)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(mod, []byte(upstreamPath)) {
		t.Errorf("go.mod requires github.com/tetratelabs/wazero: wasmgw runs on runtime/internal/_wazero; see RATIONALE.md")
	}
	if bytes.Contains(mod, []byte("\nreplace ")) || bytes.HasPrefix(mod, []byte("replace ")) {
		t.Errorf("go.mod has a replace directive: go install ...@latest refuses such a module")
	}
}
