package mcp

import (
	"os"
	"syscall"
)

// sysProcAttr has nothing to add on Windows: there are no process groups
// to signal, so closing a child ends the child only, not what it spawned
// (docs/platforms.md).
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }

// waitExited returns false: Windows cannot wait without reaping here.
func waitExited(int) bool { return false }

// killGroup ends the process pid itself (Windows has no signals to send and
// no process group to reach): every signal is a kill.
func killGroup(pid int, _ syscall.Signal) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
		_ = p.Release()
	}
}

// keepNamespaces has nothing to keep: no namespaces here (and no confined
// server starts on Windows: it fails closed, docs/platforms.md).
func keepNamespaces(attr, from *syscall.SysProcAttr) {}
