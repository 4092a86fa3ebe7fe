package confine

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"

	"github.com/landlock-lsm/go-landlock/landlock"
	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
)

// init runs the helper when this process was started as one: before any
// main or TestMain, so every binary linking this package can confine.
func init() {
	if v, ok := os.LookupEnv(envSpec); ok {
		helperMain(v)
	}
}

// helperMain confines this process by the spec and execs the server; it
// never returns. A step that fails ends the helper with status 126 and a
// line on stderr: the server is never started half-confined.
func helperMain(raw string) {
	runtime.LockOSThread() // the thread that restricts itself is the one that execs
	fail := func(step string, err error) {
		fmt.Fprintf(os.Stderr, "%s: %s: %v (the server was not started)\n", helperArg0, step, err)
		os.Exit(126)
	}
	var s spec
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		fail("spec", err)
	}
	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envSpec+"=") {
			env = append(env, kv)
		}
	}
	if s.NetNS {
		if err := loopbackUp(); err != nil {
			fail("network namespace loopback", err)
		}
	}
	if err := os.Chdir(s.Dir); err != nil {
		fail("working directory", err)
	}
	if err := setLimits(s); err != nil {
		fail("resource limits", err)
	}
	if err := dropCapabilities(); err != nil {
		fail("capabilities", err)
	}
	if err := restrict(s); err != nil {
		fail("landlock", err)
	}
	err := syscall.Exec(s.Path, s.Args, env)
	fail("exec "+s.Path, err)
}

func setLimits(s spec) error {
	set := func(name string, res int, v uint64) error {
		// Never above the hard limit the gateway has: raising it needs a
		// privilege the helper does not use.
		var cur syscall.Rlimit
		if err := syscall.Getrlimit(res, &cur); err == nil && v > cur.Max {
			v = cur.Max
		}
		if err := syscall.Setrlimit(res, &syscall.Rlimit{Cur: v, Max: v}); err != nil {
			return fmt.Errorf("%s %d: %w", name, v, err)
		}
		return nil
	}
	if err := set("open files", unix.RLIMIT_NOFILE, s.OpenFiles); err != nil {
		return err
	}
	if err := set("memory", unix.RLIMIT_DATA, s.Memory); err != nil {
		return err
	}
	if err := set("core", unix.RLIMIT_CORE, 0); err != nil {
		return err
	}
	if s.Processes > 0 {
		return set("processes", unix.RLIMIT_NPROC, s.Processes)
	}
	return nil
}

// dropCapabilities empties the bounding, ambient, effective, permitted and
// inheritable sets, so that the server holds no capability even when the
// gateway runs as root (in a user namespace, root of it).
func dropCapabilities() error {
	for c := 0; c < 64; c++ {
		err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0)
		if err == unix.EINVAL {
			break // past the last capability the kernel knows
		}
		if err != nil && err != unix.EPERM {
			return fmt.Errorf("bounding set: %w", err)
		}
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil && err != unix.EINVAL {
		return fmt.Errorf("ambient set: %w", err)
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	return nil
}

// restrict enforces the Landlock ruleset on this thread, with
// no_new_privs; the exec'd server inherits both.
func restrict(s spec) error {
	base := landlock.V7
	var cfg landlock.Config
	var err error
	if s.DenyNet {
		cfg, err = landlockConfig(base.HandledAccessFS, base.HandledAccessNet, base.Scoped)
	} else {
		cfg, err = landlockConfig(base.HandledAccessFS, base.Scoped)
	}
	if err != nil {
		return err
	}
	var dirs, files []string
	// The helper's own /proc directory is the server's after exec.
	for _, p := range append(s.ReadDirs, fmt.Sprintf("/proc/%d", os.Getpid())) {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			files = append(files, p)
		} else {
			dirs = append(dirs, p)
		}
	}
	rules := []landlock.Rule{
		landlock.RODirs(dirs...).IgnoreIfMissing(),
		landlock.ROFiles(append(files, s.ReadFiles...)...).IgnoreIfMissing(),
		landlock.RWDirs(s.WriteDirs...).WithRefer(),
		landlock.RWFiles(s.WriteFiles...).IgnoreIfMissing(),
	}
	fd, flags, err := cfg.BestEffort().NewRulesetFD(rules...)
	if err != nil {
		return err
	}
	if fd < 0 {
		return fmt.Errorf("nothing to restrict")
	}
	defer syscall.Close(fd)
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	return ll.LandlockRestrictSelf(fd, flags)
}

func landlockConfig(args ...any) (landlock.Config, error) {
	c, err := landlock.NewConfig(args...)
	if err != nil {
		return landlock.Config{}, err
	}
	return *c, nil
}

// loopbackUp brings up lo in a new network namespace, so that a server
// denied the network can still talk to itself.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}
