//go:build unix && !linux

package mcp

import "syscall"

// sysProcAttr puts a child in its own process group, so that closing it
// reaches its descendants too.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// waitExited returns false at once where waiting without reaping is not
// available: the group is then only signalled while the leader runs.
func waitExited(int) bool { return false }

// keepNamespaces has nothing to keep: no namespaces here.
func keepNamespaces(attr, from *syscall.SysProcAttr) {}
