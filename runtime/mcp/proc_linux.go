package mcp

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// sysProcAttr puts a child in its own process group (so that closing it
// reaches its descendants too) and has the kernel kill it if the host dies
// without closing it. Pdeathsig fires when the spawning thread exits; Go
// only ends threads locked with LockOSThread, which the spawning goroutine
// never is.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// waitExited blocks until process pid has exited, without reaping it: the
// zombie keeps its process group id reserved until it is reaped. It
// reports whether it could wait so.
func waitExited(pid int) bool {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return err == nil
		}
	}
}

// keepNamespaces copies the namespaces a confined server's helper is to
// start in (set by the confinement) into attr.
func keepNamespaces(attr, from *syscall.SysProcAttr) {
	attr.Cloneflags = from.Cloneflags
	attr.UidMappings = from.UidMappings
	attr.GidMappings = from.GidMappings
	attr.GidMappingsEnableSetgroups = from.GidMappingsEnableSetgroups
}
