package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmgw/wasmgw/runtime/internal/dotenv"
)

// DefaultProfile is the name of the profile that is the home itself.
const DefaultProfile = "default"

// ResolveHome returns the gateway home: flag if set, else $WASMGW_HOME, else
// ~/.wasmgw. getenv is injected so that tests never depend on the process
// environment.
func ResolveHome(flag string, getenv func(string) string) (string, error) {
	dir := flag
	if dir == "" {
		dir = getenv("WASMGW_HOME")
	}
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("no home: pass --home or set WASMGW_HOME")
		}
		dir = filepath.Join(home, ".wasmgw")
	}
	return filepath.Abs(dir)
}

// Home is a gateway home directory: the default profile and profiles/<name>.
type Home struct {
	dir      string
	globals  Globals
	envCheck time.Duration
}

// defaultEnvCheckInterval is how long a profile trusts the .env it read
// before it stats the file again. A stat costs about 2 µs here, more than a
// whole call through the host path; a rotated key takes effect within this
// interval, without a restart.
const defaultEnvCheckInterval = time.Second

// SetEnvCheckInterval sets how often profiles opened afterwards re-check
// their .env (0: on every call).
func (h *Home) SetEnvCheckInterval(d time.Duration) { h.envCheck = d }

// OpenHome opens the home at dir. globals is the snapshot of host variables
// every profile may read.
func OpenHome(dir string, globals Globals) (*Home, error) {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("home %s does not exist: pass --home DIR (a directory with profiles/NAME/config.yaml), set WASMGW_HOME, or create it; from a checkout, try --home testdata/home", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("home %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("home %s: not a directory", dir)
	}
	return &Home{dir: dir, globals: globals, envCheck: defaultEnvCheckInterval}, nil
}

// Dir returns the home's directory.
func (h *Home) Dir() string { return h.dir }

// NormalizeProfileName lower-cases name and checks it against
// [a-z0-9][a-z0-9_-]{0,63}.
func NormalizeProfileName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" || len(n) > 64 {
		return "", fmt.Errorf("profile name %q: want 1 to 64 characters", name)
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || i > 0 && (c == '_' || c == '-')) {
			return "", fmt.Errorf("profile name %q: want [a-z0-9][a-z0-9_-]*", name)
		}
	}
	return n, nil
}

// ProfileNames lists the named profiles under profiles/, sorted, plus
// "default" when the home itself has a config.yaml.
func (h *Home) ProfileNames() ([]string, error) {
	var names []string
	if _, err := os.Stat(filepath.Join(h.dir, "config.yaml")); err == nil {
		names = append(names, DefaultProfile)
	}
	entries, err := os.ReadDir(filepath.Join(h.dir, "profiles"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("home %s: %w", h.dir, err)
	}
	for _, e := range entries {
		if n, err := NormalizeProfileName(e.Name()); err == nil && n == e.Name() && e.IsDir() {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
}

// Profile loads a profile by name, or by path when ref contains a path
// separator or starts with '.'. An unknown profile, a missing directory or
// an unreadable or invalid config is an error naming it; it is never served
// from "default".
func (h *Home) Profile(ref string) (*Profile, error) {
	var name, dir string
	if strings.ContainsRune(ref, filepath.Separator) || strings.HasPrefix(ref, ".") {
		abs, err := filepath.Abs(ref)
		if err != nil {
			return nil, fmt.Errorf("profile %q: %w", ref, err)
		}
		dir = abs
		if name, err = NormalizeProfileName(filepath.Base(abs)); err != nil {
			return nil, fmt.Errorf("profile at %s: %w", abs, err)
		}
	} else {
		n, err := NormalizeProfileName(ref)
		if err != nil {
			return nil, err
		}
		name, dir = n, filepath.Join(h.dir, "profiles", n)
		if n == DefaultProfile {
			dir = h.dir
		}
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		known, _ := h.ProfileNames()
		return nil, fmt.Errorf("profile %q: no such profile (no directory %s; profiles in %s: %s)", name, dir, h.dir, listOrNone(known))
	}
	p := &Profile{Name: name, Dir: dir, globals: h.globals, envPath: filepath.Join(dir, ".env"), envCheck: h.envCheck}
	cfgPath := filepath.Join(dir, "config.yaml")
	data, err := os.ReadFile(cfgPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		p.Config = &Config{}
	case err != nil:
		return nil, fmt.Errorf("profile %q: %w", name, err)
	default:
		if p.Config, err = ParseConfig(cfgPath, data); err != nil {
			return nil, fmt.Errorf("profile %q: %w", name, err)
		}
	}
	// Read the .env now so that a broken one is reported at load.
	if _, err := p.Scope(); err != nil {
		return nil, err
	}
	return p, nil
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// Profile is one tenant on disk: its directory, config and secrets.
type Profile struct {
	// Name is the profile's normalised name.
	Name string
	// Dir is its directory.
	Dir string
	// Config is its parsed config.yaml.
	Config *Config

	globals  Globals
	envPath  string
	envCheck time.Duration

	mu    sync.Mutex
	scope *Scope
	gen   generation
	// fresh is the last check's scope and time, read without the lock by
	// the calls that follow it within the check interval.
	fresh atomic.Pointer[checkedScope]
}

// checkedScope is a scope and when its .env was last found unchanged.
type checkedScope struct {
	scope *Scope
	at    time.Time
}

// EnvPath returns the path of the profile's .env.
func (p *Profile) EnvPath() string { return p.envPath }

// Scope returns the profile's current scope. The .env is re-read when its
// generation (inode, size, modification and change times) changes, so a
// rotated key takes effect without a restart: on the next call once the
// home's check interval has passed (see SetEnvCheckInterval). A missing
// .env is an empty scope.
func (p *Profile) Scope() (*Scope, error) { return p.scopeAt(time.Now()) }

// scopeAt is Scope for a caller that has read the clock (now).
func (p *Profile) scopeAt(now time.Time) (*Scope, error) {
	if p.envCheck > 0 {
		if c := p.fresh.Load(); c != nil && now.Sub(c.at) < p.envCheck {
			return c.scope, nil
		}
	}
	gen, err := statGeneration(p.envPath)
	if err != nil {
		return nil, fmt.Errorf("profile %q: %w", p.Name, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.scope != nil && p.gen == gen {
		p.fresh.Store(&checkedScope{scope: p.scope, at: now})
		return p.scope, nil
	}
	values := map[string]string{}
	if gen.exists {
		data, err := os.ReadFile(p.envPath)
		if err != nil {
			return nil, fmt.Errorf("profile %q: %w", p.Name, err)
		}
		if values, err = dotenv.Parse(p.envPath, data); err != nil {
			return nil, fmt.Errorf("profile %q: %w", p.Name, err)
		}
	}
	p.scope = newScope(p.Name, gen.String(), values, p.globals).neverRedacted(p.Config.RedactNever)
	p.gen = gen
	p.fresh.Store(&checkedScope{scope: p.scope, at: now})
	return p.scope, nil
}

// generation identifies a .env's content cheaply.
type generation struct {
	exists bool
	ino    uint64
	size   int64
	mtime  int64
	ctime  int64
}

func (g generation) String() string {
	if !g.exists {
		return ""
	}
	return fmt.Sprintf("%d-%d-%d-%d", g.ino, g.size, g.mtime, g.ctime)
}
