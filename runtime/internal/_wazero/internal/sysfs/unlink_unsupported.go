//go:build !(unix || windows)

package sysfs

import (
	"os"

	"github.com/wasmgw/wasmgw/runtime/internal/_wazero/experimental/sys"
)

func unlink(name string) sys.Errno {
	err := os.Remove(name)
	return sys.UnwrapOSError(err)
}
