package confine

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"
)

// systemDirs are readable (and executable) by every confined server: the
// system's programs, libraries and configuration, sysctl values, the CPU
// and cgroup limits runtimes size themselves by.
var systemDirs = []string{"/bin", "/sbin", "/usr", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/snap", "/nix", "/proc/sys", "/sys/fs/cgroup", "/sys/devices/system/cpu"}

// procFiles are the system-wide /proc files a server may read. No other
// process's /proc directory is readable: the helper adds its own, which
// becomes the server's (/proc/self of the server itself).
var procFiles = []string{"/proc/cpuinfo", "/proc/meminfo", "/proc/stat", "/proc/uptime", "/proc/loadavg", "/proc/version", "/proc/filesystems", "/proc/swaps"}

// deviceFiles are writable; randomFiles readable.
var (
	deviceFiles = []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/tty"}
	randomFiles = []string{"/dev/urandom", "/dev/random"}
)

// userCaches are the package-manager directories under the server's HOME
// that are readable (never writable: a cache one tenant can write is a
// package another runs).
var userCaches = []string{".npm", ".nvm", ".volta", ".bun", ".local/share/pnpm", ".cache/node"}

// Probe reports the kernel's Landlock ABI version (0 without Landlock) and
// whether unprivileged user namespaces look available.
func Probe() (abi int, userns bool) {
	v, err := ll.LandlockGetABIVersion()
	if err != nil {
		v = 0
	}
	b, err := os.ReadFile("/proc/sys/user/max_user_namespaces")
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return v, err == nil && n > 0
}

// Wrap turns cmd (Path, Args, Env, Dir set; not started) into the start of
// the helper that confines itself by p and then execs cmd's program. It
// fails with ErrUnsupported when the kernel cannot confine, and with a
// plain error when p asks for something it must refuse.
func Wrap(cmd *exec.Cmd, p Policy) (*Report, error) {
	abi, userns := p.LandlockABI, p.UserNamespaces
	if abi < MinLandlockABI {
		return nil, fmt.Errorf("%w: the kernel's Landlock ABI is %d, confinement needs %d or later (Linux 6.12+, Landlock enabled at boot)", ErrUnsupported, abi, MinLandlockABI)
	}
	g := grants{home: p.Home, profile: p.Profile}
	if p.Scratch == "" {
		return nil, fmt.Errorf("confinement needs a scratch directory")
	}
	if err := os.MkdirAll(p.Scratch, 0o700); err != nil {
		return nil, fmt.Errorf("scratch directory: %w", err)
	}
	s := spec{Path: cmd.Path, Args: cmd.Args, Dir: p.Scratch, ABI: abi, Scratch: p.Scratch, DenyNet: p.DenyNetwork}
	s.WriteDirs = append(s.WriteDirs, p.Scratch)
	if p.Cwd != "" {
		s.Dir = p.Cwd
		if g.allowed(p.Cwd) && !holdsDotenv(p.Cwd) {
			s.ReadDirs = append(s.ReadDirs, p.Cwd)
		}
	}
	for _, d := range systemDirs {
		if g.allowed(d) {
			s.ReadDirs = append(s.ReadDirs, d)
		}
	}
	s.WriteFiles = append(s.WriteFiles, deviceFiles...)
	s.ReadFiles = append(s.ReadFiles, randomFiles...)
	s.ReadFiles = append(s.ReadFiles, procFiles...)
	if t, err := filepath.EvalSymlinks("/etc/resolv.conf"); err == nil && g.allowed(t) {
		s.ReadFiles = append(s.ReadFiles, t)
	}
	// The program's own install: the file, and its prefix (the directory
	// above a bin/, or its directory) unless that would open the home.
	for _, prog := range []string{cmd.Path, resolved(cmd.Path)} {
		if prog == "" {
			continue
		}
		s.ReadFiles = append(s.ReadFiles, prog)
		root := filepath.Dir(prog)
		if filepath.Base(root) == "bin" {
			root = filepath.Dir(root)
		}
		if root != "/" && g.allowed(root) && !holdsDotenv(root) {
			s.ReadDirs = append(s.ReadDirs, root)
		}
	}
	if p.UserHome != "" && filepath.IsAbs(p.UserHome) {
		for _, c := range userCaches {
			if d := filepath.Join(p.UserHome, c); g.allowed(d) {
				s.ReadDirs = append(s.ReadDirs, d)
			}
		}
	}
	for _, list := range []struct {
		paths []string
		write bool
	}{{p.Read, false}, {p.Write, true}} {
		for _, path := range list.paths {
			if !filepath.IsAbs(path) {
				return nil, fmt.Errorf("filesystem: %q is not an absolute path", path)
			}
			if !g.allowed(path) {
				return nil, fmt.Errorf("filesystem: %q would open the wasmgw home or a profile directory (with its .env) to the server; grant a directory of its own", path)
			}
			if holdsDotenv(path) {
				return nil, fmt.Errorf("filesystem: %q holds a .env file, which the server would then read; grant a directory without one", path)
			}
			if list.write {
				s.WriteDirs = append(s.WriteDirs, path)
			} else {
				s.ReadDirs = append(s.ReadDirs, path)
			}
		}
	}
	lim := p.Limits.WithDefaults()
	s.Memory, s.OpenFiles = lim.Memory, lim.OpenFiles
	r := &Report{LandlockABI: abi, Network: "allowed", Scratch: p.Scratch, Limits: Limits{Memory: lim.Memory, OpenFiles: lim.OpenFiles}}
	if p.DenyNetwork {
		r.Network = "denied"
	}
	attr := &syscall.SysProcAttr{}
	if userns && !p.NoNamespaces {
		attr.Cloneflags = syscall.CLONE_NEWUSER
		uid, gid := os.Getuid(), os.Getgid()
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}}
		attr.GidMappingsEnableSetgroups = false
		r.Namespaces = []string{"user"}
		// Processes are counted per user namespace: the limit is the
		// server's own, not shared with the host's other processes.
		s.Processes = lim.Processes
		r.Limits.Processes = lim.Processes
		if p.DenyNetwork {
			attr.Cloneflags |= syscall.CLONE_NEWNET
			s.NetNS = true
			r.Namespaces = append(r.Namespaces, "net")
		}
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	cmd.Path = "/proc/self/exe"
	cmd.Args = []string{helperArg0}
	cmd.Env = append(append([]string(nil), cmd.Env...), envSpec+"="+string(b))
	cmd.Dir = s.Dir
	cmd.SysProcAttr = attr
	return r, nil
}

// holdsDotenv reports whether dir has a .env file directly in it.
func holdsDotenv(dir string) bool {
	_, err := os.Lstat(filepath.Join(dir, ".env"))
	return err == nil
}

// resolved is path with its symbolic links resolved ("" when it is the
// same or cannot be resolved).
func resolved(path string) string {
	r, err := filepath.EvalSymlinks(path)
	if err != nil || r == path {
		return ""
	}
	return r
}

// grants decides which paths may be opened to a server: never the home or
// a profile directory, nor a directory above them, nor anything inside
// the home but below the server's own profile directory.
type grants struct{ home, profile string }

func (g grants) allowed(path string) bool {
	path = filepath.Clean(path)
	if r, err := filepath.EvalSymlinks(path); err == nil {
		path = r
	}
	for _, d := range []string{g.home, g.profile} {
		if d == "" {
			continue
		}
		if r, err := filepath.EvalSymlinks(d); err == nil {
			d = r
		}
		if within(d, path) { // path is d or above it
			return false
		}
	}
	if g.home != "" && within(path, evalOr(g.home)) {
		return g.profile != "" && within(path, evalOr(g.profile))
	}
	return true
}

func evalOr(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return filepath.Clean(p)
}

// within reports whether path is dir or inside it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}
