//go:build unix

package mcp

import "syscall"

// killGroup sends sig to every process of the group pgid.
func killGroup(pgid int, sig syscall.Signal) { _ = syscall.Kill(-pgid, sig) }
