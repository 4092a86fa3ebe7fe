//go:build !linux

package confine

import (
	"fmt"
	"os/exec"
	"runtime"
)

// Probe reports no Landlock and no user namespaces: only Linux confines.
func Probe() (abi int, userns bool) { return 0, false }

// Wrap always fails: servers are confined only on Linux (fail closed).
func Wrap(*exec.Cmd, Policy) (*Report, error) {
	return nil, fmt.Errorf("%w: confinement needs Linux with Landlock, this is %s", ErrUnsupported, runtime.GOOS)
}
