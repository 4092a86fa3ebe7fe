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
	"syscall"
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
	dir     string
	globals Globals
}

// OpenHome opens the home at dir. globals is the snapshot of host variables
// every profile may read.
func OpenHome(dir string, globals Globals) (*Home, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("home %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("home %s: not a directory", dir)
	}
	return &Home{dir: dir, globals: globals}, nil
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
	p := &Profile{Name: name, Dir: dir, globals: h.globals, envPath: filepath.Join(dir, ".env")}
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

	globals Globals
	envPath string

	mu    sync.Mutex
	scope *Scope
}

// EnvPath returns the path of the profile's .env.
func (p *Profile) EnvPath() string { return p.envPath }

// Scope returns the profile's current scope. The .env is re-read when its
// generation (inode, size, modification time) changes, so a rotated key
// takes effect on the next call; a missing .env is an empty scope.
func (p *Profile) Scope() (*Scope, error) {
	gen, err := envGeneration(p.envPath)
	if err != nil {
		return nil, fmt.Errorf("profile %q: %w", p.Name, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.scope != nil && p.scope.Generation() == gen {
		return p.scope, nil
	}
	values := map[string]string{}
	if gen != "" {
		data, err := os.ReadFile(p.envPath)
		if err != nil {
			return nil, fmt.Errorf("profile %q: %w", p.Name, err)
		}
		if values, err = ParseDotenv(p.envPath, data); err != nil {
			return nil, fmt.Errorf("profile %q: %w", p.Name, err)
		}
	}
	p.scope = NewScope(p.Name, gen, values, p.globals)
	return p.scope, nil
}

// envGeneration identifies the .env's current content cheaply; "" when it
// does not exist.
func envGeneration(path string) (string, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var ino uint64
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		ino = s.Ino
	}
	return fmt.Sprintf("%d-%d-%d", ino, st.Size(), st.ModTime().UnixNano()), nil
}
