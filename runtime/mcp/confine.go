package mcp

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/wasmgw/wasmgw/runtime/mcp/internal/confine"
)

// ConfinementSupport reports what this kernel offers stdio servers: the
// Landlock ABI version (0: none), whether unprivileged user namespaces look
// available, and whether that is enough to confine a server.
func ConfinementSupport() (landlockABI int, userNamespaces, ok bool) {
	abi, userns := confine.Probe()
	return abi, userns, abi >= confine.MinLandlockABI
}

// scratchDir is the private writable directory of server name under base
// (Options.ScratchDir, or DIR/scratch).
func scratchDir(opts Options, name string) string {
	base := opts.ScratchDir
	if base == "" {
		base = filepath.Join(opts.Dir, "scratch")
	}
	return filepath.Join(base, name)
}

// confine makes cmd start the confinement helper for the server.
func (c *Conn) confine(cmd *exec.Cmd, opts Options, env []string) error {
	return c.confineWith(cmd, opts, env, false)
}

func (c *Conn) confineWith(cmd *exec.Cmd, opts Options, env []string, noNS bool) error {
	if opts.Dir == "" && opts.ScratchDir == "" {
		return errors.New("confinement needs the profile directory (Options.Dir) or a scratch directory")
	}
	sb := c.cfg.Sandbox
	p := confine.Policy{
		Scratch:      scratchDir(opts, c.cfg.Name),
		Read:         sb.Read,
		Write:        sb.Write,
		UserHome:     envValue(env, "HOME"),
		DenyNetwork:  sb.DenyNetwork,
		Limits:       confine.Limits{Memory: sb.Memory, Processes: sb.Processes, OpenFiles: sb.OpenFiles},
		NoNamespaces: noNS,
	}
	if c.cfg.Cwd != "" {
		p.Cwd = cmd.Dir
	}
	p.Home, p.Profile = opts.Home, opts.Dir
	probe := opts.probe
	if probe == nil {
		probe = confine.Probe
	}
	p.LandlockABI, p.UserNamespaces = probe()
	r, err := confine.Wrap(cmd, p)
	if err != nil {
		if errors.Is(err, confine.ErrUnsupported) {
			return fmt.Errorf("%w; the server was not started (to run it unconfined, as the gateway's user, set trust: host on it)", err)
		}
		return fmt.Errorf("confinement: %w", err)
	}
	c.confined = r.String()
	return nil
}

// nsRefused reports whether starting a child failed because the kernel
// refused to create its namespaces.
func nsRefused(err error) bool {
	return errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EUSERS)
}

// DescribeConfinement says how a stdio server with sandbox s would be
// confined on this kernel, for the audit: confined is false when it would
// run unconfined (trust: host) or not start at all (startable false: the
// kernel cannot confine it and it does not say trust: host).
func DescribeConfinement(s Sandbox) (desc string, confined, startable bool) {
	abi, userns := confine.Probe()
	if s.TrustHost {
		return "none (trust: host): runs as the gateway's user", false, true
	}
	if abi < confine.MinLandlockABI {
		return fmt.Sprintf("none: this kernel cannot confine (Landlock ABI %d, need %d); the server will not start", abi, confine.MinLandlockABI), false, false
	}
	lim := confine.Limits{Memory: s.Memory, Processes: s.Processes, OpenFiles: s.OpenFiles}.WithDefaults()
	r := confine.Report{LandlockABI: abi, Network: "allowed", Limits: lim}
	if s.DenyNetwork {
		r.Network = "denied"
	}
	if userns {
		r.Namespaces = []string{"user"}
		if s.DenyNetwork {
			r.Namespaces = append(r.Namespaces, "net")
		}
	} else {
		r.Limits.Processes = 0
	}
	return r.String(), true, true
}
