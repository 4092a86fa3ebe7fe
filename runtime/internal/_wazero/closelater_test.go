package wazero

import (
	"context"
	"errors"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/sys"
)

// TestCloseModuleLater: a module closed later stops its running loop at a
// termination check with the exit code, and a Close afterwards releases
// its resources (a second Close is a no-op).
func TestCloseModuleLater(t *testing.T) {
	ctx := context.Background()
	r := NewRuntimeWithConfig(ctx, NewRuntimeConfigCompiler().WithCloseOnContextDone(true))
	defer r.Close(ctx)
	// (module (func (export "spin") (loop (br 0))))
	bin := []byte{0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 4, 1, 0x60, 0, 0, // type: () -> ()
		3, 2, 1, 0, // func 0: type 0
		7, 8, 1, 4, 's', 'p', 'i', 'n', 0, 0, // export "spin"
		10, 9, 1, 7, 0, 3, 0x40, 0x0c, 0, 0x0b, 0x0b, // loop br 0 end end
	}
	mod, err := r.Instantiate(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		close(started)
		_, err := mod.ExportedFunction("spin").Call(ctx)
		done <- err
	}()
	<-started
	if !CloseModuleLater(mod, 42) {
		t.Fatal("CloseModuleLater refused a module of this runtime")
	}
	err = <-done
	var exit *sys.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 42 {
		t.Fatalf("spin returned %v, want exit code 42", err)
	}
	if !mod.IsClosed() {
		t.Error("the module is not closed")
	}
	if err := mod.Close(ctx); err != nil {
		t.Errorf("Close after CloseModuleLater: %v", err)
	}
	if err := mod.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
