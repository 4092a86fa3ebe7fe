// Package confine runs a stdio MCP server confined at the OS level: a
// re-exec of the current binary (the helper) applies the confinement to
// itself and then execs the server, which inherits it.
//
// On Linux the helper, started by the parent in new user and mount
// namespaces (and a network namespace when the network is denied) where the
// kernel allows, binds the server's scratch directory over /tmp, drops every
// capability, sets no_new_privs and the resource limits, and enforces a
// Landlock ruleset: the system directories and the server's own install
// readable, its scratch directory writable, nothing else (not the home, not
// a profile, not a .env); Landlock's ptrace rules keep it from reading
// another process's /proc entries, its scopes from signalling processes
// outside its domain. Elsewhere nothing can be confined: Wrap fails.
//
// Every binary that links this package is a helper: an init function runs
// the helper when the environment holds the marker Wrap sets, before main
// or TestMain, so a test binary or an embedding program needs no wiring.
package confine

import (
	"errors"
	"fmt"
	"strings"
)

// envSpec is the environment variable that carries the helper's Spec (as
// JSON). The helper removes it from the server's environment.
const envSpec = "WASMGW_CONFINE_SPEC"

// helperArg0 is the helper's argv[0], so that ps shows what it is.
const helperArg0 = "wasmgw-confine"

// Defaults of the resource limits.
const (
	// DefaultMemory bounds a server's data (RLIMIT_DATA: heap and private
	// writable mappings), 2 GiB.
	DefaultMemory = 2 << 30
	// DefaultProcesses bounds the processes and threads of a server's user
	// namespace (RLIMIT_NPROC), applied only when it has its own.
	DefaultProcesses = 256
	// DefaultOpenFiles bounds a server's open file descriptors
	// (RLIMIT_NOFILE).
	DefaultOpenFiles = 1024
)

// MinLandlockABI is the lowest Landlock ABI that confines a server: 6 adds
// the signal and abstract-socket scopes (kernel 6.12).
const MinLandlockABI = 6

// ErrUnsupported reports that this platform or kernel cannot confine a
// server; the caller must not start it unless the operator opted out.
var ErrUnsupported = errors.New("cannot confine")

// Limits are a server's resource limits; 0 means the default.
type Limits struct {
	// Memory is the RLIMIT_DATA in bytes.
	Memory uint64
	// Processes is the RLIMIT_NPROC.
	Processes uint64
	// OpenFiles is the RLIMIT_NOFILE.
	OpenFiles uint64
}

// WithDefaults returns l with every unset limit at its default.
func (l Limits) WithDefaults() Limits {
	if l.Memory == 0 {
		l.Memory = DefaultMemory
	}
	if l.Processes == 0 {
		l.Processes = DefaultProcesses
	}
	if l.OpenFiles == 0 {
		l.OpenFiles = DefaultOpenFiles
	}
	return l
}

// Policy is what a server may do, as the parent decides it.
type Policy struct {
	// Scratch is the server's private writable directory (created 0700 if
	// missing); it is also its /tmp when it has a mount namespace, and its
	// working directory when Cwd is empty.
	Scratch string
	// Cwd is the configured working directory ("" for Scratch). It is
	// made readable unless it is or holds a Deny path.
	Cwd string
	// Read and Write are further paths the operator granted (read only,
	// read and write).
	Read, Write []string
	// Home and Profile are the wasmgw home and the server's profile
	// directory: never granted, nor any path above them, nor a path in the
	// home outside the profile directory.
	Home, Profile string
	// LandlockABI and UserNamespaces are what the kernel offers (Probe).
	LandlockABI    int
	UserNamespaces bool
	// UserHome is the HOME of the server's environment: its package-manager
	// caches (~/.npm, ~/.cache) are readable.
	UserHome string
	// DenyNetwork denies TCP bind and connect (and, with a network
	// namespace, every other protocol but loopback).
	DenyNetwork bool
	// Limits are the resource limits.
	Limits Limits
	// NoNamespaces starts the helper without namespaces (the fallback when
	// the kernel refuses them).
	NoNamespaces bool
}

// Report says how a server is confined, for logs and the audit.
type Report struct {
	// LandlockABI is the Landlock ABI version the ruleset was built for.
	LandlockABI int `json:"landlock_abi"`
	// Namespaces are the namespaces the server runs in (user, mount, net).
	Namespaces []string `json:"namespaces,omitempty"`
	// Network is "allowed" or "denied".
	Network string `json:"network"`
	// Limits are the resource limits applied (Processes 0: not applied,
	// the server has no user namespace of its own).
	Limits Limits `json:"limits"`
	// Scratch is the server's writable directory.
	Scratch string `json:"scratch"`
}

// String is a one-line summary: "landlock abi 7, namespaces user+mount,
// network allowed, memory 2GiB, processes 256, open files 1024".
func (r Report) String() string {
	ns := "none"
	if len(r.Namespaces) > 0 {
		ns = strings.Join(r.Namespaces, "+")
	}
	procs := "not limited (no user namespace)"
	if r.Limits.Processes > 0 {
		procs = fmt.Sprint(r.Limits.Processes)
	}
	return fmt.Sprintf("landlock abi %d, no_new_privs, no capabilities, namespaces %s, network %s, memory %s, processes %s, open files %d",
		r.LandlockABI, ns, r.Network, bytesText(r.Limits.Memory), procs, r.Limits.OpenFiles)
}

func bytesText(n uint64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	}
	return fmt.Sprintf("%dB", n)
}

// spec is what the parent hands the helper.
type spec struct {
	Path       string   `json:"path"`
	Args       []string `json:"args"`
	Dir        string   `json:"dir"`
	ABI        int      `json:"abi"`
	Mounts     bool     `json:"mounts"`
	NetNS      bool     `json:"netns"`
	Scratch    string   `json:"scratch"`
	ReadDirs   []string `json:"read_dirs"`
	ReadFiles  []string `json:"read_files"`
	WriteDirs  []string `json:"write_dirs"`
	WriteFiles []string `json:"write_files"`
	DenyNet    bool     `json:"deny_net"`
	Memory     uint64   `json:"memory"`
	Processes  uint64   `json:"processes"`
	OpenFiles  uint64   `json:"open_files"`
}
